/*
 * main.c — ehall-core: reads the config (the only place that reads the environment, through
 * cfg_load), then `migrate` (apply migrations and exit) or `serve` (check migrations, serve
 * gRPC until SIGTERM/SIGINT, drain, exit 0).
 *
 * Never prints a secret; never serves a database whose landed migrations were edited.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include "core/catalog/catalog.h"
#include "core/approvals/approvals.h"
#include "core/forms/forms.h"
#include "core/common/call.h"
#include "core/common/config.h"
#include "core/common/log.h"
#include "core/identity/identity.h"
#include "core/org/org.h"
#include "core/config.h"
#include "core/rpc/meta.h"
#include "core/rpc/server.h"
#include "core/store/migrate.h"
#include "core/store/pg.h"
#include "core/store/redis.h"

#define CORE_ENV_PREFIX "EHALL_CORE_"
#define CORE_CONNECT_TIMEOUT_MS 3000

static void core__usage(FILE *f) {
  fprintf(f,
          "ehall-core " CORE_VERSION " — the ehall gRPC core\n\n"
          "Usage: ehall-core [--config=FILE] [--key=value...] [COMMAND]\n\n"
          "Commands:\n"
          "  serve     check migrations, then serve gRPC until SIGTERM/SIGINT (default)\n"
          "  migrate   apply pending migrations from migrations.dir and exit\n"
          "  import accounts FILE   import the old portal's accounts (CSV, UTF-8 or GB18030)\n"
          "  import check FILE      the same, reporting only (nothing is stored)\n"
          "  import org FILE [apply]  HR's org tree and people's units (CSV): print the diff,\n"
          "                         apply it with \"apply\"\n"
          "  import members GROUP FILE [apply]  an approver group's members (CSV), the same way\n"
          "  import catalog FILE [apply]  categories and service guides (JSON): print what\n"
          "                         would change; with apply, store and publish them\n"
          "  audit verify           check the audit log's hash chain; non-zero on a break\n"
          "  --help    print this help\n\n");
  cfg_print_help(f, core_config_table, core_config_table_len, CORE_ENV_PREFIX);
}

static int core__migrate(const core_config_t *cfg) {
  store_pg_pool_t *pg = store_pg_pool_create(cfg->pg_dsn, 1, CORE_CONNECT_TIMEOUT_MS);
  eh_err_t err = EH_ERR_INIT;
  int applied = 0;
  bool ok = store_migrate_up(pg, cfg->migrations_dir, &applied, &err);
  store_pg_pool_destroy(pg);
  if (!ok) {
    LOG_ERROR("core", "migrate failed dir=%s status=%s message=\"%s\" detail=%s",
              cfg->migrations_dir, eh_status_name(err.code), err.message_en, err.detail);
    fprintf(stderr, "migrate failed: %s\n", err.message_en);
    return 1;
  }
  printf("applied %d migration%s from %s\n", applied, applied == 1 ? "" : "s", cfg->migrations_dir);
  return 0;
}

static int core__serve(core_config_t *cfg) {
  /* Before grpc_init: gRPC's threads inherit the mask, so only sigwait below sees the signal. */
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGINT);
  pthread_sigmask(SIG_BLOCK, &sigs, NULL);
  signal(SIGPIPE, SIG_IGN);

  store_pg_pool_t *pg =
      store_pg_pool_create(cfg->pg_dsn, (int)cfg->pg_pool_size, CORE_CONNECT_TIMEOUT_MS);
  store_pg_pool_set_prepare(pg, cfg->pg_prepare_statements);
  store_redis_pool_t *redis = store_redis_pool_create(cfg->redis_host, (int)cfg->redis_port,
                                                      (int)cfg->redis_pool_size, 1000);
  eh_err_t err = EH_ERR_INIT;
  int rc = 1;
  rpc_server_t *srv = NULL;
  bool identity_started = false, forms_started = false, approvals_started = false;
  if (!store_migrate_check(pg, cfg->migrations_dir, &err)) {
    LOG_ERROR("core", "refusing to serve: migrations dir=%s status=%s message=\"%s\" detail=%s",
              cfg->migrations_dir, eh_status_name(err.code), err.message_en, err.detail);
    goto done;
  }
  if ((cfg->identity_pepper == NULL || cfg->identity_pepper[0] == '\0') &&
      !rpc_address_is_loopback(cfg->listen)) {
    LOG_ERROR("core", "refusing to serve beyond loopback without identity.pepper: set "
                      "identity.pepper_file (ID-card numbers and email codes are keyed with it)");
    goto done;
  }
  if (!identity_start(cfg, pg, redis)) {
    LOG_ERROR("core", "cannot start identity's hashing pool or mail sender");
    goto done;
  }
  identity_started = true;
  if (!forms_start(cfg, pg, redis)) {
    LOG_ERROR("core", "cannot start the booking expiry worker");
    goto done;
  }
  forms_started = true;
  if (!approvals_start(cfg, pg)) {
    LOG_ERROR("core", "cannot start the approval timer worker");
    goto done;
  }
  approvals_started = true;
  srv = rpc_server_create(cfg, pg, redis, &err);
  if (srv == NULL) {
    LOG_ERROR("core", "cannot serve: %s detail=%s", err.message_en, err.detail);
    goto done;
  }
  if (!rpc_server_start(srv, &err)) {
    LOG_ERROR("core", "cannot serve: %s", err.message_en);
    rpc_server_shutdown(srv, 0);
    goto done;
  }
  LOG_INFO("core", "ehall-core " CORE_VERSION " ready port=%d", rpc_server_port(srv));
  int sig = 0;
  sigwait(&sigs, &sig);
  LOG_INFO("core", "signal received sig=%d, draining grace_ms=%ld", sig, cfg->shutdown_grace_ms);
  rpc_server_shutdown(srv, cfg->shutdown_grace_ms);
  rc = 0;
