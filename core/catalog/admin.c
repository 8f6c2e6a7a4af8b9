/* admin.c — a stub of the contract: every handler answers UNIMPLEMENTED until written. */
#include "core/catalog/catalog.h"

void catalog_list_managed(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                          eh_err_t *err) {
  (void)call;
  (void)req;
  (void)resp;
  eh_err_set(err, EH_UNIMPLEMENTED, NULL, "尚未实现", "not implemented yet");
}

void catalog_create_service(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                            eh_err_t *err) {
  (void)call;
  (void)req;
  (void)resp;
  eh_err_set(err, EH_UNIMPLEMENTED, NULL, "尚未实现", "not implemented yet");
}

void catalog_save_draft(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                        eh_err_t *err) {
  (void)call;
  (void)req;
  (void)resp;
  eh_err_set(err, EH_UNIMPLEMENTED, NULL, "尚未实现", "not implemented yet");
}

void catalog_discard_draft(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                           eh_err_t *err) {
  (void)call;
  (void)req;
  (void)resp;
  eh_err_set(err, EH_UNIMPLEMENTED, NULL, "尚未实现", "not implemented yet");
}

void catalog_list_versions(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                           eh_err_t *err) {
  (void)call;
  (void)req;
  (void)resp;
  eh_err_set(err, EH_UNIMPLEMENTED, NULL, "尚未实现", "not implemented yet");
}

void catalog_get_version(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                         eh_err_t *err) {
  (void)call;
  (void)req;
  (void)resp;
  eh_err_set(err, EH_UNIMPLEMENTED, NULL, "尚未实现", "not implemented yet");
}

void catalog_diff_versions(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                           eh_err_t *err) {
  (void)call;
  (void)req;
  (void)resp;
  eh_err_set(err, EH_UNIMPLEMENTED, NULL, "尚未实现", "not implemented yet");
}

void catalog_publish(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                     eh_err_t *err) {
  (void)call;
  (void)req;
  (void)resp;
  eh_err_set(err, EH_UNIMPLEMENTED, NULL, "尚未实现", "not implemented yet");
}

void catalog_unpublish(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                       eh_err_t *err) {
  (void)call;
  (void)req;
  (void)resp;
  eh_err_set(err, EH_UNIMPLEMENTED, NULL, "尚未实现", "not implemented yet");
}

void catalog_upload_template(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                             eh_err_t *err) {
  (void)call;
  (void)req;
  (void)resp;
  eh_err_set(err, EH_UNIMPLEMENTED, NULL, "尚未实现", "not implemented yet");
}

void catalog_save_category(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                           eh_err_t *err) {
  (void)call;
  (void)req;
  (void)resp;
  eh_err_set(err, EH_UNIMPLEMENTED, NULL, "尚未实现", "not implemented yet");
}

bool catalog_import_file(call_t *call, const char *path, bool apply, eh_err_t *err) {
  (void)call;
  (void)path;
  (void)apply;
  return eh_err_set(err, EH_UNIMPLEMENTED, NULL, "尚未实现", "not implemented yet");
}
