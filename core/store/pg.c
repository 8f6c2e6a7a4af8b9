/*
 * pg.c — the PostgreSQL pool: bounded, thread-safe, lazily connected, self-healing.
 *
 * Every statement goes through libpq's asynchronous API so the caller's deadline holds down
 * to the query (poll on the socket, PQcancel when time runs out). Transactions additionally
 * set a transaction-local statement_timeout with set_config(…, true), so nothing outlives the
 * transaction and the pool works through PgBouncer in transaction mode.
 * Must never build SQL from input, log a parameter or a DSN, or leave a borrowed connection
 * inside a transaction when it goes back to the pool.
 */
#include "core/store/pg.h"

#include <assert.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <libpq-fe.h>

#include "core/common/log.h"
#include "core/store/store_internal.h"

#define PG_MODULE "store.pg"
/* Waiting for an answer after PQcancel: past this the connection is dropped instead. */
#define PG_CANCEL_GRACE_MS 5000
/* Without a caller deadline, nobody waits longer than this for a free connection. */
#define PG_DEFAULT_QUEUE_WAIT_MS 5000
#define PG_TX_MAX_ATTEMPTS 5

static const char *const SQL_BEGIN[] = {
    [STORE_PG_READ_COMMITTED] = "BEGIN ISOLATION LEVEL READ COMMITTED",
    [STORE_PG_REPEATABLE_READ] = "BEGIN ISOLATION LEVEL REPEATABLE READ",
    [STORE_PG_SERIALIZABLE] = "BEGIN ISOLATION LEVEL SERIALIZABLE",
};
static const char SQL_COMMIT[] = "COMMIT";
static const char SQL_ROLLBACK[] = "ROLLBACK";
static const char SQL_TX_TIMEOUT[] = "SELECT set_config('statement_timeout', $1, true)";
static const char SQL_PING[] = "SELECT current_setting('server_version')";

/* A statement this connection has prepared: its SQL (a copy) and its name's number. */
typedef struct pg_stmt {
  uint64_t hash; /* 0: empty slot */
  char *sql;
  unsigned id;
} pg_stmt_t;

/* Prepared statements per connection: the table holds twice as many slots; past the limit a
 * new statement is sent unnamed (planned every time, as before the cache). */
#define PG_STMT_MAX 512
#define PG_STMT_SLOTS (2 * PG_STMT_MAX)

struct store_pg_conn {
  store_pg_pool_t *pool;
  PGconn *pg;       /* NULL until first use, and again after it broke */
  pg_stmt_t *stmts; /* PG_STMT_SLOTS, allocated at the first prepare; valid for `pg` only */
  int n_stmts;
  unsigned stmt_seq; /* names are ehall_<seq>: never reused on one connection */
  bool broken;       /* close at release: the server or the socket went away */
  bool borrowed;
  uint64_t lease;      /* bumped at every acquire, so a stale arena cleanup is a no-op */
  int64_t deadline_ms; /* the borrower's deadline, applied to each statement */
  int next_free;
};

struct store_pg_pool {
  char *dsn;
  int size;
  int connect_timeout_ms;
  int64_t queue_wait_ms;
  atomic_bool prepare; /* keep prepared statements per connection (default true) */
  pthread_mutex_t mu;
  pthread_cond_t cv;
  store_pg_conn_t *conns;
  int free_head; /* index into conns, -1: none */
  bool down;     /* we have warned that the server is unreachable */
};

struct store_rows {
  PGresult *res;
};

typedef struct pg_lease {
  store_pg_conn_t *conn;
  uint64_t lease;
} pg_lease_t;

static int64_t pg__now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the one SQLSTATE → status mapping ---------------------------------------------- */

static bool pg__sqlstate_breaks_conn(const char *st) {
  return st && (!strncmp(st, "08", 2) || !strcmp(st, "57P01") || !strcmp(st, "57P02") ||
                !strcmp(st, "57P03"));
}

