/*
 * config_test.c — core/common/config: defaults, file, environment over file, --key=value over
 * both, bounds and type errors naming the key, unknown keys, secrets from a _FILE.
 * Uses its own environment prefix (EHTEST_) so nothing outside the test is read.
 */
#include "core/common/config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/test.h"

typedef struct {
  char *dsn;
  long port;
  bool debug;
  char *secret;
} tcfg_t;

static const cfg_entry_t table[] = {
    {"pg.dsn", CFG_STRING, offsetof(tcfg_t, dsn), 0, 64, "host=localhost", "dsn", 0},
    {"http.port", CFG_INT, offsetof(tcfg_t, port), 1, 65535, "8080", "port", 0},
    {"log.debug", CFG_BOOL, offsetof(tcfg_t, debug), 0, 0, "false", "debug", 0},
    {"session.key", CFG_STRING, offsetof(tcfg_t, secret), 0, 0, NULL, "key", CFG_SECRET},
};
#define N (sizeof(table) / sizeof(table[0]))

static char tmpdir[1024];

static const char *write_file(const char *name, const char *text) {
  static char path[4][1200];
  static int next;
  char *p = path[next++ % 4];
  snprintf(p, 1200, "%s/%s", tmpdir, name);
  FILE *f = fopen(p, "w");
  fputs(text, f);
  fclose(f);
  return p;
}

static void clear_env(void) {
  unsetenv("EHTEST_CONFIG");
  unsetenv("EHTEST_PG_DSN");
  unsetenv("EHTEST_HTTP_PORT");
  unsetenv("EHTEST_LOG_DEBUG");
  unsetenv("EHTEST_SESSION_KEY");
  unsetenv("EHTEST_SESSION_KEY_FILE");
}

static void test_defaults(void) {
  clear_env();
  tcfg_t c = {0};
  eh_err_t err = EH_ERR_INIT;
  char *argv[] = {"prog", "serve", NULL};
  int rest[2], nrest = 0;
  CHECK(cfg_load(table, N, &c, "EHTEST_", 2, argv, rest, &nrest, &err));
  CHECK_STR(c.dsn, "host=localhost");
  CHECK_INT(c.port, 8080);
  CHECK(!c.debug);
  CHECK_STR(c.secret, "");
  CHECK_INT(nrest, 1);
  CHECK_INT(rest[0], 1);
  cfg_free(table, N, &c);
  CHECK(c.dsn == NULL);
}

static void test_file_env_flag_precedence(void) {
  clear_env();
  const char *f = write_file("a.conf", "# comment\n\npg.dsn = host=file\nhttp.port = 9000\n"
                                       "log.debug = yes\n");
  char arg[1300];
  snprintf(arg, sizeof(arg), "--config=%s", f);
  tcfg_t c = {0};
  eh_err_t err = EH_ERR_INIT;
  char *argv[] = {"prog", arg, NULL};
  CHECK(cfg_load(table, N, &c, "EHTEST_", 2, argv, NULL, NULL, &err));
  CHECK_STR(c.dsn, "host=file");
  CHECK_INT(c.port, 9000);
  CHECK(c.debug);
  cfg_free(table, N, &c);

  setenv("EHTEST_HTTP_PORT", "9100", 1);
  char *argv2[] = {"prog", arg, "--pg.dsn=host=flag", NULL};
  CHECK(cfg_load(table, N, &c, "EHTEST_", 3, argv2, NULL, NULL, &err));
  CHECK(eh_ok(&err));
  CHECK_INT(c.port, 9100);       /* environment over file */
  CHECK_STR(c.dsn, "host=flag"); /* flag over both */
  cfg_free(table, N, &c);

  /* The file may also come from PREFIX CONFIG in the environment. */
  setenv("EHTEST_CONFIG", f, 1);
  char *argv3[] = {"prog", NULL};
  CHECK(cfg_load(table, N, &c, "EHTEST_", 1, argv3, NULL, NULL, &err));
  CHECK_STR(c.dsn, "host=file");
  cfg_free(table, N, &c);
  clear_env();
}

static void test_bounds_and_types_name_the_key(void) {
  clear_env();
  tcfg_t c = {0};
  eh_err_t err = EH_ERR_INIT;
  char *argv[] = {"prog", "--http.port=70000", NULL};
  CHECK(!cfg_load(table, N, &c, "EHTEST_", 2, argv, NULL, NULL, &err));
  CHECK_INT(err.code, EH_INVALID);
  CHECK(strstr(err.message_en, "http.port") != NULL);
  CHECK_INT(err.nfields, 1);
  CHECK_STR(err.fields[0].field, "http.port");
  cfg_free(table, N, &c);

  eh_err_clear(&err);
  setenv("EHTEST_HTTP_PORT", "12ab", 1);
  char *argv2[] = {"prog", NULL};
  CHECK(!cfg_load(table, N, &c, "EHTEST_", 1, argv2, NULL, NULL, &err));
  CHECK(strstr(err.message_en, "http.port") != NULL);
  cfg_free(table, N, &c);
  clear_env();

  eh_err_clear(&err);
  char *argv3[] = {"prog",
                   "--pg.dsn=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
                   NULL};
  CHECK(!cfg_load(table, N, &c, "EHTEST_", 2, argv3, NULL, NULL, &err));
  CHECK(strstr(err.message_en, "pg.dsn") != NULL);
  cfg_free(table, N, &c);
}

