/*
 * stub_units.c — STUB written by the lead so the tree builds; helper A replaces it.
 */
#include "core/org/org.h"

void org_list_units(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                    eh_err_t *err) {
  (void)call;
  (void)req;
  (void)resp;
  eh_err_set(err, EH_UNAVAILABLE, NULL, "尚未实现", "not implemented yet");
}

void org_get_unit(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                  eh_err_t *err) {
  (void)call;
  (void)req;
  (void)resp;
  eh_err_set(err, EH_UNAVAILABLE, NULL, "尚未实现", "not implemented yet");
}

void org_create_unit(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                     eh_err_t *err) {
  (void)call;
  (void)req;
  (void)resp;
  eh_err_set(err, EH_UNAVAILABLE, NULL, "尚未实现", "not implemented yet");
}

void org_update_unit(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                     eh_err_t *err) {
  (void)call;
  (void)req;
  (void)resp;
  eh_err_set(err, EH_UNAVAILABLE, NULL, "尚未实现", "not implemented yet");
}

void org_close_unit(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                    eh_err_t *err) {
  (void)call;
  (void)req;
  (void)resp;
  eh_err_set(err, EH_UNAVAILABLE, NULL, "尚未实现", "not implemented yet");
}

void org_import_org(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                    eh_err_t *err) {
  (void)call;
  (void)req;
  (void)resp;
  eh_err_set(err, EH_UNAVAILABLE, NULL, "尚未实现", "not implemented yet");
}

void org_get_person_units(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                          eh_err_t *err) {
  (void)call;
  (void)req;
  (void)resp;
  eh_err_set(err, EH_UNAVAILABLE, NULL, "尚未实现", "not implemented yet");
}

void org_set_person_units(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                          eh_err_t *err) {
  (void)call;
  (void)req;
  (void)resp;
  eh_err_set(err, EH_UNAVAILABLE, NULL, "尚未实现", "not implemented yet");
}

void org_list_unit_admins(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                          eh_err_t *err) {
  (void)call;
  (void)req;
  (void)resp;
  eh_err_set(err, EH_UNAVAILABLE, NULL, "尚未实现", "not implemented yet");
}

void org_add_unit_admin(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                        eh_err_t *err) {
  (void)call;
  (void)req;
  (void)resp;
  eh_err_set(err, EH_UNAVAILABLE, NULL, "尚未实现", "not implemented yet");
}

void org_remove_unit_admin(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                           eh_err_t *err) {
  (void)call;
  (void)req;
  (void)resp;
  eh_err_set(err, EH_UNAVAILABLE, NULL, "尚未实现", "not implemented yet");
}

int org_cli_import(const struct core_config *cfg, int argc, char **argv) {
  (void)cfg;
  (void)argc;
  (void)argv;
  return 2;
}
