/*
 * stub_groups.c — STUB written by the lead so the tree builds; helper B replaces it.
 */
#include "core/org/org.h"
#include "core/org/org_internal.h"

void org_list_groups(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                     eh_err_t *err) {
  (void)call;
  (void)req;
  (void)resp;
  eh_err_set(err, EH_UNAVAILABLE, NULL, "尚未实现", "not implemented yet");
}

void org_create_group(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                      eh_err_t *err) {
  (void)call;
  (void)req;
  (void)resp;
  eh_err_set(err, EH_UNAVAILABLE, NULL, "尚未实现", "not implemented yet");
}

void org_list_members(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                      eh_err_t *err) {
  (void)call;
  (void)req;
  (void)resp;
  eh_err_set(err, EH_UNAVAILABLE, NULL, "尚未实现", "not implemented yet");
}

void org_add_member(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                    eh_err_t *err) {
  (void)call;
  (void)req;
  (void)resp;
  eh_err_set(err, EH_UNAVAILABLE, NULL, "尚未实现", "not implemented yet");
}

void org_set_member_scopes(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                           eh_err_t *err) {
  (void)call;
  (void)req;
  (void)resp;
  eh_err_set(err, EH_UNAVAILABLE, NULL, "尚未实现", "not implemented yet");
}

void org_remove_member(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                       eh_err_t *err) {
  (void)call;
  (void)req;
  (void)resp;
  eh_err_set(err, EH_UNAVAILABLE, NULL, "尚未实现", "not implemented yet");
}

void org_import_members(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                        eh_err_t *err) {
  (void)call;
  (void)req;
  (void)resp;
  eh_err_set(err, EH_UNAVAILABLE, NULL, "尚未实现", "not implemented yet");
}

void org_export_members(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                        eh_err_t *err) {
  (void)call;
  (void)req;
  (void)resp;
  eh_err_set(err, EH_UNAVAILABLE, NULL, "尚未实现", "not implemented yet");
}

void org_resolve_approvers(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                           eh_err_t *err) {
  (void)call;
  (void)req;
  (void)resp;
  eh_err_set(err, EH_UNAVAILABLE, NULL, "尚未实现", "not implemented yet");
}

void org_list_member_scopes(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                            eh_err_t *err) {
  (void)call;
  (void)req;
  (void)resp;
  eh_err_set(err, EH_UNAVAILABLE, NULL, "尚未实现", "not implemented yet");
}

void org_get_my_approvers(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                          eh_err_t *err) {
  (void)call;
  (void)req;
  (void)resp;
  eh_err_set(err, EH_UNAVAILABLE, NULL, "尚未实现", "not implemented yet");
}

void org_create_delegation(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                           eh_err_t *err) {
  (void)call;
  (void)req;
  (void)resp;
  eh_err_set(err, EH_UNAVAILABLE, NULL, "尚未实现", "not implemented yet");
}

void org_list_delegations(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                          eh_err_t *err) {
  (void)call;
  (void)req;
  (void)resp;
  eh_err_set(err, EH_UNAVAILABLE, NULL, "尚未实现", "not implemented yet");
}

void org_end_delegation(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                        eh_err_t *err) {
  (void)call;
  (void)req;
  (void)resp;
  eh_err_set(err, EH_UNAVAILABLE, NULL, "尚未实现", "not implemented yet");
}

bool org__members_import(call_t *call, const char *group, const uint8_t *csv, size_t len,
                         bool apply, const char *expected_digest,
                         Ehall__Org__V1__MembersImportReport **out, eh_err_t *err) {
  (void)call;
  (void)group;
  (void)csv;
  (void)len;
  (void)apply;
  (void)expected_digest;
  (void)out;
  return eh_err_set(err, EH_UNAVAILABLE, NULL, "尚未实现", "not implemented yet");
}
