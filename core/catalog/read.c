/* read.c — a stub of the contract: every handler answers UNIMPLEMENTED until written. */
#include "core/catalog/catalog.h"

void catalog_get_home(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                      eh_err_t *err) {
  (void)call;
  (void)req;
  (void)resp;
  eh_err_set(err, EH_UNIMPLEMENTED, NULL, "尚未实现", "not implemented yet");
}

void catalog_list_categories(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                             eh_err_t *err) {
  (void)call;
  (void)req;
  (void)resp;
  eh_err_set(err, EH_UNIMPLEMENTED, NULL, "尚未实现", "not implemented yet");
}

void catalog_search_services(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                             eh_err_t *err) {
  (void)call;
  (void)req;
  (void)resp;
  eh_err_set(err, EH_UNIMPLEMENTED, NULL, "尚未实现", "not implemented yet");
}

void catalog_get_service(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                         eh_err_t *err) {
  (void)call;
  (void)req;
  (void)resp;
  eh_err_set(err, EH_UNIMPLEMENTED, NULL, "尚未实现", "not implemented yet");
}

void catalog_record_view(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                         eh_err_t *err) {
  (void)call;
  (void)req;
  (void)resp;
  eh_err_set(err, EH_UNIMPLEMENTED, NULL, "尚未实现", "not implemented yet");
}

void catalog_get_template(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                          eh_err_t *err) {
  (void)call;
  (void)req;
  (void)resp;
  eh_err_set(err, EH_UNIMPLEMENTED, NULL, "尚未实现", "not implemented yet");
}

void catalog_cache_invalidate(call_t *call, int64_t generation) {
  (void)call;
  (void)generation;
}
