/*
 * audit.c — identity's writes to the audit log (audit.h) and `ehall-core audit verify`.
 *
 * The actor comes from call->principal: a user's campus id, "app:<client id>" for an app
 * token, "anonymous" for a public call nobody is logged in to, and "cli" for the command-line
 * tools (a call with no principal and no request id: core/rpc always gives a served call a
 * request id). Must never put a password, token, code, ID-card number or email in a row, nor
 * log a row's content.
 */
#include "core/identity/audit.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "core/common/log.h"
#include "core/config.h"
#include "core/identity/identity.h"
#include "core/store/audit_store.h"

#define AUDIT_MODULE "audit"

static const char *audit__actor(const call_t *call) {
  const call_principal_t *p = &call->principal;
  if (p->actor == CALL_USER && p->campus_id != NULL)
    return p->campus_id;
  if (p->actor == CALL_APP && p->app_client_id != NULL)
    return arena_printf(call->arena, "app:%s", p->app_client_id);
  return call->request_id == NULL ? "cli" : "anonymous";
}

/* The inet column takes plain addresses only; anything else (a unix-socket peer) is NULL. */
static const char *audit__ip(const char *ip) {
  unsigned char buf[sizeof(struct in6_addr)];
  if (ip == NULL || *ip == '\0')
    return NULL;
  if (inet_pton(AF_INET, ip, buf) == 1 || inet_pton(AF_INET6, ip, buf) == 1)
    return ip;
  return NULL;
}

bool audit_append_tx(call_t *call, arena_t *a, store_pg_conn_t *conn, const char *action,
                     const char *target, const char *detail_json, eh_err_t *err) {
  store_audit_entry_t e = {
      .actor = audit__actor(call),
      .action = action,
      .target = target,
      .client_ip = audit__ip(call->client_ip),
      .request_id = call->request_id,
      .detail_json = detail_json,
  };
  return store_audit_append_tx(a, conn, &e, NULL, err);
}

typedef struct audit_one {
  call_t *call;
  const char *action, *target, *detail;
} audit_one_t;

static bool audit__one_tx(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  audit_one_t *o = ud;
  return audit_append_tx(o->call, a, conn, o->action, o->target, o->detail, err);
}

bool audit_append(call_t *call, const char *action, const char *target, const char *detail_json,
                  eh_err_t *err) {
  audit_one_t o = {call, action, target, detail_json};
  if (store_pg_tx(call->arena, call->pg, call->deadline_ms, audit__one_tx, &o, err))
    return true;
  LOG_WARN(AUDIT_MODULE, "audit append failed action=%s status=%s detail=%s", action,
           eh_status_name(err->code), err->detail);
  return false;
}

int identity_cli_audit(const struct core_config *cfg, int argc, char **argv) {
  if (argc != 1 || strcmp(argv[0], "verify") != 0) {
    fprintf(stderr, "usage: ehall-core audit verify\n");
    return 2;
  }
  store_pg_pool_t *pg = store_pg_pool_create(cfg->pg_dsn, 1, 5000);
  arena_t *a = arena_create(0);
  eh_err_t err = EH_ERR_INIT;
  store_audit_report_t rep;
  int rc;
  if (!store_audit_verify(a, pg, INT64_MAX, &rep, &err)) {
    fprintf(stderr, "audit verify failed: %s (%s)\n", err.message_en, err.detail);
    rc = 2;
  } else if (rep.broken_id != 0) {
    printf("audit log broken at row %lld: %s\n", (long long)rep.broken_id, rep.reason);
    rc = 1;
  } else {
    printf("audit log intact: %lld rows\n", (long long)rep.rows);
    rc = 0;
  }
  arena_destroy(a);
  store_pg_pool_destroy(pg);
  return rc;
}
