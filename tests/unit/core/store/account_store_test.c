/*
 * account_store_test.c — core/store/account_store.c against a real PostgreSQL (never mocks):
 * lookups with roles, credential updates, and the import's upsert (created / updated /
 * unchanged, credentials kept once changed, all or nothing).
 *
 * Needs EHALL_TEST_PG_DSN (--test_env, as ./dev test passes it); fails without it. Works in its
 * own schema (the repository's migrations applied there) and drops it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/common/arena.h"
#include "core/common/log.h"
#include "core/store/account_store.h"
#include "core/store/migrate.h"
#include "core/store/pg.h"
#include "tests/unit/test.h"

static const char *base_dsn;
static char schema[80];
static store_pg_pool_t *admin, *pool;

static int64_t deadline(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + 20000;
}

static store_rows_t *exec_on(arena_t *a, store_pg_pool_t *p, const char *sql, int n,
                             const char *const *params) {
  eh_err_t err = EH_ERR_INIT;
  store_pg_conn_t *c = store_pg_acquire(a, p, deadline(), &err);
  store_rows_t *r = c ? store_pg_exec(a, c, sql, n, params, &err) : NULL;
  if (r == NULL)
    fprintf(stderr, "exec failed: %s: %s\n", sql, err.detail);
  CHECK(r != NULL);
  if (c)
    store_pg_release(c);
  return r;
}

static const store_role_t student[] = {{"student", ""}};
static const store_role_t admin_roles[] = {{"staff", ""}, {"dept_admin", "CS"}, {"hall_admin", ""}};
static const store_role_t admin_roles_reordered[] = {
    {"hall_admin", ""}, {"dept_admin", "CS"}, {"staff", ""}, {"staff", ""}};

static bool import(arena_t *a, const store_account_import_t *rows, size_t n,
                   store_import_counts_t *c, eh_err_t *err) {
  memset(c, 0, sizeof(*c));
  return store_account_import(a, pool, deadline(), rows, n, NULL, NULL, c, err);
}

static void test_import_and_lookup(void) {
  arena_t *a = arena_create(0);
  eh_err_t err = EH_ERR_INIT;
  store_account_import_t rows[] = {
      {.line = 2,
       .campus_id = "S1",
       .name = "张三",
       .org_unit = "CS",
       .email = "s1@qq.com",
       .phone = "138",
       .kind = 1,
       .status = 1,
       .roles = student,
       .n_roles = 1,
       .password_hash = "md5:5f4dcc3b5aa765d61d8327deb882cf99"},
      {.line = 3,
       .campus_id = "T1",
       .name = "李老师",
       .org_unit = "CS",
       .email = "",
       .phone = "",
       .kind = 2,
       .status = 1,
       .roles = admin_roles,
       .n_roles = 3,
       .password_hash = "sha1:5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8"},
      {.line = 4,
       .campus_id = "F1",
       .name = "新生",
       .org_unit = "MATH",
       .email = "",
       .phone = "",
       .kind = 1,
       .status = 1,
       .roles = student,
       .n_roles = 1,
       .password_hash = "pbkdf2-sha256$1000$AAAA$BBBB",
       .idcard_hmac = "ab12",
       .password_from_idcard = true},
  };
  store_import_counts_t c;
  CHECK(import(a, rows, 3, &c, &err));
  CHECK_INT(c.created, 3);
  CHECK_INT(c.updated, 0);
  CHECK_INT(c.unchanged, 0);

  store_account_t acc;
  CHECK(store_account_by_campus_id(a, pool, deadline(), "T1", &acc, &err));
  CHECK_STR(acc.name, "李老师");
  CHECK_INT(acc.kind, STORE_ACCOUNT_STAFF);
  CHECK_INT(acc.status, STORE_ACCOUNT_ACTIVE);
  CHECK_STR(acc.email, "");
  CHECK(acc.must_change_password);
  CHECK_INT(acc.password_change_unix_s, 0);
  CHECK_INT(acc.last_login_unix_s, 0);
  CHECK(acc.create_unix_s > 1600000000);
  CHECK_INT(acc.n_roles, 3);
  if (acc.n_roles == 3) { /* sorted by role, then unit */
    CHECK_STR(acc.roles[0].name, "dept_admin");
    CHECK_STR(acc.roles[0].org_unit, "CS");
    CHECK_STR(acc.roles[1].name, "hall_admin");
    CHECK_STR(acc.roles[2].name, "staff");
    CHECK_STR(acc.roles[2].org_unit, "");
  }
  int64_t t1 = acc.id;
  CHECK(store_account_by_id(a, pool, deadline(), t1, &acc, &err));
  CHECK_STR(acc.campus_id, "T1");
  CHECK(store_account_by_email(a, pool, deadline(), "S1@QQ.com", &acc, &err));
  CHECK_STR(acc.campus_id, "S1");
  CHECK_STR(acc.password_hash, "md5:5f4dcc3b5aa765d61d8327deb882cf99");
  CHECK_INT(acc.n_roles, 1);

  CHECK(!store_account_by_campus_id(a, pool, deadline(), "nobody", &acc, &err));
  CHECK_INT(err.code, EH_NOT_FOUND);
  eh_err_clear(&err);
  CHECK(!store_account_by_email(a, pool, deadline(), "", &acc, &err));
  CHECK_INT(err.code, EH_NOT_FOUND);
  eh_err_clear(&err);

  /* The same file again: nothing changes, even the freshman's freshly salted hash. */
  rows[2].password_hash = "pbkdf2-sha256$1000$CCCC$DDDD";
  rows[1].roles = admin_roles_reordered;
  rows[1].n_roles = 4;
  rows[0].email = ""; /* an empty email keeps the bound one */
  CHECK(import(a, rows, 3, &c, &err));
  CHECK_INT(c.created, 0);
  CHECK_INT(c.updated, 0);
  CHECK_INT(c.unchanged, 3);
  CHECK(store_account_by_campus_id(a, pool, deadline(), "F1", &acc, &err));
  CHECK_STR(acc.password_hash, "pbkdf2-sha256$1000$AAAA$BBBB");
  CHECK(store_account_by_campus_id(a, pool, deadline(), "S1", &acc, &err));
  CHECK_STR(acc.email, "s1@qq.com");

  /* Profile, roles and (never-changed) credentials are updated. */
  rows[0].name = "张三丰";
  rows[1].roles = student;
  rows[1].n_roles = 1;
  rows[2].idcard_hmac = "cd34"; /* another ID card: new initial password */
  CHECK(import(a, rows, 3, &c, &err));
  CHECK_INT(c.updated, 3);
  CHECK_INT(c.unchanged, 0);
  CHECK(store_account_by_campus_id(a, pool, deadline(), "S1", &acc, &err));
  CHECK_STR(acc.name, "张三丰");
  CHECK(store_account_by_campus_id(a, pool, deadline(), "T1", &acc, &err));
  CHECK_INT(acc.n_roles, 1);
  CHECK(store_account_by_campus_id(a, pool, deadline(), "F1", &acc, &err));
  CHECK_STR(acc.password_hash, "pbkdf2-sha256$1000$CCCC$DDDD");
  CHECK(eh_ok(&err));
  arena_destroy(a);
}