done:
  rpc_server_destroy(srv);
  if (approvals_started)
    approvals_stop();
  if (forms_started)
    forms_stop();
  if (identity_started)
    identity_stop();
  store_redis_pool_destroy(redis);
  store_pg_pool_destroy(pg);
  return rc;
}

int main(int argc, char **argv) {
  core_config_t cfg;
  memset(&cfg, 0, sizeof(cfg));
  eh_err_t err = EH_ERR_INIT;
  int rest[64], nrest = 0;
  for (int i = 1; i < argc; i++)
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h") || !strcmp(argv[i], "help")) {
      core__usage(stdout);
      return 0;
    }
  if (argc > 64) {
    fprintf(stderr, "too many arguments\n");
    return 2;
  }
  if (!cfg_load(core_config_table, core_config_table_len, &cfg, CORE_ENV_PREFIX, argc, argv, rest,
                &nrest, &err)) {
    fprintf(stderr, "ehall-core: %s\n", err.message_en);
    cfg_free(core_config_table, core_config_table_len, &cfg);
    return 2;
  }
  log_level_t level;
  if (!log_level_parse(cfg.log_level, &level)) {
    fprintf(stderr, "ehall-core: log.level must be debug, info, warn or error\n");
    cfg_free(core_config_table, core_config_table_len, &cfg);
    return 2;
  }
  log_init(level, cfg.log_json);
  struct timeval tv;
  gettimeofday(&tv, NULL);
  cfg.started_unix_ms = (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
  cfg.started_mono_ms = call_now_ms();

  const char *cmd = nrest > 0 ? argv[rest[0]] : "serve";
  int rc;
  /* Positional words after the command, for the tools ("import accounts FILE"). */
  char *words[64];
  int nwords = 0;
  for (int i = 1; i < nrest; i++)
    words[nwords++] = argv[rest[i]];
  if (!strcmp(cmd, "import") && nwords > 0 && !strcmp(words[0], "catalog")) {
    rc = catalog_cli_import(&cfg, nwords, words);
  } else if (!strcmp(cmd, "import") && nwords > 0 &&
             (!strcmp(words[0], "org") || !strcmp(words[0], "members"))) {
    rc = org_cli_import(&cfg, nwords, words);
  } else if (!strcmp(cmd, "import")) {
    rc = identity_cli_import(&cfg, nwords, words);
  } else if (!strcmp(cmd, "audit")) {
    rc = identity_cli_audit(&cfg, nwords, words);
  } else if (nrest > 1) {
    fprintf(stderr, "ehall-core: unexpected argument %s (see --help)\n", argv[rest[1]]);
    rc = 2;
  } else if (!strcmp(cmd, "serve")) {
    rc = core__serve(&cfg);
  } else if (!strcmp(cmd, "migrate")) {
    rc = core__migrate(&cfg);
  } else {
    fprintf(stderr, "ehall-core: unknown command %s (see --help)\n", cmd);
    rc = 2;
  }
  cfg_free(core_config_table, core_config_table_len, &cfg);
  return rc;
}
