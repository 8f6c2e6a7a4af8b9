/*
 * migrate.c — applies migrations/NNNN_verb_noun.sql in order, once each, checksummed.
 *
 * Every transaction starts with pg_advisory_xact_lock(MIGRATE_LOCK_KEY) and re-reads what is
 * applied after taking it, so concurrent migrators (several replicas starting together) apply
 * each file exactly once; the lock is transaction-level so it works through PgBouncer in
 * transaction mode. A file's body is the one thing sent with PQexec (many statements, no
 * parameters). Must never apply a file whose applied checksum differs, nor skip a gap silently.
 * A migration file must not contain its own BEGIN/COMMIT or statements that refuse to run in a
 * transaction (CREATE INDEX CONCURRENTLY).
 */
#include "core/store/migrate.h"

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/common/arena.h"
#include "core/common/crypto.h"
#include "core/common/log.h"
#include "core/store/store_internal.h"

#define MIGRATE_MODULE "store.migrate"
/* "ehal" in ASCII: any constant works as long as every migrator uses the same one. */
static const char MIGRATE_LOCK_KEY[] = "1701339500";

static const char SQL_LOCK[] = "SELECT pg_advisory_xact_lock($1::bigint)";
static const char SQL_CREATE_TABLE[] = "CREATE TABLE IF NOT EXISTS schema_migrations ("
                                       " version bigint PRIMARY KEY,"
                                       " name text NOT NULL,"
                                       " checksum text NOT NULL,"
                                       " applied_at timestamptz NOT NULL DEFAULT now())";
static const char SQL_TABLE_EXISTS[] = "SELECT to_regclass('schema_migrations') IS NOT NULL";
static const char SQL_APPLIED[] =
    "SELECT version, name, checksum FROM schema_migrations ORDER BY version";
static const char SQL_APPLIED_ONE[] = "SELECT checksum FROM schema_migrations WHERE version = $1";
static const char SQL_RECORD[] =
    "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)";
static const char SQL_MAX_VERSION[] = "SELECT coalesce(max(version), 0) FROM schema_migrations";

typedef struct mig_file {
  int64_t version;
  char vtext[24];
  const char *name; /* file name, e.g. 0001_create_system.sql */
  const char *body;
  char checksum[CRYPTO_HEX_LEN(CRYPTO_SHA256_LEN) + 1];
} mig_file_t;

typedef struct mig_set {
  mig_file_t *files;
  int n;
} mig_set_t;

/* NNNN_name.sql: four digits, '_', then [a-z0-9_]+. */
static bool mig__name_ok(const char *name) {
  size_t n = strlen(name);
  if (n < 4 + 1 + 1 + 4 || strcmp(name + n - 4, ".sql") != 0)
    return false;
  for (int i = 0; i < 4; i++)
    if (!isdigit((unsigned char)name[i]))
      return false;
  if (name[4] != '_')
    return false;
  for (size_t i = 5; i < n - 4; i++)
    if (!(islower((unsigned char)name[i]) || isdigit((unsigned char)name[i]) || name[i] == '_'))
      return false;
  return true;
}

static int mig__cmp(const void *a, const void *b) {
  const mig_file_t *x = a, *y = b;
  return x->version < y->version ? -1 : x->version > y->version;
}

static char *mig__read(arena_t *a, const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    return NULL;
  size_t cap = 8192, n = 0;
  char *buf = malloc(cap);
  if (buf == NULL)
    abort();
  size_t got;
  while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
    n += got;
    if (n == cap) {
      cap *= 2;
      buf = realloc(buf, cap);
      if (buf == NULL)
        abort();
    }
  }
  bool bad = ferror(f);
  fclose(f);
  char *out = bad ? NULL : arena_strndup(a, buf, n);
  free(buf);
  *len = n;
  return out;
}