static void pg__set_error(eh_err_t *err, const char *sqlstate, const char *msg,
                          const char *constraint) {
  const char *st = sqlstate && *sqlstate ? sqlstate : "XX000";
  if (!strcmp(st, "23505"))
    eh_err_set(err, EH_ALREADY_EXISTS, NULL, "记录已存在", "the record already exists");
  else if (!strcmp(st, "23514") || !strcmp(st, "23P01") || !strcmp(st, "23503"))
    eh_err_set(err, EH_CONFLICT, NULL, "操作与当前状态冲突",
               "the operation conflicts with the current state");
  else if (!strcmp(st, "40001") || !strcmp(st, "40P01"))
    eh_err_set(err, EH_CONFLICT, NULL, "并发操作冲突，请重试",
               "a concurrent change conflicted, please retry");
  else if (!strcmp(st, "57014"))
    eh_err_set(err, EH_DEADLINE, NULL, "请求超时", "the request timed out");
  else if (pg__sqlstate_breaks_conn(st))
    eh_err_set(err, EH_UNAVAILABLE, NULL, "数据库暂时不可用，请稍后重试",
               "the database is temporarily unavailable, please retry later");
  else if (!strncmp(st, "22", 2))
    eh_err_set(err, EH_INVALID, NULL, "输入的数据无效", "the input data is invalid");
  else
    eh_err_set(err, EH_INTERNAL, NULL, "服务器内部错误", "internal server error");
  /* Class 22 messages echo the offending input ("invalid input syntax …: \"…\""): withheld.
   * The server's DETAIL (row values) is never copied. */
  if (!strncmp(st, "22", 2))
    msg = "(withheld: may echo input)";
  char m[300];
  snprintf(m, sizeof(m), "%s", msg ? msg : "");
  size_t n = strlen(m);
  while (n > 0 && (m[n - 1] == '\n' || m[n - 1] == ' '))
    m[--n] = '\0';
  if (constraint && *constraint)
    eh_err_detail(err, "sqlstate=%s constraint=%s msg=%s", st, constraint, m);
  else
    eh_err_detail(err, "sqlstate=%s msg=%s", st, m);
}

bool store_pg_retryable(const eh_err_t *err) {
  return err->code == EH_CONFLICT &&
         (strstr(err->detail, "sqlstate=40001") || strstr(err->detail, "sqlstate=40P01"));
}

bool store_pg_err_constraint(const eh_err_t *err, const char *constraint) {
  char want[160];
  snprintf(want, sizeof(want), "constraint=%s ", constraint);
  return strstr(err->detail, want) != NULL;
}

static void pg__set_unavailable(eh_err_t *err, const char *why) {
  eh_err_set(err, EH_UNAVAILABLE, NULL, "数据库暂时不可用，请稍后重试",
             "the database is temporarily unavailable, please retry later");
  char m[300];
  snprintf(m, sizeof(m), "%s", why ? why : "");
  size_t n = strlen(m);
  while (n > 0 && (m[n - 1] == '\n' || m[n - 1] == ' '))
    m[--n] = '\0';
  eh_err_detail(err, "sqlstate=08000 msg=%s", m);
}

static void pg__set_deadline(eh_err_t *err, const char *where) {
  eh_err_set(err, EH_DEADLINE, NULL, "请求超时", "the request timed out");
  eh_err_detail(err, "deadline passed %s", where);
}

static PGresult *pg__run(store_pg_conn_t *conn, const char *sql, int nparams,
                         const char *const *params, eh_err_t *err);

/* ---- pool ---------------------------------------------------------------------------- */

store_pg_pool_t *store_pg_pool_create(const char *dsn, int size, int connect_timeout_ms) {
  store_pg_pool_t *p = calloc(1, sizeof(*p));
  if (p == NULL || (p->dsn = strdup(dsn ? dsn : "")) == NULL)
    abort();
  p->size = size > 0 ? size : 1;
  p->connect_timeout_ms = connect_timeout_ms > 0 ? connect_timeout_ms : 5000;
  p->queue_wait_ms = PG_DEFAULT_QUEUE_WAIT_MS;
  atomic_init(&p->prepare, true);
  p->conns = calloc((size_t)p->size, sizeof(*p->conns));
  if (p->conns == NULL)
    abort();
  for (int i = 0; i < p->size; i++) {
    p->conns[i].pool = p;
    p->conns[i].next_free = i + 1 < p->size ? i + 1 : -1;
  }
  p->free_head = 0;
  pthread_mutex_init(&p->mu, NULL);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&p->cv, &ca);
  pthread_condattr_destroy(&ca);
  return p;
}

