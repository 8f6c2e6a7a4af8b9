/*
 * approvals.h — the approvals area (审批, ehall.approvals.v1): process definitions a department
 * keeps per service (process_admin.c), the engine that runs an application through its steps
 * (engine.c), the approvers' lists and actions (tasks.c), the applicant's progress and 催办
 * (progress.c) and the SLA timers (timers.c); process_rules.c is the pure part. Handlers have
 * the call_unary_fn shape (core/common/call.h); core/rpc's method table lists them.
 *
 * Access, checked here for every object: a task is acted on only by its assignee or today's
 * delegate of the assignee, never by the applicant; an application is read by those who hold or
 * held a task on it (and their delegates), the admins of the service's department and hall
 * admins; the applicant reads his own progress. Everyone else gets NOT_FOUND, as for a missing
 * one. Processes are changed by the service's department admins and hall admins, audited.
 */
#ifndef EHALL_APPROVALS_APPROVALS_H
#define EHALL_APPROVALS_APPROVALS_H

#include <stdbool.h>

#include "core/common/call.h"

struct core_config;

#define AUDIT_PROCESS_SAVE "approvals.process.save"
#define AUDIT_PROCESS_PUBLISH "approvals.process.publish"

/* Registers the engine with applications (forms_set_process_hooks) and starts the SLA timer
 * worker (approvals.timer_poll_ms). */
bool approvals_start(const struct core_config *cfg, struct store_pg_pool *pg);
void approvals_stop(void);

/* --- ehall.approvals.v1.ProcessAdmin (process_admin.c) ---------------------------------------- */
void approvals_get_process(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                           eh_err_t *err);
void approvals_save_process(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                            eh_err_t *err);
void approvals_publish_process(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                               eh_err_t *err);
void approvals_get_process_version(call_t *call, const ProtobufCMessage *req,
                                   ProtobufCMessage **resp, eh_err_t *err);

/* --- ehall.approvals.v1.Approvals (tasks.c, progress.c) --------------------------------------- */
void approvals_list_tasks(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                          eh_err_t *err);
void approvals_get_approval(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                            eh_err_t *err);
void approvals_get_attachment(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                              eh_err_t *err);
void approvals_act_on_task(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                           eh_err_t *err);
void approvals_bulk_approve(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                            eh_err_t *err);
void approvals_get_progress(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                            eh_err_t *err);
void approvals_remind(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                      eh_err_t *err);

#endif
