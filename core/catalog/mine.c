/* mine.c — a stub of the contract: every handler answers UNIMPLEMENTED until written. */
#include "core/catalog/catalog.h"

void catalog_list_favourites(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                             eh_err_t *err) {
  (void)call;
  (void)req;
  (void)resp;
  eh_err_set(err, EH_UNIMPLEMENTED, NULL, "尚未实现", "not implemented yet");
}

void catalog_add_favourite(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                           eh_err_t *err) {
  (void)call;
  (void)req;
  (void)resp;
  eh_err_set(err, EH_UNIMPLEMENTED, NULL, "尚未实现", "not implemented yet");
}

void catalog_remove_favourite(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                              eh_err_t *err) {
  (void)call;
  (void)req;
  (void)resp;
  eh_err_set(err, EH_UNIMPLEMENTED, NULL, "尚未实现", "not implemented yet");
}

void catalog_list_recent(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                         eh_err_t *err) {
  (void)call;
  (void)req;
  (void)resp;
  eh_err_set(err, EH_UNIMPLEMENTED, NULL, "尚未实现", "not implemented yet");
}