typedef struct pw_args {
  int64_t id;
  const char *hash;
} pw_args_t;

static bool set_pw(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  pw_args_t *p = ud;
  store_account_t acc;
  if (!store_account_lock_tx(a, conn, p->id, &acc, err))
    return false;
  return store_account_set_password_tx(a, conn, p->id, p->hash, false, err);
}

static void test_credentials_after_change(void) {
  arena_t *a = arena_create(0);
  eh_err_t err = EH_ERR_INIT;
  store_account_import_t row = {.line = 2,
                                .campus_id = "S2",
                                .name = "王五",
                                .org_unit = "",
                                .email = "",
                                .phone = "",
                                .kind = 1,
                                .status = 1,
                                .roles = student,
                                .n_roles = 1,
                                .password_hash = "md5:aa"};
  store_import_counts_t c;
  CHECK(import(a, &row, 1, &c, &err));
  store_account_t acc;
  CHECK(store_account_by_campus_id(a, pool, deadline(), "S2", &acc, &err));

  /* A login upgrades the hash: only if it is still the one read. */
  CHECK(store_pg_tx(a, pool, deadline(), set_pw, &(pw_args_t){acc.id, "pbkdf2-new"}, &err));
  CHECK(store_account_by_id(a, pool, deadline(), acc.id, &acc, &err));
  CHECK_STR(acc.password_hash, "pbkdf2-new");
  CHECK(!acc.must_change_password);
  CHECK(acc.password_change_unix_s > 0);

  /* The old portal's hash in a later import no longer replaces it. */
  row.password_hash = "md5:bb";
  row.phone = "139";
  CHECK(import(a, &row, 1, &c, &err));
  CHECK_INT(c.updated, 1); /* the phone */
  CHECK(store_account_by_id(a, pool, deadline(), acc.id, &acc, &err));
  CHECK_STR(acc.password_hash, "pbkdf2-new");
  CHECK_STR(acc.phone, "139");
  CHECK(!acc.must_change_password);
  CHECK(import(a, &row, 1, &c, &err));
  CHECK_INT(c.unchanged, 1);
  CHECK(eh_ok(&err));
  arena_destroy(a);
}