void store_pg_pool_set_queue_wait(store_pg_pool_t *pool, int64_t ms) {
  pool->queue_wait_ms = ms;
}

void store_pg_pool_set_prepare(store_pg_pool_t *pool, bool prepare) {
  atomic_store(&pool->prepare, prepare);
}

/* Forgets the connection's prepared statements (they die with its session). */
static void pg__stmts_clear(store_pg_conn_t *conn) {
  if (conn->stmts != NULL) {
    for (int i = 0; i < PG_STMT_SLOTS; i++)
      free(conn->stmts[i].sql);
    free(conn->stmts);
  }
  conn->stmts = NULL;
  conn->n_stmts = 0;
}

/* Closes the connection's session (NULL after). */
static void pg__close(store_pg_conn_t *conn) {
  if (conn->pg != NULL)
    PQfinish(conn->pg);
  conn->pg = NULL;
  pg__stmts_clear(conn);
}

void store_pg_pool_destroy(store_pg_pool_t *pool) {
  if (pool == NULL)
    return;
  for (int i = 0; i < pool->size; i++) {
    /* Destroying the pool with a borrowed connection is a caller bug. */
    if (pool->conns[i].borrowed)
      LOG_ERROR(PG_MODULE, "pool destroyed with a borrowed connection slot=%d", i);
    pg__close(&pool->conns[i]);
  }
  pthread_cond_destroy(&pool->cv);
  pthread_mutex_destroy(&pool->mu);
  free(pool->conns);
  free(pool->dsn);
  free(pool);
}

static void pg__note_up(store_pg_pool_t *pool) {
  pthread_mutex_lock(&pool->mu);
  bool was_down = pool->down;
  pool->down = false;
  pthread_mutex_unlock(&pool->mu);
  if (was_down)
    LOG_INFO(PG_MODULE, "postgresql reachable again");
}

static void pg__note_down(store_pg_pool_t *pool, const char *why) {
  pthread_mutex_lock(&pool->mu);
  bool was_down = pool->down;
  pool->down = true;
  pthread_mutex_unlock(&pool->mu);
  if (!was_down) {
    char one[201];
    snprintf(one, sizeof(one), "%s", why ? why : "");
    for (char *c = one; *c; c++)
      if (*c == '\n' || *c == '\t')
        *c = ' ';
    LOG_WARN(PG_MODULE, "postgresql unreachable error=\"%s\"", one);
  }
}

/* Waits for fd to be ready until `until` (INT64_MAX: forever). 1 ready, 0 timed out, -1 error. */
static int pg__wait(int fd, short events, int64_t until) {
  for (;;) {
    int timeout = -1;
    if (until != INT64_MAX) {
      int64_t left = until - pg__now_ms();
      timeout = left <= 0 ? 0 : left > 60000 ? 60000 : (int)left;
    }
    struct pollfd pfd = {.fd = fd, .events = events};
    int rc = poll(&pfd, 1, timeout);
    if (rc > 0)
      return 1;
    if (rc < 0 && errno != EINTR)
      return -1;
    if (rc == 0 && until != INT64_MAX && pg__now_ms() >= until)
      return 0;
  }
}

/* Server notices ("… does not exist, skipping") are not errors: debug level, one line. */
static void pg__notice(void *arg, const char *msg) {
  (void)arg;
  LOG_DEBUG(PG_MODULE, "notice msg=\"%.*s\"", (int)strcspn(msg, "\n"), msg);
}

