/*
 * org.h — the org area (组织机构与审批人, ehall.org.v1): the org tree HR maintains and people's
 * units (units.c, people.c, org_import.c, unit_admins.c), approver groups with scoped members
 * (groups.c, members.c), approver resolution (resolve.c) and dated delegation
 * (delegations.c). Handlers have the call_unary_fn shape (core/common/call.h); core/rpc's
 * method table lists them. Every change is audited (AUDIT_ORG_* below) in its transaction.
 *
 * Access, checked here in the core for every object: browsing the tree needs a session (or an
 * app with org.read); changing it needs a hall admin or an admin of the HR unit
 * (config org.hr_unit); a group's members are seen and changed by hall admins and the admins of
 * the group's owning unit (or an ancestor of it); a student sees only the names of his own
 * approvers (GetMyApprovers). Department-admin rights are read from account_roles on every
 * call, not from the session's copy, so granting and revoking take effect at once.
 */
#ifndef EHALL_ORG_ORG_H
#define EHALL_ORG_ORG_H

#include <stdbool.h>

#include "core/common/call.h"
#include "core/store/pg.h"

struct core_config;

/* Audit actions (stable strings). Targets: "unit:<code>", "group:<code>",
 * "group:<code>/member:<campus id>", "person:<campus id>", "delegation:<id>". */
#define AUDIT_ORG_UNIT_CREATE "org.unit.create"
#define AUDIT_ORG_UNIT_UPDATE "org.unit.update"
#define AUDIT_ORG_UNIT_CLOSE "org.unit.close"
#define AUDIT_ORG_IMPORT "org.import"
#define AUDIT_ORG_PERSON_UNITS "org.person.units"
#define AUDIT_ORG_ADMIN_ADD "org.admin.add"
#define AUDIT_ORG_ADMIN_REMOVE "org.admin.remove"
#define AUDIT_ORG_GROUP_CREATE "org.group.create"
#define AUDIT_ORG_MEMBER_ADD "org.member.add"
#define AUDIT_ORG_MEMBER_SCOPES "org.member.scopes"
#define AUDIT_ORG_MEMBER_REMOVE "org.member.remove"
#define AUDIT_ORG_MEMBERS_IMPORT "org.members.import"
#define AUDIT_ORG_DELEGATION_CREATE "org.delegation.create"
#define AUDIT_ORG_DELEGATION_END "org.delegation.end"

/* --- access (access.c) -------------------------------------------------------------------- */

/* *ok true when the caller is a hall admin, or (per account_roles now) a department admin of
 * unit_code or of one of its ancestors. False only when the check could not be made (err). */
bool org_caller_admins_unit(call_t *call, const char *unit_code, bool *ok, eh_err_t *err);
/* The same for the HR unit (config org.hr_unit): who may change the org tree. */
bool org_caller_is_hr(call_t *call, bool *ok, eh_err_t *err);
/* Fills err with the answer for a caller who may not do it (PERMISSION_DENIED) and returns
 * false; the message names what is needed (zh, en). */
bool org_denied(eh_err_t *err, const char *zh, const char *en);

/* --- ehall.org.v1.OrgUnits ---------------------------------------------------------------- */
void org_list_units(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                    eh_err_t *err);
void org_get_unit(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                  eh_err_t *err);
void org_create_unit(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                     eh_err_t *err);
void org_update_unit(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                     eh_err_t *err);
void org_close_unit(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                    eh_err_t *err);
void org_import_org(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                    eh_err_t *err);
void org_get_person_units(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                          eh_err_t *err);
void org_set_person_units(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                          eh_err_t *err);
void org_list_unit_admins(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                          eh_err_t *err);
void org_add_unit_admin(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                        eh_err_t *err);
void org_remove_unit_admin(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                           eh_err_t *err);

/* --- ehall.org.v1.Groups ------------------------------------------------------------------ */
void org_list_groups(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                     eh_err_t *err);
void org_create_group(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                      eh_err_t *err);
void org_list_members(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                      eh_err_t *err);
void org_add_member(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                    eh_err_t *err);
void org_set_member_scopes(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                           eh_err_t *err);
void org_remove_member(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                       eh_err_t *err);
void org_import_members(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                        eh_err_t *err);
void org_export_members(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                        eh_err_t *err);
void org_resolve_approvers(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                           eh_err_t *err);
void org_list_member_scopes(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                            eh_err_t *err);
void org_get_my_approvers(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                          eh_err_t *err);

/* --- ehall.org.v1.Delegations ------------------------------------------------------------- */
void org_create_delegation(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                           eh_err_t *err);
void org_list_delegations(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                          eh_err_t *err);
void org_end_delegation(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                        eh_err_t *err);

/* --- command line ------------------------------------------------------------------------- */

/* `ehall-core import org FILE [apply]` (HR's CSV: prints the diff; applies with "apply") and
 * `ehall-core import members GROUP FILE [apply]`. argv[0] is "org" or "members". Exit status:
 * 0 done, 1 the file has errors or the database refused, 2 usage. Audited with actor "cli". */
int org_cli_import(const struct core_config *cfg, int argc, char **argv);

/* --- for other areas (resolve.c) ------------------------------------------------------------ */

/* The names of a person's approvers in the group with this code now (delegation applied:
 * whoever acts today), e.g. "counselor" for the counselor of his class; *n 0 when the group
 * does not exist or nobody serves him. Inside the caller's connection. */
bool org_approver_names(arena_t *a, store_pg_conn_t *conn, int64_t account_id,
                        const char *group_code, const char ***names, size_t *n, eh_err_t *err);

#endif