typedef struct upd_args {
  int64_t id;
  const char *a, *b;
  int which;
} upd_args_t;

static bool upd(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  upd_args_t *u = ud;
  if (u->which == 0)
    return store_account_rehash_tx(a, conn, u->id, u->a, u->b, err);
  if (u->which == 1)
    return store_account_set_email_tx(a, conn, u->id, u->a, err);
  return store_account_set_openid_tx(a, conn, u->id, u->a, err);
}

static void test_updates(void) {
  arena_t *a = arena_create(0);
  eh_err_t err = EH_ERR_INIT;
  store_account_t s1, t1, acc;
  CHECK(store_account_by_campus_id(a, pool, deadline(), "S1", &s1, &err));
  CHECK(store_account_by_campus_id(a, pool, deadline(), "T1", &t1, &err));

  CHECK(store_pg_tx(a, pool, deadline(), upd,
                    &(upd_args_t){s1.id, "md5:5f4dcc3b5aa765d61d8327deb882cf99", "pbkdf2-up", 0},
                    &err));
  CHECK(store_account_by_id(a, pool, deadline(), s1.id, &acc, &err));
  CHECK_STR(acc.password_hash, "pbkdf2-up");
  CHECK(acc.must_change_password); /* a rehash changes nothing else */
  CHECK_INT(acc.password_change_unix_s, 0);
  /* A stale old hash: nothing written, no error. */
  CHECK(store_pg_tx(a, pool, deadline(), upd, &(upd_args_t){s1.id, "md5:zz", "pbkdf2-x", 0}, &err));
  CHECK(store_account_by_id(a, pool, deadline(), s1.id, &acc, &err));
  CHECK_STR(acc.password_hash, "pbkdf2-up");

  /* Email: taken by another account → ALREADY_EXISTS on "email"; "" removes it. */
  CHECK(!store_pg_tx(a, pool, deadline(), upd, &(upd_args_t){t1.id, "s1@qq.com", NULL, 1}, &err));
  CHECK_INT(err.code, EH_ALREADY_EXISTS);
  CHECK_INT(err.nfields, 1);
  CHECK_STR(err.fields[0].field, "email");
  eh_err_clear(&err);
  CHECK(store_pg_tx(a, pool, deadline(), upd, &(upd_args_t){t1.id, "Li@163.com", NULL, 1}, &err));
  CHECK(store_account_by_email(a, pool, deadline(), "li@163.com", &acc, &err));
  CHECK_INT(acc.id, t1.id);
  CHECK(store_pg_tx(a, pool, deadline(), upd, &(upd_args_t){t1.id, "", NULL, 1}, &err));
  CHECK(store_account_by_id(a, pool, deadline(), t1.id, &acc, &err));
  CHECK_STR(acc.email, "");

  /* WeChat openid. */
  CHECK(store_pg_tx(a, pool, deadline(), upd, &(upd_args_t){t1.id, "oXYZ", NULL, 2}, &err));
  CHECK(store_account_by_openid(a, pool, deadline(), "oXYZ", &acc, &err));
  CHECK_INT(acc.id, t1.id);
  CHECK_STR(acc.wechat_openid, "oXYZ");
  CHECK(!store_pg_tx(a, pool, deadline(), upd, &(upd_args_t){s1.id, "oXYZ", NULL, 2}, &err));
  CHECK_INT(err.code, EH_ALREADY_EXISTS);
  eh_err_clear(&err);
  CHECK(store_pg_tx(a, pool, deadline(), upd, &(upd_args_t){t1.id, "", NULL, 2}, &err));
  CHECK(!store_account_by_openid(a, pool, deadline(), "oXYZ", &acc, &err));
  CHECK_INT(err.code, EH_NOT_FOUND);
  eh_err_clear(&err);

  CHECK(store_account_touch_login(a, pool, deadline(), t1.id, &err));
  CHECK(store_account_by_id(a, pool, deadline(), t1.id, &acc, &err));
  CHECK(acc.last_login_unix_s > 0);
  CHECK(!store_account_touch_login(a, pool, deadline(), 987654321, &err));
  CHECK_INT(err.code, EH_NOT_FOUND);
  arena_destroy(a);
}