/* Opens conn->pg without blocking past min(deadline, now + connect timeout). */
static bool pg__connect(store_pg_conn_t *conn, eh_err_t *err) {
  store_pg_pool_t *pool = conn->pool;
  int64_t cap = pg__now_ms() + pool->connect_timeout_ms;
  int64_t until = conn->deadline_ms < cap ? conn->deadline_ms : cap;
  const char *kw[] = {"dbname", "fallback_application_name", NULL};
  const char *val[] = {pool->dsn, "ehall-core", NULL};
  PGconn *pg = PQconnectStartParams(kw, val, 1);
  if (pg == NULL)
    abort(); /* libpq could not allocate */
  PostgresPollingStatusType st = PGRES_POLLING_WRITING;
  bool timed_out = false;
  while (PQstatus(pg) != CONNECTION_BAD && st != PGRES_POLLING_OK && st != PGRES_POLLING_FAILED) {
    int rc = pg__wait(PQsocket(pg), st == PGRES_POLLING_READING ? POLLIN : POLLOUT, until);
    if (rc == 0) {
      timed_out = true;
      break;
    }
    st = PQconnectPoll(pg);
  }
  if (!timed_out && st == PGRES_POLLING_OK && PQstatus(pg) == CONNECTION_OK) {
    PQsetNoticeProcessor(pg, pg__notice, NULL);
    conn->pg = pg;
    conn->broken = false;
    pg__note_up(pool);
    return true;
  }
  char why[300];
  snprintf(why, sizeof(why), "%s", timed_out ? "connect timed out" : PQerrorMessage(pg));
  PQfinish(pg);
  if (timed_out && until == conn->deadline_ms) {
    pg__set_deadline(err, "while connecting");
    return false;
  }
  pg__note_down(pool, why);
  pg__set_unavailable(err, why);
  return false;
}

/* Closes a connection that is idle but whose server already spoke (e.g. the FATAL 57P01 a
 * restart sends) or hung up: reusing it would fail the borrower's first statement. */
static void pg__drop_if_stale(store_pg_conn_t *conn) {
  if (conn->pg == NULL)
    return;
  bool stale = conn->broken || PQstatus(conn->pg) != CONNECTION_OK;
  if (!stale) {
    struct pollfd pfd = {.fd = PQsocket(conn->pg), .events = POLLIN};
    if (poll(&pfd, 1, 0) != 0)
      stale = true; /* we never LISTEN: anything readable on an idle connection is bad news */
  }
  if (stale) {
    pg__close(conn);
    conn->broken = false;
  }
}

static void pg__lease_cleanup(void *data) {
  pg_lease_t *l = data;
  store_pg_pool_t *pool = l->conn->pool;
  pthread_mutex_lock(&pool->mu);
  bool current = l->conn->borrowed && l->conn->lease == l->lease;
  pthread_mutex_unlock(&pool->mu);
  if (current)
    store_pg_release(l->conn);
}

store_pg_conn_t *store_pg_acquire(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms,
                                  eh_err_t *err) {
  int64_t start = pg__now_ms();
  int64_t queue_until = pool->queue_wait_ms == INT64_MAX ? INT64_MAX : start + pool->queue_wait_ms;
  bool deadline_first = deadline_ms <= queue_until;
  int64_t until = deadline_first ? deadline_ms : queue_until;
  store_pg_conn_t *conn = NULL;

  pthread_mutex_lock(&pool->mu);
  while (pool->free_head < 0) {
    if (until != INT64_MAX && pg__now_ms() >= until)
      break;
    if (until == INT64_MAX) {
      pthread_cond_wait(&pool->cv, &pool->mu);
    } else {
      struct timespec ts = {.tv_sec = until / 1000, .tv_nsec = (until % 1000) * 1000000};
      pthread_cond_timedwait(&pool->cv, &pool->mu, &ts);
    }
  }
  if (pool->free_head >= 0) {
    conn = &pool->conns[pool->free_head];
    pool->free_head = conn->next_free;
    conn->borrowed = true;
    conn->lease++;
  }
  pthread_mutex_unlock(&pool->mu);

  if (conn == NULL) {
    if (deadline_first) {
      pg__set_deadline(err, "waiting for a database connection");
    } else {
      eh_err_set(err, EH_RESOURCE_EXHAUSTED, NULL, "系统繁忙，请稍后重试",
                 "the system is busy, please retry later");
      eh_err_detail(err, "pg pool exhausted size=%d waited_ms=%lld", pool->size,
                    (long long)(pg__now_ms() - start));
    }
    return NULL;
  }
  conn->deadline_ms = deadline_ms;
  pg__drop_if_stale(conn);
  if (conn->pg == NULL && !pg__connect(conn, err)) {
    store_pg_release(conn);
    return NULL;
  }
  pg_lease_t *l = arena_alloc(a, sizeof(*l));
  l->conn = conn;
  l->lease = conn->lease;
  arena_cleanup_add(a, pg__lease_cleanup, l);
  return conn;
}