static void test_bool_parsing(void) {
  const char *yes[] = {"1", "true", "TRUE", "yes", "on"};
  const char *no[] = {"0", "false", "No", "off", ""};
  for (size_t i = 0; i < 5; i++) {
    clear_env();
    tcfg_t c = {0};
    eh_err_t err = EH_ERR_INIT;
    char *argv[] = {"prog", NULL};
    setenv("EHTEST_LOG_DEBUG", yes[i], 1);
    CHECK(cfg_load(table, N, &c, "EHTEST_", 1, argv, NULL, NULL, &err) && c.debug);
    cfg_free(table, N, &c);
    setenv("EHTEST_LOG_DEBUG", no[i], 1);
    CHECK(cfg_load(table, N, &c, "EHTEST_", 1, argv, NULL, NULL, &err) && !c.debug);
    cfg_free(table, N, &c);
  }
  clear_env();
  tcfg_t c = {0};
  eh_err_t err = EH_ERR_INIT;
  char *argv[] = {"prog", "--log.debug=maybe", NULL};
  CHECK(!cfg_load(table, N, &c, "EHTEST_", 2, argv, NULL, NULL, &err));
  CHECK(strstr(err.message_en, "log.debug") != NULL);
  cfg_free(table, N, &c);
}

static void test_unknown_key(void) {
  clear_env();
  tcfg_t c = {0};
  eh_err_t err = EH_ERR_INIT;
  char *argv[] = {"prog", "--no.such=1", NULL};
  CHECK(!cfg_load(table, N, &c, "EHTEST_", 2, argv, NULL, NULL, &err));
  CHECK_INT(err.code, EH_INVALID);
  CHECK(strstr(err.message_en, "no.such") != NULL);
  cfg_free(table, N, &c);

  eh_err_clear(&err);
  const char *f = write_file("b.conf", "typo.key = 3\n");
  char arg[1300];
  snprintf(arg, sizeof(arg), "--config=%s", f);
  char *argv2[] = {"prog", arg, NULL};
  CHECK(!cfg_load(table, N, &c, "EHTEST_", 2, argv2, NULL, NULL, &err));
  CHECK(strstr(err.message_en, "typo.key") != NULL);
  cfg_free(table, N, &c);
}

static void test_secret_from_file(void) {
  clear_env();
  const char *kf = write_file("key.txt", "s3cr3t-value\n");
  setenv("EHTEST_SESSION_KEY_FILE", kf, 1);
  tcfg_t c = {0};
  eh_err_t err = EH_ERR_INIT;
  char *argv[] = {"prog", NULL};
  CHECK(cfg_load(table, N, &c, "EHTEST_", 1, argv, NULL, NULL, &err));
  CHECK_STR(c.secret, "s3cr3t-value"); /* trailing newline dropped */
  cfg_free(table, N, &c);

  /* From the config file as session.key_file = path, too. */
  clear_env();
  char line[1300];
  snprintf(line, sizeof(line), "session.key_file = %s\n", kf);
  const char *f = write_file("c.conf", line);
  char arg[1300];
  snprintf(arg, sizeof(arg), "--config=%s", f);
  char *argv2[] = {"prog", arg, NULL};
  CHECK(cfg_load(table, N, &c, "EHTEST_", 2, argv2, NULL, NULL, &err));
  CHECK_STR(c.secret, "s3cr3t-value");
  cfg_free(table, N, &c);

  /* A missing secret file is an error naming the key, never showing a value. */
  setenv("EHTEST_SESSION_KEY_FILE", "/nonexistent/key", 1);
  eh_err_clear(&err);
  char *argv3[] = {"prog", NULL};
  CHECK(!cfg_load(table, N, &c, "EHTEST_", 1, argv3, NULL, NULL, &err));
  CHECK(strstr(err.message_en, "session.key") != NULL);
  cfg_free(table, N, &c);
  clear_env();
}

int main(void) {
  const char *t = getenv("TEST_TMPDIR");
  snprintf(tmpdir, sizeof(tmpdir), "%s", t ? t : "/tmp");
  RUN(test_defaults);
  RUN(test_file_env_flag_precedence);
  RUN(test_bounds_and_types_name_the_key);
  RUN(test_bool_parsing);
  RUN(test_unknown_key);
  RUN(test_secret_from_file);
  return test_done();
}
