/*
 * import.c — importing accounts from the old portal: the ImportAccounts RPC (hall admins) and
 * `ehall-core import accounts|check FILE`. Parse and check (import_rules) → hash freshmen's
 * initial passwords → store all rows in one transaction (account_store) → one audit row.
 * Never logs or reports an ID-card number, a password or a hash; the ID number is stored only
 * as an HMAC keyed with identity.pepper.
 *
 * Cost: a freshman's initial password is a PBKDF2 hash of pbkdf2_iterations (600,000 by
 * default, ~0.13 s of one core each), so 10,000 freshmen take ~20 minutes of CPU. The hashes
 * are computed on a small pool of threads sized to the CPU count; rows that already exist with
 * the same ID card keep their hash (the store compares HMACs), but are still hashed here —
 * import big freshman lists with the CLI, not through the gateway's deadline.
 */
#include "core/identity/identity.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/common/crypto.h"
#include "core/common/csv.h"
#include "core/common/log.h"
#include "core/config.h"
#include "core/identity/audit.h"
#include "core/identity/import_rules.h"
#include "core/identity/password.h"
#include "core/store/account_store.h"
#include "core/store/pg.h"
#include "ehall/identity/v1/identity.pb-c.h"

#define IMPORT_MODULE "identity"
#define IMPORT_MAX_THREADS 16

/* Hex HMAC-SHA256 of the ID-card number (upper-case X), owned by a. */
static const char *import__idcard_hmac(arena_t *a, const core_config_t *cfg, const char *id) {
  size_t klen;
  const char *key = identity_pepper(cfg, &klen);
  uint8_t mac[CRYPTO_SHA256_LEN];
  crypto_hmac_sha256(key, klen, id, strlen(id), mac);
  char *hex = arena_alloc(a, CRYPTO_HEX_LEN(CRYPTO_SHA256_LEN) + 1);
  crypto_hex_encode(mac, sizeof(mac), hex);
  return hex;
}

/* ---- hashing initial passwords on a few threads ---------------------------------------------- */

typedef struct hash_job {
  const char *id_card; /* in */
  char *hash;          /* out: malloc'ed by the worker, copied to the arena afterwards */
} hash_job_t;

typedef struct hash_pool {
  hash_job_t *jobs;
  size_t n;
  unsigned iterations;
  int64_t deadline_ms;
  atomic_size_t next;
  atomic_bool late;
} hash_pool_t;

static void *import__hash_worker(void *arg) {
  hash_pool_t *p = arg;
  arena_t *a = arena_create(0);
  for (;;) {
    size_t i = atomic_fetch_add(&p->next, 1);
    if (i >= p->n || atomic_load(&p->late))
      break;
    if (p->deadline_ms != INT64_MAX && call_now_ms() >= p->deadline_ms) {
      atomic_store(&p->late, true);
      break;
    }
    char initial[7];
    if (!idcard_initial_password(p->jobs[i].id_card, initial))
      abort(); /* import_rules accepted only valid numbers */
    p->jobs[i].hash = strdup(password_hash(a, initial, p->iterations));
    memset(initial, 0, sizeof(initial));
    if (p->jobs[i].hash == NULL)
      abort();
  }
  arena_destroy(a);
  return NULL;
}

/* Fills jobs[].hash; false with DEADLINE if the deadline passed first. */
static bool import__hash_all(arena_t *a, hash_job_t *jobs, size_t n, unsigned iterations,
                             int64_t deadline_ms, eh_err_t *err) {
  hash_pool_t pool = {.jobs = jobs, .n = n, .iterations = iterations, .deadline_ms = deadline_ms};
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  size_t threads = cpus > 0 ? (size_t)cpus : 1;
  if (threads > IMPORT_MAX_THREADS)
    threads = IMPORT_MAX_THREADS;
  if (threads > n)
    threads = n;
  pthread_t tids[IMPORT_MAX_THREADS];
  size_t started = 0;
  for (; started < threads; started++)
    if (pthread_create(&tids[started], NULL, import__hash_worker, &pool) != 0)
      break;
  if (started == 0) /* no thread to spare: hash here */
    import__hash_worker(&pool);
  for (size_t i = 0; i < started; i++)
    pthread_join(tids[i], NULL);
  bool ok = !atomic_load(&pool.late);
  for (size_t i = 0; i < n; i++) {
    if (jobs[i].hash != NULL) {
      char *h = jobs[i].hash;
      jobs[i].hash = arena_strdup(a, h);
      free(h);
    } else {
      ok = false;
    }
  }
  if (!ok)
    return eh_err_set(err, EH_DEADLINE, NULL,
                      "导入超时：初始密码计算未能在期限内完成，请改用命令行导入",
                      "the import ran out of time hashing initial passwords; use the command line");
  return true;
}