void store_pg_release(store_pg_conn_t *conn) {
  if (conn == NULL)
    return;
  store_pg_pool_t *pool = conn->pool;
  if (conn->pg != NULL && !conn->broken) {
    PGTransactionStatusType ts = PQtransactionStatus(conn->pg);
    if (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR) {
      /* A borrower left a transaction open: never hand it to the next one. */
      eh_err_t ignore = EH_ERR_INIT;
      conn->deadline_ms = pg__now_ms() + PG_CANCEL_GRACE_MS;
      PGresult *r = pg__run(conn, SQL_ROLLBACK, 0, NULL, &ignore);
      if (r == NULL)
        conn->broken = true;
      PQclear(r);
    } else if (ts != PQTRANS_IDLE) {
      conn->broken = true; /* a query still active or state unknown */
    }
  }
  if (conn->pg != NULL && (conn->broken || PQstatus(conn->pg) != CONNECTION_OK)) {
    pg__close(conn);
    conn->broken = false;
  }
  pthread_mutex_lock(&pool->mu);
  if (conn->borrowed) {
    conn->borrowed = false;
    conn->next_free = pool->free_head;
    pool->free_head = (int)(conn - pool->conns);
    pthread_cond_signal(&pool->cv);
  }
  pthread_mutex_unlock(&pool->mu);
}

/* ---- statements ---------------------------------------------------------------------- */

static void pg__conn_failed(store_pg_conn_t *conn, eh_err_t *err) {
  conn->broken = true;
  const char *why = conn->pg ? PQerrorMessage(conn->pg) : "no connection";
  pg__note_down(conn->pool, why);
  pg__set_unavailable(err, why);
}

/* Waits for the result of what was just sent, within the borrower's deadline (PQcancel when
 * time runs out). Returns the result (the caller clears it) or NULL with err set. */
static PGresult *pg__result(store_pg_conn_t *conn, eh_err_t *err) {
  PGresult *keep = NULL;
  bool cancelled = false;
  int64_t grace_until = 0;
  for (;;) {
    if (!PQisBusy(conn->pg)) {
      PGresult *r = PQgetResult(conn->pg);
      if (r == NULL)
        break;
      /* Keep the first error, else the last result. */
      if (keep != NULL && PQresultStatus(keep) == PGRES_FATAL_ERROR) {
        PQclear(r);
      } else {
        PQclear(keep);
        keep = r;
      }
      continue;
    }
    int64_t until = cancelled ? grace_until : conn->deadline_ms;
    int rc = pg__wait(PQsocket(conn->pg), POLLIN, until);
    if (rc == 0 && !cancelled) {
      /* Out of time: ask the server to stop, then read the 57014 it answers with. */
      char ebuf[256];
      PGcancel *c = PQgetCancel(conn->pg);
      if (c == NULL || !PQcancel(c, ebuf, sizeof(ebuf)))
        conn->broken = true;
      PQfreeCancel(c);
      cancelled = true;
      grace_until = pg__now_ms() + PG_CANCEL_GRACE_MS;
      if (conn->broken)
        grace_until = pg__now_ms();
      continue;
    }
    if (rc == 0 || rc < 0) {
      PQclear(keep);
      conn->broken = true;
      pg__set_deadline(err, "and the cancelled statement did not end");
      return NULL;
    }
    if (!PQconsumeInput(conn->pg)) {
      PQclear(keep);
      pg__conn_failed(conn, err);
      return NULL;
    }
  }
  if (keep == NULL) {
    pg__conn_failed(conn, err);
    return NULL;
  }
  ExecStatusType st = PQresultStatus(keep);
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY)
    return keep;
  const char *sqlstate = PQresultErrorField(keep, PG_DIAG_SQLSTATE);
  if (PQstatus(conn->pg) != CONNECTION_OK || pg__sqlstate_breaks_conn(sqlstate)) {
    conn->broken = true;
    pg__note_down(conn->pool, PQresultErrorField(keep, PG_DIAG_MESSAGE_PRIMARY));
  }
  if (sqlstate == NULL && PQstatus(conn->pg) != CONNECTION_OK)
    pg__set_unavailable(err, PQerrorMessage(conn->pg));
  else
    pg__set_error(err, sqlstate, PQresultErrorField(keep, PG_DIAG_MESSAGE_PRIMARY),
                  PQresultErrorField(keep, PG_DIAG_CONSTRAINT_NAME));
  PQclear(keep);
  return NULL;
}

