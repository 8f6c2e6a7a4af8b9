/* recovery.c — TODO(H3): stubs until implemented. */
#include "core/identity/identity.h"

#define IDENTITY__STUB(fn) \
  void fn(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp, eh_err_t *err) { \
    (void)call; (void)req; (void)resp; \
    eh_err_set(err, EH_UNIMPLEMENTED, NULL, "功能尚未开放", "not implemented yet"); \
  }
IDENTITY__STUB(identity_send_email_code)
IDENTITY__STUB(identity_bind_email)
IDENTITY__STUB(identity_request_password_reset)
IDENTITY__STUB(identity_check_password_reset)
IDENTITY__STUB(identity_reset_password)
