/*
 * catalog.h — the service catalogue (服务目录与办事指南, ehall.catalog.v1): published guides read
 * from an in-process snapshot (read.c, snapshot.c), search over it (search_rules.c, pinyin.c),
 * people's favourites and recently viewed services (mine.c), and the departments' editing,
 * versions, diff and publishing (admin.c, guide_rules.c). Handlers have the call_unary_fn
 * shape (core/common/call.h); core/rpc's method table lists them.
 *
 * Access, checked here for every object: published guides are public, except one limited to
 * an audience, which anyone outside it gets as NOT_FOUND; drafts and versions are seen and
 * changed by hall admins and the admins (account_roles, read on every call) of the owning unit
 * or a unit above it; another department's draft answers NOT_FOUND. Every change is audited
 * (AUDIT_CATALOG_* below) in its own transaction.
 */
#ifndef EHALL_CATALOG_CATALOG_H
#define EHALL_CATALOG_CATALOG_H

#include <stdbool.h>
#include <stdint.h>

#include "core/common/call.h"

/* Audit actions (stable strings). Targets: "service:<code>", "category:<code>",
 * "template:<sha256>". */
#define AUDIT_CATALOG_SERVICE_CREATE "catalog.service.create"
#define AUDIT_CATALOG_DRAFT_SAVE "catalog.draft.save"
#define AUDIT_CATALOG_DRAFT_DISCARD "catalog.draft.discard"
#define AUDIT_CATALOG_PUBLISH "catalog.publish"
#define AUDIT_CATALOG_UNPUBLISH "catalog.unpublish"
#define AUDIT_CATALOG_TEMPLATE_UPLOAD "catalog.template.upload"
#define AUDIT_CATALOG_CATEGORY_SAVE "catalog.category.save"
#define AUDIT_CATALOG_IMPORT "catalog.import"

/* How long the gateway may keep an anonymous caller's answer to a public catalogue read
 * (call->cache_public_max_age_s). Publishing drops every replica's copies at once (Redis
 * pub/sub); this bounds them only when that message is lost. */
#define CATALOG_PUBLIC_MAX_AGE_S 30

/* --- the snapshot's cache (cache.c) --------------------------------------------------------- */

/* After a transaction that changed what the catalogue serves (it bumped catalog_generation to
 * `generation`) committed: makes this process and every other replica (and every gateway's
 * response cache) drop what they hold. Redis being down is logged; the others then catch up
 * within CATALOG_PUBLIC_MAX_AGE_S. Never fails the caller. */
void catalog_cache_invalidate(call_t *call, int64_t generation);

/* --- ehall.catalog.v1.Catalog (read.c) ------------------------------------------------------- */
void catalog_get_home(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                      eh_err_t *err);
void catalog_list_categories(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                             eh_err_t *err);
void catalog_search_services(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                             eh_err_t *err);
void catalog_get_service(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                         eh_err_t *err);
void catalog_record_view(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                         eh_err_t *err);
void catalog_get_template(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                          eh_err_t *err);

/* --- ehall.catalog.v1.MyServices (mine.c) ------------------------------------------------- */
void catalog_list_favourites(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                             eh_err_t *err);
void catalog_add_favourite(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                           eh_err_t *err);
void catalog_remove_favourite(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                              eh_err_t *err);
void catalog_list_recent(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                         eh_err_t *err);

/* --- ehall.catalog.v1.CatalogAdmin (admin.c) ---------------------------------------------- */
void catalog_list_managed(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                          eh_err_t *err);
void catalog_create_service(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                            eh_err_t *err);
void catalog_save_draft(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                        eh_err_t *err);
void catalog_discard_draft(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                           eh_err_t *err);
void catalog_list_versions(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                           eh_err_t *err);
void catalog_get_version(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                         eh_err_t *err);
void catalog_diff_versions(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                           eh_err_t *err);
void catalog_publish(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                     eh_err_t *err);
void catalog_unpublish(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                       eh_err_t *err);
void catalog_upload_template(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                             eh_err_t *err);
void catalog_save_category(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                           eh_err_t *err);

/* --- `ehall-core import catalog FILE [apply]` (import.c) ------------------------------------ */

/* The demo's (and an operator's) bulk load: a JSON file {"categories": [Category…],
 * "services": [{"code", "ownerUnit", "publish": bool, "guide": Guide}…]} (proto3 JSON names).
 * Every entry is checked as SaveCategory / CreateService / SaveDraft check it; without apply it
 * only prints what would change; with apply it saves categories, creates services or saves
 * their drafts where the guide differs from the latest version, and publishes those marked
 * "publish", all in one transaction (nothing on any error). A second run changes nothing.
 * Prints its report to stdout. */
bool catalog_import_file(call_t *call, const char *path, bool apply, eh_err_t *err);

/* The CLI around it: argv is {"catalog", FILE[, "apply"]}. Exit status. */
struct core_config;
int catalog_cli_import(const struct core_config *cfg, int argc, char **argv);

/* --- for other areas (lookup.c) --------------------------------------------------------------- */

/* A service as other areas (forms, booking, approvals) need it. Strings are owned by the call's
 * arena or by the snapshot the call holds. */
typedef struct catalog_service_ref {
  int64_t id;
  const char *code, *name, *name_en;
  const char *owner_code, *owner_name;
  int mode; /* ehall.catalog.v1.HandlingMode of the published guide; 0 when none is published */
} catalog_service_ref_t;

/* The published service with this code as the caller may see it (the audience rules of
 * GetService): NOT_FOUND (on field `field`) for a code that is not published or not offered
 * to him. Answers from the in-process snapshot, checked against the catalogue's generation at
 * most CATALOG_LOOKUP_MAX_AGE_MS ago (a booking rush asks this thousands of times a second). */
#define CATALOG_LOOKUP_MAX_AGE_MS 1000
bool catalog_service_for_caller(call_t *call, const char *code, const char *field,
                                catalog_service_ref_t *out, eh_err_t *err);
/* The service with this code in any state, for the admins of its owning unit (or a unit above
 * it) and hall admins; NOT_FOUND for others when it is not published, PERMISSION_DENIED when it
 * is (as the catalogue's editing calls answer). */
bool catalog_service_for_admin(call_t *call, const char *code, catalog_service_ref_t *out,
                               eh_err_t *err);

#endif