/* FNV-1a of the SQL text; never 0 (0 marks an empty slot). */
static uint64_t pg__sql_hash(const char *sql) {
  uint64_t h = 1469598103934665603ULL;
  for (const unsigned char *c = (const unsigned char *)sql; *c; c++)
    h = (h ^ *c) * 1099511628211ULL;
  return h ? h : 1;
}

/* Only statements that can be prepared are kept (not BEGIN, COMMIT, …). */
static bool pg__preparable(const char *sql) {
  while (*sql == ' ' || *sql == '\n' || *sql == '\t' || *sql == '(')
    sql++;
  static const char *const verbs[] = {"SELECT", "WITH", "INSERT", "UPDATE", "DELETE", "VALUES"};
  for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
    if (!strncasecmp(sql, verbs[i], strlen(verbs[i])))
      return true;
  return false;
}

/* The slot of `sql` in the connection's table: its entry, or the empty slot it would take. */
static pg_stmt_t *pg__stmt_slot(store_pg_conn_t *conn, const char *sql, uint64_t hash) {
  size_t i = (size_t)(hash & (PG_STMT_SLOTS - 1));
  for (;;) {
    pg_stmt_t *e = &conn->stmts[i];
    if (e->hash == 0 || (e->hash == hash && !strcmp(e->sql, sql)))
      return e;
    i = (i + 1) & (PG_STMT_SLOTS - 1);
  }
}

/* The name of `sql` prepared on this connection, preparing it on first use: "" to send it
 * unnamed (not preparable, the cache is off or full), NULL with err set when preparing failed
 * (a bad statement fails here as it would unnamed). */
static const char *pg__prepared(store_pg_conn_t *conn, const char *sql, int nparams, char *name,
                                size_t cap, eh_err_t *err) {
  if (!atomic_load_explicit(&conn->pool->prepare, memory_order_relaxed) || !pg__preparable(sql))
    return "";
  if (conn->stmts == NULL && (conn->stmts = calloc(PG_STMT_SLOTS, sizeof(pg_stmt_t))) == NULL)
    abort();
  uint64_t hash = pg__sql_hash(sql);
  pg_stmt_t *e = pg__stmt_slot(conn, sql, hash);
  if (e->hash != 0) {
    snprintf(name, cap, "ehall_%u", e->id);
    return name;
  }
  if (conn->n_stmts >= PG_STMT_MAX)
    return "";
  /* A fresh name for every attempt: a prepare cut off by the deadline may still exist. */
  unsigned id = ++conn->stmt_seq;
  snprintf(name, cap, "ehall_%u", id);
  if (!PQsendPrepare(conn->pg, name, sql, nparams, NULL)) {
    pg__conn_failed(conn, err);
    return NULL;
  }
  PGresult *r = pg__result(conn, err);
  if (r == NULL)
    return NULL;
  PQclear(r);
  char *copy = strdup(sql);
  if (copy == NULL)
    abort();
  *e = (pg_stmt_t){.hash = hash, .sql = copy, .id = id};
  conn->n_stmts++;
  return name;
}

/* Sends one statement (prepared on this connection, see pg__prepared) and waits for its result
 * within the borrower's deadline. Returns the result (the caller clears it) or NULL with err
 * set. */
static PGresult *pg__run(store_pg_conn_t *conn, const char *sql, int nparams,
                         const char *const *params, eh_err_t *err) {
  if (conn->pg == NULL || conn->broken) {
    pg__set_unavailable(err, "connection closed");
    return NULL;
  }
  if (conn->deadline_ms != INT64_MAX && pg__now_ms() >= conn->deadline_ms) {
    pg__set_deadline(err, "before the statement");
    return NULL;
  }
  char buf[32];
  const char *name = pg__prepared(conn, sql, nparams, buf, sizeof(buf), err);
  if (name == NULL)
    return NULL;
  int sent = *name ? PQsendQueryPrepared(conn->pg, name, nparams, params, NULL, NULL, 0)
                   : PQsendQueryParams(conn->pg, sql, nparams, NULL, params, NULL, NULL, 0);
  if (!sent) {
    pg__conn_failed(conn, err);
    return NULL;
  }
  PGresult *r = pg__result(conn, err);
  /* "cached plan must not change result type" (a table changed under a prepared statement):
   * the connection goes at release, and its statements with it. */
  if (r == NULL && *name && strstr(err->detail, "sqlstate=0A000") != NULL)
    conn->broken = true;
  /* "prepared statement … does not exist": something between us and PostgreSQL (a pooler in
   * transaction mode that does not keep them) lost it. This call fails; every later one is sent
   * unnamed, on every connection of the pool. */
  if (r == NULL && *name && strstr(err->detail, "sqlstate=26000") != NULL) {
    conn->broken = true;
    if (atomic_exchange(&conn->pool->prepare, false))
      LOG_WARN(PG_MODULE, "prepared statements do not survive on these connections (a pooler in "
                          "transaction mode?): every statement is sent unnamed from now on");
  }
  return r;
}

