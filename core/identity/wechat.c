/* wechat.c — TODO(H4): stubs until implemented. */
#include "core/identity/identity.h"

#define IDENTITY__STUB(fn) \
  void fn(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp, eh_err_t *err) { \
    (void)call; (void)req; (void)resp; \
    eh_err_set(err, EH_UNIMPLEMENTED, NULL, "功能尚未开放", "not implemented yet"); \
  }
IDENTITY__STUB(identity_wechat_login)
IDENTITY__STUB(identity_wechat_bind)
IDENTITY__STUB(identity_unbind_wechat)
