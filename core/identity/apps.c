/* apps.c — TODO(H4): stubs until implemented. */
#include "core/identity/identity.h"
#include "core/identity/apps.h"

#define IDENTITY__STUB(fn) \
  void fn(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp, eh_err_t *err) { \
    (void)call; (void)req; (void)resp; \
    eh_err_set(err, EH_UNIMPLEMENTED, NULL, "功能尚未开放", "not implemented yet"); \
  }
IDENTITY__STUB(identity_exchange_app_token)
IDENTITY__STUB(identity_create_app)
IDENTITY__STUB(identity_list_apps)
IDENTITY__STUB(identity_revoke_app)

int identity_cli_audit(const struct core_config *cfg, int argc, char **argv) {
  (void)cfg; (void)argc; (void)argv;
  return 2;
}

bool apps_token_authenticate(call_t *call, const char *token, eh_err_t *err) {
  (void)call; (void)token;
  return eh_err_set(err, EH_UNAUTHENTICATED, NULL, "应用令牌无效", "invalid app token");
}