static void pg__rows_cleanup(void *data) {
  PQclear(((store_rows_t *)data)->res);
}

store_rows_t *store_pg_exec(arena_t *a, store_pg_conn_t *conn, const char *sql, int nparams,
                            const char *const *params, eh_err_t *err) {
  PGresult *res = pg__run(conn, sql, nparams, params, err);
  if (res == NULL)
    return NULL;
  store_rows_t *r = arena_alloc(a, sizeof(*r));
  r->res = res;
  arena_cleanup_add(a, pg__rows_cleanup, r);
  return r;
}

/* The one place the migration runner sends a multi-statement file (simple protocol, no
 * parameters). Internal to core/store. */
bool store__pg_exec_script(store_pg_conn_t *conn, const char *script, eh_err_t *err) {
  if (conn->pg == NULL) {
    pg__set_unavailable(err, "connection closed");
    return false;
  }
  PGresult *r = PQexec(conn->pg, script);
  bool ok =
      r != NULL && (PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK);
  if (!ok) {
    if (r == NULL || PQstatus(conn->pg) != CONNECTION_OK)
      pg__conn_failed(conn, err);
    else
      pg__set_error(err, PQresultErrorField(r, PG_DIAG_SQLSTATE),
                    PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY),
                    PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME));
  }
  PQclear(r);
  return ok;
}

int store_rows_count(const store_rows_t *r) {
  return PQntuples(r->res);
}

int store_rows_affected(const store_rows_t *r) {
  return atoi(PQcmdTuples(r->res));
}

const char *store_rows_get(const store_rows_t *r, int row, int col) {
  if (row < 0 || row >= PQntuples(r->res) || col < 0 || col >= PQnfields(r->res))
    return "";
  return PQgetvalue(r->res, row, col);
}

bool store_rows_isnull(const store_rows_t *r, int row, int col) {
  if (row < 0 || row >= PQntuples(r->res) || col < 0 || col >= PQnfields(r->res))
    return true;
  return PQgetisnull(r->res, row, col);
}

int64_t store_rows_int64(const store_rows_t *r, int row, int col) {
  return strtoll(store_rows_get(r, row, col), NULL, 10);
}

/* ---- transactions -------------------------------------------------------------------- */

/* Runs one statement whose result nobody reads. */
static bool pg__simple(store_pg_conn_t *conn, const char *sql, int n, const char *const *params,
                       eh_err_t *err) {
  PGresult *r = pg__run(conn, sql, n, params, err);
  if (r == NULL)
    return false;
  /* COMMIT of a transaction that already failed answers "ROLLBACK", not an error. */
  bool rolled_back = sql == SQL_COMMIT && !strcmp(PQcmdStatus(r), "ROLLBACK");
  PQclear(r);
  if (rolled_back) {
    eh_err_set(err, EH_INTERNAL, NULL, "服务器内部错误", "internal server error");
    eh_err_detail(err, "commit of an aborted transaction rolled back");
    return false;
  }
  return true;
}

static unsigned pg__jitter_seed(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (unsigned)(ts.tv_nsec ^ (uintptr_t)&ts);
}

bool store_pg_tx(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms, store_pg_tx_fn fn,
                 void *ud, eh_err_t *err) {
  return store_pg_tx_iso(a, pool, deadline_ms, STORE_PG_READ_COMMITTED, fn, ud, err);
}

