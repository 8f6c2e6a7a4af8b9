/* login.c — TODO(H2): stubs until implemented. */
#include "core/identity/identity.h"

#define IDENTITY__STUB(fn) \
  void fn(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp, eh_err_t *err) { \
    (void)call; (void)req; (void)resp; \
    eh_err_set(err, EH_UNIMPLEMENTED, NULL, "功能尚未开放", "not implemented yet"); \
  }
IDENTITY__STUB(identity_login)
IDENTITY__STUB(identity_logout)
IDENTITY__STUB(identity_change_password)
IDENTITY__STUB(identity_get_me)
IDENTITY__STUB(identity_get_account)
IDENTITY__STUB(identity_list_sessions)
IDENTITY__STUB(identity_end_session)
IDENTITY__STUB(identity_end_all_sessions)
IDENTITY__STUB(identity_unlock_account)

bool identity_authenticate(call_t *call, bool is_public, bool first_login_ok,
                           const char *app_scope, eh_err_t *err) {
  (void)call; (void)first_login_ok; (void)app_scope;
  if (is_public)
    return true;
  return eh_err_set(err, EH_UNAUTHENTICATED, NULL, "请先登录", "please log in first");
}