/* ---- the import itself ----------------------------------------------------------------------- */

/* The import's audit row, in the import's transaction: no accounts change unrecorded. */
typedef struct import_audit {
  call_t *call;
  size_t n_rows;
  const char *encoding;
} import_audit_t;

static bool import__audit_tx(void *ud, arena_t *a, store_pg_conn_t *conn,
                             const store_import_counts_t *c, eh_err_t *err) {
  const import_audit_t *au = ud;
  const char *detail = arena_printf(
      a, "{\"rows\":%zu,\"created\":%d,\"updated\":%d,\"unchanged\":%d,\"encoding\":\"%s\"}",
      au->n_rows, c->created, c->updated, c->unchanged, au->encoding ? au->encoding : "");
  return audit_append_tx(au->call, a, conn, AUDIT_ACCOUNTS_IMPORT, "accounts", detail, err);
}

typedef struct import_outcome {
  import_parsed_t parsed;
  store_import_counts_t counts;
  bool applied;
} import_outcome_t;

/* Parses and checks; unless there are row errors, stores (or previews) the rows. Row errors are
 * no failure (they are the report); false only for the database or the deadline. */
static bool import__run(call_t *call, const char *data, size_t len, bool dry_run,
                        import_outcome_t *out, eh_err_t *err) {
  arena_t *a = call->arena;
  memset(out, 0, sizeof(*out));
  import_rules_parse(a, data, len, &out->parsed);
  const import_parsed_t *p = &out->parsed;
  if (p->n_errors > 0)
    return true;

  store_account_import_t *rows = arena_zalloc(a, (p->n_rows + 1) * sizeof(*rows));
  hash_job_t *jobs = arena_zalloc(a, (p->n_rows + 1) * sizeof(*jobs));
  size_t n_jobs = 0;
  for (size_t i = 0; i < p->n_rows; i++) {
    const import_account_t *in = &p->rows[i];
    store_account_import_t *r = &rows[i];
    r->line = in->line;
    r->campus_id = in->campus_id;
    r->name = in->name;
    r->org_unit = in->org_unit;
    r->email = in->email;
    r->phone = in->phone;
    r->kind = in->kind;
    r->status = in->status;
    store_role_t *roles = arena_alloc(a, (in->n_roles + 1) * sizeof(*roles));
    for (size_t k = 0; k < in->n_roles; k++) {
      roles[k].name = in->roles[k].name;
      roles[k].org_unit = in->roles[k].org_unit;
    }
    r->roles = roles;
    r->n_roles = in->n_roles;
    r->password_hash = in->password_hash;
    r->idcard_hmac = *in->id_card ? import__idcard_hmac(a, call->cfg, in->id_card) : NULL;
    if (*in->password_hash == '\0') {
      r->password_from_idcard = true;
      jobs[n_jobs++].id_card = in->id_card;
    }
  }

  if (dry_run) {
    /* A preview compares ID-card HMACs, never hashes: no need to spend the CPU. */
    for (size_t i = 0; i < p->n_rows; i++)
      if (rows[i].password_from_idcard)
        rows[i].password_hash = "pbkdf2-sha256$1$preview$preview";
    return store_account_import_preview(a, call->pg, call->deadline_ms, rows, p->n_rows,
                                        &out->counts, err);
  }

  unsigned iterations = call->cfg ? (unsigned)call->cfg->pbkdf2_iterations : 600000;
  if (n_jobs > 0 && !import__hash_all(a, jobs, n_jobs, iterations, call->deadline_ms, err))
    return false;
  for (size_t i = 0, j = 0; i < p->n_rows; i++)
    if (rows[i].password_from_idcard)
      rows[i].password_hash = jobs[j++].hash;

  import_audit_t au = {.call = call, .n_rows = p->n_rows, .encoding = p->encoding};
  if (!store_account_import(a, call->pg, call->deadline_ms, rows, p->n_rows, import__audit_tx, &au,
                            &out->counts, err))
    return false;
  out->applied = true;
  LOG_INFO(IMPORT_MODULE, "accounts imported rows=%zu created=%d updated=%d unchanged=%d",
           p->n_rows, out->counts.created, out->counts.updated, out->counts.unchanged);
  return true;
}

/* ---- the RPC ------------------------------------------------------------------------------- */