bool store_pg_tx_iso(arena_t *a, store_pg_pool_t *pool, int64_t deadline_ms,
                     store_pg_isolation_t iso, store_pg_tx_fn fn, void *ud, eh_err_t *err) {
  assert(iso >= STORE_PG_READ_COMMITTED && iso <= STORE_PG_SERIALIZABLE);
  store_pg_conn_t *conn = store_pg_acquire(a, pool, deadline_ms, err);
  if (conn == NULL)
    return false;
  unsigned seed = pg__jitter_seed();
  eh_err_t e = EH_ERR_INIT;
  bool ok = false;
  for (int attempt = 1; attempt <= PG_TX_MAX_ATTEMPTS; attempt++) {
    eh_err_clear(&e);
    if (!pg__simple(conn, SQL_BEGIN[iso], 0, NULL, &e))
      break;
    if (deadline_ms != INT64_MAX) {
      int64_t left = deadline_ms - pg__now_ms();
      char ms[32];
      snprintf(ms, sizeof(ms), "%lld", (long long)(left > 1 ? left : 1));
      const char *p[] = {ms};
      if (!pg__simple(conn, SQL_TX_TIMEOUT, 1, p, &e)) {
        pg__simple(conn, SQL_ROLLBACK, 0, NULL, &(eh_err_t)EH_ERR_INIT);
        break;
      }
    }
    ok = fn(a, conn, ud, &e) && eh_ok(&e);
    if (ok) {
      ok = pg__simple(conn, SQL_COMMIT, 0, NULL, &e);
    } else if (conn->pg != NULL && !conn->broken) {
      eh_err_t ignore = EH_ERR_INIT;
      /* The caller's deadline may be what failed: roll back without it. */
      int64_t saved = conn->deadline_ms;
      conn->deadline_ms = pg__now_ms() + PG_CANCEL_GRACE_MS;
      pg__simple(conn, SQL_ROLLBACK, 0, NULL, &ignore);
      conn->deadline_ms = saved;
    }
    if (ok || !store_pg_retryable(&e) || attempt == PG_TX_MAX_ATTEMPTS)
      break;
    /* Jittered exponential backoff: 5, 10, 20, 40 ms base, each ×[0.5, 1.5). */
    int64_t base = 5LL << (attempt - 1);
    int64_t sleep_ms = base / 2 + (int64_t)(rand_r(&seed) % (unsigned)(base > 0 ? base : 1));
    if (deadline_ms != INT64_MAX && pg__now_ms() + sleep_ms >= deadline_ms)
      break;
    LOG_DEBUG(PG_MODULE, "retrying transaction attempt=%d %s", attempt + 1, e.detail);
    struct timespec ts = {.tv_sec = sleep_ms / 1000, .tv_nsec = (sleep_ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
  }
  store_pg_release(conn);
  if (!ok) {
    if (eh_ok(&e))
      eh_err_set(&e, EH_INTERNAL, NULL, "服务器内部错误", "internal server error");
    *err = e;
  }
  return ok;
}

bool store_pg_ping(store_pg_pool_t *pool, int64_t deadline_ms, char *version, size_t cap,
                   double *latency_ms, eh_err_t *err) {
  arena_t *a = arena_create(512);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  bool ok = false;
  store_pg_conn_t *conn = store_pg_acquire(a, pool, deadline_ms, err);
  store_rows_t *r = conn ? store_pg_exec(a, conn, SQL_PING, 0, NULL, err) : NULL;
  if (r != NULL && store_rows_count(r) == 1) {
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (version && cap)
      snprintf(version, cap, "%s", store_rows_get(r, 0, 0));
    if (latency_ms)
      *latency_ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    ok = true;
  }
  arena_destroy(a);
  return ok;
}

const char *store_pg_text_array(arena_t *a, const char *const *v, size_t n) {
  size_t cap = 3;
  for (size_t i = 0; i < n; i++)
    cap += strlen(v[i]) * 2 + 3;
  char *s = arena_alloc(a, cap), *p = s;
  *p++ = '{';
  for (size_t i = 0; i < n; i++) {
    if (i)
      *p++ = ',';
    *p++ = '"';
    for (const char *c = v[i]; *c; c++) {
      if (*c == '"' || *c == '\\')
        *p++ = '\\';
      *p++ = *c;
    }
    *p++ = '"';
  }
  *p++ = '}';
  *p = '\0';
  return s;
}