static void test_import_all_or_nothing(void) {
  arena_t *a = arena_create(0);
  eh_err_t err = EH_ERR_INIT;
  store_account_import_t rows[] = {
      {.line = 2,
       .campus_id = "N1",
       .name = "甲",
       .org_unit = "",
       .email = "",
       .phone = "",
       .kind = 1,
       .status = 1,
       .roles = student,
       .n_roles = 1,
       .password_hash = "md5:aa"},
      {.line = 7,
       .campus_id = "N2",
       .name = "乙",
       .org_unit = "",
       .email = "s1@qq.com",
       .phone = "",
       .kind = 1,
       .status = 1,
       .roles = student,
       .n_roles = 1,
       .password_hash = "md5:aa"},
  };
  store_import_counts_t c;
  CHECK(!import(a, rows, 2, &c, &err));
  CHECK_INT(err.code, EH_ALREADY_EXISTS);
  CHECK(strstr(err.message, "第 7 行") != NULL);
  CHECK_INT(err.nfields, 1);
  CHECK_STR(err.fields[0].field, "email");
  eh_err_clear(&err);
  store_account_t acc;
  CHECK(!store_account_by_campus_id(a, pool, deadline(), "N1", &acc, &err));
  CHECK_INT(err.code, EH_NOT_FOUND);
  eh_err_clear(&err);

  /* The same ID card as another account. */
  rows[1].email = "";
  rows[1].idcard_hmac = "cd34";
  rows[1].password_from_idcard = true;
  CHECK(!import(a, rows, 2, &c, &err));
  CHECK_INT(err.code, EH_ALREADY_EXISTS);
  CHECK_STR(err.fields[0].field, "id_card");
  eh_err_clear(&err);

  /* A preview counts like the real thing and stores nothing. */
  rows[1].idcard_hmac = "ef56";
  memset(&c, 0, sizeof(c));
  CHECK(store_account_import_preview(a, pool, deadline(), rows, 2, &c, &err));
  CHECK_INT(c.created, 2);
  CHECK(!store_account_by_campus_id(a, pool, deadline(), "N1", &acc, &err));
  CHECK_INT(err.code, EH_NOT_FOUND);
  eh_err_clear(&err);
  rows[1].email = "s1@qq.com";
  CHECK(!store_account_import_preview(a, pool, deadline(), rows, 2, &c, &err));
  CHECK_INT(err.code, EH_ALREADY_EXISTS);
  arena_destroy(a);
}

int main(void) {
  base_dsn = getenv("EHALL_TEST_PG_DSN");
  if (base_dsn == NULL || *base_dsn == '\0') {
    fprintf(stderr, "needs a real PostgreSQL: set EHALL_TEST_PG_DSN with --test_env "
                    "(./dev test passes it)\n");
    CHECK(!"EHALL_TEST_PG_DSN is set");
    return test_done();
  }
  log_init(LOG_LEVEL_ERROR, false);
  struct timespec rt;
  clock_gettime(CLOCK_REALTIME, &rt);
  snprintf(schema, sizeof(schema), "account_test_%d_%lx_%lx", (int)getpid(), (long)rt.tv_sec,
           (long)rt.tv_nsec);
  arena_t *a = arena_create(0);
  admin = store_pg_pool_create(base_dsn, 1, 5000);
  /* The schema name comes from this test (pid-based), never from input. */
  exec_on(a, admin, arena_printf(a, "CREATE SCHEMA %s", schema), 0, NULL);
  pool = store_pg_pool_create(arena_printf(a, "%s options='-c search_path=%s'", base_dsn, schema),
                              2, 5000);
  const char *srcdir = getenv("TEST_SRCDIR"), *ws = getenv("TEST_WORKSPACE");
  char *dir = arena_printf(a, "%s/%s/migrations", srcdir ? srcdir : ".", ws ? ws : "ehall");
  eh_err_t err = EH_ERR_INIT;
  int applied = 0;
  CHECK(store_migrate_up(pool, dir, &applied, &err));
  if (!eh_ok(&err)) {
    fprintf(stderr, "migrations: %s %s\n", err.message_en, err.detail);
  } else {
    RUN(test_import_and_lookup);
    RUN(test_credentials_after_change);
    RUN(test_updates);
    RUN(test_import_all_or_nothing);
  }
  store_pg_pool_destroy(pool);
  exec_on(a, admin, arena_printf(a, "DROP SCHEMA IF EXISTS %s CASCADE", schema), 0, NULL);
  arena_destroy(a);
  store_pg_pool_destroy(admin);
  return test_done();
}