static bool mig__load_dir(arena_t *a, const char *dir, mig_set_t *set, eh_err_t *err) {
  DIR *d = opendir(dir);
  if (d == NULL)
    return eh_err_set(err, EH_INVALID, NULL, "无法打开迁移目录 %s",
                      "cannot open migrations directory %s", dir);
  int cap = 16;
  set->files = arena_alloc(a, (size_t)cap * sizeof(*set->files));
  set->n = 0;
  struct dirent *de;
  bool ok = true;
  while (ok && (de = readdir(d)) != NULL) {
    const char *nm = de->d_name;
    if (nm[0] == '.')
      continue;
    size_t len = strlen(nm);
    /* Other files (a README) may sit beside the migrations; a misnamed .sql may not. */
    if (len < 4 || strcmp(nm + len - 4, ".sql") != 0)
      continue;
    if (!mig__name_ok(nm)) {
      ok = eh_err_set(err, EH_INVALID, NULL, "迁移文件名 %s 不符合 NNNN_动词_名词.sql",
                      "migration file name %s is not NNNN_verb_noun.sql", nm);
      break;
    }
    if (set->n == cap) {
      mig_file_t *bigger = arena_alloc(a, (size_t)cap * 2 * sizeof(*bigger));
      memcpy(bigger, set->files, (size_t)cap * sizeof(*bigger));
      set->files = bigger;
      cap *= 2;
    }
    mig_file_t *f = &set->files[set->n++];
    memset(f, 0, sizeof(*f));
    f->version = strtoll(nm, NULL, 10);
    snprintf(f->vtext, sizeof(f->vtext), "%lld", (long long)f->version);
    f->name = arena_strdup(a, nm);
    char *path = arena_printf(a, "%s/%s", dir, nm);
    size_t blen = 0;
    f->body = mig__read(a, path, &blen);
    if (f->body == NULL) {
      ok = eh_err_set(err, EH_INVALID, NULL, "无法读取迁移文件 %s", "cannot read migration file %s",
                      nm);
      break;
    }
    crypto_sha256_hex(f->body, blen, f->checksum);
  }
  closedir(d);
  if (!ok)
    return false;
  qsort(set->files, (size_t)set->n, sizeof(*set->files), mig__cmp);
  for (int i = 1; i < set->n; i++)
    if (set->files[i].version == set->files[i - 1].version)
      return eh_err_set(err, EH_INVALID, NULL, "迁移编号重复：%s 与 %s",
                        "duplicate migration number: %s and %s", set->files[i - 1].name,
                        set->files[i].name);
  return true;
}

static const mig_file_t *mig__find(const mig_set_t *set, int64_t version) {
  for (int i = 0; i < set->n; i++)
    if (set->files[i].version == version)
      return &set->files[i];
  return NULL;
}

/* Compares what the database recorded with the files: edited or missing → CONFLICT.
 * *pending gets how many files are not applied yet. */
static bool mig__verify(arena_t *a, store_pg_conn_t *conn, const mig_set_t *set, int *pending,
                        eh_err_t *err) {
  store_rows_t *r = store_pg_exec(a, conn, SQL_APPLIED, 0, NULL, err);
  if (r == NULL)
    return false;
  int applied_known = 0;
  for (int i = 0; i < store_rows_count(r); i++) {
    int64_t v = store_rows_int64(r, i, 0);
    const mig_file_t *f = mig__find(set, v);
    if (f == NULL)
      return eh_err_set(err, EH_CONFLICT, NULL, "已应用的迁移 %s 在目录中不存在",
                        "applied migration %s is missing from the directory",
                        store_rows_get(r, i, 1));
    if (strcmp(f->checksum, store_rows_get(r, i, 2)) != 0)
      return eh_err_set(err, EH_CONFLICT, NULL, "已应用的迁移 %s 被修改过（校验和不同）",
                        "applied migration %s was edited (checksum differs)", f->name);
    applied_known++;
  }
  if (pending)
    *pending = set->n - applied_known;
  return true;
}

typedef struct mig_step {
  const mig_set_t *set;
  const mig_file_t *file; /* NULL: only create the table and verify */
  bool applied_now;
} mig_step_t;

static bool mig__lock(arena_t *a, store_pg_conn_t *conn, eh_err_t *err) {
  const char *p[] = {MIGRATE_LOCK_KEY};
  return store_pg_exec(a, conn, SQL_LOCK, 1, p, err) != NULL;
}

static bool mig__tx_prepare(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  mig_step_t *s = ud;
  return mig__lock(a, conn, err) && store_pg_exec(a, conn, SQL_CREATE_TABLE, 0, NULL, err) &&
         mig__verify(a, conn, s->set, NULL, err);
}