void identity_import_accounts(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                              eh_err_t *err) {
  const Ehall__Identity__V1__ImportAccountsRequest *in =
      (const Ehall__Identity__V1__ImportAccountsRequest *)req;
  arena_t *a = call->arena;
  if (!call_has_role(call, CALL_ROLE_HALL_ADMIN)) {
    eh_err_set(err, EH_PERMISSION_DENIED, NULL, "只有大厅管理员可以导入账号",
               "only hall admins may import accounts");
    return;
  }
  if (in->csv.len == 0) {
    eh_err_set(err, EH_INVALID, "csv", "请提供 CSV 文件", "the CSV file is required");
    return;
  }
  if (in->csv.len > IMPORT_MAX_BYTES) {
    eh_err_set(err, EH_INVALID, "csv", "文件不能超过 8 MiB", "the file must not exceed 8 MiB");
    return;
  }
  import_outcome_t o;
  if (!import__run(call, (const char *)in->csv.data, in->csv.len, in->dry_run, &o, err))
    return;

  bool en = call->language != NULL && strncmp(call->language, "en", 2) == 0;
  Ehall__Identity__V1__ImportReport *rep = arena_alloc(a, sizeof(*rep));
  ehall__identity__v1__import_report__init(rep);
  rep->encoding = (char *)(o.parsed.encoding ? o.parsed.encoding : "");
  rep->rows = (int32_t)o.parsed.n_records;
  rep->created = o.counts.created;
  rep->updated = o.counts.updated;
  rep->unchanged = o.counts.unchanged;
  rep->applied = o.applied;
  rep->n_errors = o.parsed.n_errors;
  rep->errors = arena_alloc(a, (o.parsed.n_errors + 1) * sizeof(*rep->errors));
  for (size_t i = 0; i < o.parsed.n_errors; i++) {
    const import_row_error_t *e = &o.parsed.errors[i];
    Ehall__Identity__V1__ImportRowError *re = arena_alloc(a, sizeof(*re));
    ehall__identity__v1__import_row_error__init(re);
    re->line = e->line;
    re->column = (char *)e->column;
    re->reason = (char *)(en ? e->reason_en : e->reason);
    rep->errors[i] = re;
  }
  *resp = &rep->base;
}

/* ---- the command line ---------------------------------------------------------------------- */

int identity_cli_import(const struct core_config *cfg, int argc, char **argv) {
  bool dry_run = false;
  const char *mode = NULL, *path = NULL;
  for (int i = 0; i < argc; i++) {
    if (strcmp(argv[i], "--dry-run") == 0)
      dry_run = true;
    else if (mode == NULL)
      mode = argv[i];
    else if (path == NULL)
      path = argv[i];
    else
      mode = ""; /* too many words */
  }
  if (mode == NULL || path == NULL ||
      (strcmp(mode, "accounts") != 0 && strcmp(mode, "check") != 0)) {
    fprintf(stderr, "usage: ehall-core import accounts FILE [--dry-run]\n"
                    "       ehall-core import check FILE     (report only, store nothing)\n");
    return 2;
  }
  dry_run |= strcmp(mode, "check") == 0;
  size_t len = 0;
  char *data = csv_read_file(path, IMPORT_MAX_BYTES, &len);
  if (data == NULL) {
    fprintf(stderr, "ehall-core import: cannot read %s\n", path);
    return 2;
  }
  if (len > IMPORT_MAX_BYTES) {
    fprintf(stderr, "ehall-core import: %s is larger than 8 MiB; split it\n", path);
    free(data);
    return 2;
  }

  store_pg_pool_t *pg = store_pg_pool_create(cfg->pg_dsn, 1, 5000);
  call_t call = {
      .arena = arena_create(0),
      .method = "cli:import",
      .language = "zh-CN",
      .deadline_ms = INT64_MAX,
      .pg = pg,
      .cfg = cfg,
  }; /* request_id NULL, principal anonymous: the audit row's actor is "cli" */
  eh_err_t err = EH_ERR_INIT;
  import_outcome_t o;
  int rc;
  if (!import__run(&call, data, len, dry_run, &o, &err)) {
    fprintf(stderr, "import failed: %s (%s)\n", err.message, err.message_en);
    if (err.detail[0] != '\0')
      LOG_ERROR(IMPORT_MODULE, "import failed status=%s detail=%s", eh_status_name(err.code),
                err.detail);
    rc = 1;
  } else {
    const import_parsed_t *p = &o.parsed;
    printf("encoding: %s\n", p->encoding ? p->encoding : "unknown");
    printf("rows: %zu\n", p->n_records);
    if (p->n_errors > 0) {
      printf("bad rows: nothing stored\n");
      for (size_t i = 0; i < p->n_errors; i++)
        printf("line %d: %s: %s (%s)\n", p->errors[i].line,
               p->errors[i].column[0] ? p->errors[i].column : "-", p->errors[i].reason,
               p->errors[i].reason_en);
      rc = 1;
    } else {
      printf("created: %d\nupdated: %d\nunchanged: %d\n", o.counts.created, o.counts.updated,
             o.counts.unchanged);
      printf("%s\n", o.applied ? "applied" : "dry run: nothing stored");
      rc = 0;
    }
  }
  arena_destroy(call.arena);
  store_pg_pool_destroy(pg);
  free(data);
  return rc;
}