static bool mig__tx_apply(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  mig_step_t *s = ud;
  s->applied_now = false;
  if (!mig__lock(a, conn, err))
    return false;
  /* Re-read after the lock: another migrator may have applied it while we waited. */
  const char *pv[] = {s->file->vtext};
  store_rows_t *r = store_pg_exec(a, conn, SQL_APPLIED_ONE, 1, pv, err);
  if (r == NULL)
    return false;
  if (store_rows_count(r) > 0) {
    if (strcmp(store_rows_get(r, 0, 0), s->file->checksum) != 0)
      return eh_err_set(err, EH_CONFLICT, NULL, "已应用的迁移 %s 被修改过（校验和不同）",
                        "applied migration %s was edited (checksum differs)", s->file->name);
    return true;
  }
  eh_err_t e = EH_ERR_INIT;
  if (!store__pg_exec_script(conn, s->file->body, &e)) {
    eh_err_set(err, e.code == EH_UNAVAILABLE ? EH_UNAVAILABLE : EH_INTERNAL, NULL,
               "迁移 %s 执行失败", "migration %s failed", s->file->name);
    eh_err_detail(err, "%s", e.detail);
    return false;
  }
  const char *rec[] = {s->file->vtext, s->file->name, s->file->checksum};
  if (store_pg_exec(a, conn, SQL_RECORD, 3, rec, err) == NULL)
    return false;
  s->applied_now = true;
  return true;
}

bool store_migrate_up(store_pg_pool_t *pool, const char *dir, int *applied, eh_err_t *err) {
  if (applied)
    *applied = 0;
  arena_t *a = arena_create(0);
  mig_set_t set;
  bool ok = mig__load_dir(a, dir, &set, err);
  mig_step_t step = {.set = &set};
  if (ok)
    ok = store_pg_tx(a, pool, INT64_MAX, mig__tx_prepare, &step, err);
  for (int i = 0; ok && i < set.n; i++) {
    /* A fresh arena per file keeps large migration results from piling up. */
    arena_t *fa = arena_create(0);
    step.file = &set.files[i];
    ok = store_pg_tx(fa, pool, INT64_MAX, mig__tx_apply, &step, err);
    arena_destroy(fa);
    if (ok && step.applied_now) {
      LOG_INFO(MIGRATE_MODULE, "applied migration file=%s", step.file->name);
      if (applied)
        (*applied)++;
    }
  }
  arena_destroy(a);
  return ok;
}

bool store_migrate_check(store_pg_pool_t *pool, const char *dir, eh_err_t *err) {
  arena_t *a = arena_create(0);
  mig_set_t set;
  bool ok = mig__load_dir(a, dir, &set, err);
  store_pg_conn_t *conn = ok ? store_pg_acquire(a, pool, INT64_MAX, err) : NULL;
  ok = conn != NULL;
  store_rows_t *r = ok ? store_pg_exec(a, conn, SQL_TABLE_EXISTS, 0, NULL, err) : NULL;
  ok = r != NULL;
  int pending = 0;
  if (ok && strcmp(store_rows_get(r, 0, 0), "t") != 0)
    pending = set.n;
  else if (ok)
    ok = mig__verify(a, conn, &set, &pending, err);
  if (ok && pending > 0)
    ok = eh_err_set(err, EH_FAILED_PRECONDITION, NULL, "数据库有 %d 个迁移尚未执行",
                    "the database has %d migrations not yet applied", pending);
  arena_destroy(a);
  return ok;
}

bool store_migrate_version(store_pg_pool_t *pool, int64_t deadline_ms, int64_t *version,
                           eh_err_t *err) {
  arena_t *a = arena_create(0);
  *version = 0;
  store_pg_conn_t *conn = store_pg_acquire(a, pool, deadline_ms, err);
  store_rows_t *r = conn ? store_pg_exec(a, conn, SQL_TABLE_EXISTS, 0, NULL, err) : NULL;
  bool ok = r != NULL;
  if (ok && !strcmp(store_rows_get(r, 0, 0), "t")) {
    r = store_pg_exec(a, conn, SQL_MAX_VERSION, 0, NULL, err);
    ok = r != NULL;
    if (ok)
      *version = store_rows_int64(r, 0, 0);
  }
  arena_destroy(a);
  return ok;
}
