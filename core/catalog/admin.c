/*
 * admin.c — departments maintain their services (ehall.catalog.v1.CatalogAdmin): create,
 * drafts, versions and their diff, publish and unpublish, template files, categories.
 *
 * Access (catalog.h): hall admins, and the admins of the owning unit or a unit above it, read
 * from account_roles on every call (org_caller_admins_unit) before the transaction starts, so a
 * change never holds a connection while it asks for another. Someone else gets NOT_FOUND for a
 * service that is not published (its existence is not public) and PERMISSION_DENIED for one
 * that is. Every change locks the service's row first (FOR UPDATE), so saves and publishes of
 * one service run one at a time, and writes its audit row in its own transaction; a publish or
 * unpublish also bumps the catalogue's generation there, and after COMMIT tells every replica
 * (catalog_cache_invalidate).
 */
#include <string.h>

#include "core/catalog/catalog.h"
#include "core/catalog/catalog_internal.h"
#include "core/catalog/guide_rules.h"
#include "core/catalog/snapshot.h"
#include "core/common/crypto.h"
#include "core/common/pbtime.h"
#include "core/common/text.h"
#include "core/identity/audit.h"
#include "core/org/org.h"
#include "core/store/catalog_store.h"

#define MANAGED_PAGE_DEFAULT 50
#define MANAGED_PAGE_MAX 100
#define UNPUBLISH_REASON_MAX 200

typedef Ehall__Catalog__V1__Guide guide_t;

/* --- shared pieces ------------------------------------------------------------------------- */

static bool not_found(eh_err_t *err) {
  return eh_err_set(err, EH_NOT_FOUND, "code", "没有这个服务，或您无权管理它",
                    "no such service, or you may not manage it");
}

static bool signed_in(call_t *call, eh_err_t *err) {
  if (call->principal.actor == CALL_USER)
    return true;
  return eh_err_set(err, EH_PERMISSION_DENIED, NULL, "只有部门管理员可以维护服务指南",
                    "only department admins maintain service guides");
}

/* Loads the service and decides whether the caller may edit it (*svc filled when found). For
 * a change (change true) to a published service of someone else's: PERMISSION_DENIED; for
 * anything else he may not do: NOT_FOUND (drafts and versions are not public). */
static bool editable(call_t *call, const char *code, bool change, store_catalog_service_t *svc,
                     eh_err_t *err) {
  if (!signed_in(call, err))
    return false;
  eh_err_t ignored = EH_ERR_INIT;
  if (code == NULL || !guide_code_check(code, &ignored))
    return not_found(err);
  store_pg_conn_t *conn = store_pg_acquire(call->arena, call->pg, call->deadline_ms, err);
  if (conn == NULL)
    return false;
  bool found = false;
  bool ok = store_catalog_service_get(call->arena, conn, code, false, svc, &found, err);
  store_pg_release(conn);
  if (!ok)
    return false;
  if (!found)
    return not_found(err);
  bool may = false;
  if (!org_caller_admins_unit(call, svc->owner_code, &may, err))
    return false;
  if (may)
    return true;
  if (change && svc->state == STORE_SERVICE_PUBLISHED)
    return org_denied(err, "只有服务所属部门的管理员可以修改此服务",
                      "only the admins of the service's department may change it");
  return not_found(err);
}

bool catalog_service_for_admin(call_t *call, const char *code, catalog_service_ref_t *out,
                               eh_err_t *err) {
  store_catalog_service_t svc;
  if (!editable(call, code, true, &svc, err))
    return false;
  memset(out, 0, sizeof *out);
  out->id = svc.id;
  out->code = svc.code;
  out->name = svc.name;
  out->name_en = ""; /* the published guide's, below, when there is one */
  out->owner_code = svc.owner_code;
  out->owner_name = svc.owner_name;
  if (svc.state == STORE_SERVICE_PUBLISHED) {
    const catalog_snapshot_t *s = catalog__snapshot(call, err);
    if (s == NULL)
      return false;
    const catalog_entry_t *e = catalog__snapshot_find(s, svc.code);
    if (e != NULL) {
      out->name = e->guide->name;
      out->name_en = e->guide->name_en;
      out->mode = (int)e->guide->mode;
    }
  }
  return true;
}

/* The category and theme codes guides may use. */
static bool known_codes(call_t *call, store_pg_conn_t *conn, guide_known_t *known, eh_err_t *err) {
  store_catalog_category_t *cats;
  size_t n;
  if (!store_catalog_categories(call->arena, conn, &cats, &n, err))
    return false;
  catalog__known_codes(call->arena, cats, n, known);
  return true;
}

/* What needs the database: audience units open, template files stored. Inside the tx. */
static bool check_references(call_t *call, store_pg_conn_t *conn, const guide_t *g, eh_err_t *err) {
  arena_t *a = call->arena;
  for (size_t i = 0; i < g->n_audience_units; i++) {
    int64_t id;
    bool found;
    const char *code = g->audience_units[i] ? g->audience_units[i] : "";
    if (!store_catalog_unit_open(a, conn, code, &id, &found, err))
      return false;
    if (!found)
      return eh_err_set(err, EH_INVALID, arena_printf(a, "audience_units[%zu]", i),
                        "限定单位“%.40s”不存在或已撤销",
                        "the unit \"%.40s\" does not exist or is closed", code);
  }
  if (g->n_templates == 0)
    return true;
  const char **ids = arena_alloc(a, g->n_templates * sizeof *ids);
  for (size_t i = 0; i < g->n_templates; i++)
    ids[i] = g->templates[i]->file_id ? g->templates[i]->file_id : "";
  store_catalog_template_meta_t *meta;
  size_t n;
  if (!store_catalog_templates_meta(a, conn, ids, g->n_templates, &meta, &n, err))
    return false;
  for (size_t i = 0; i < g->n_templates; i++) {
    bool found = false;
    for (size_t j = 0; j < n && !found; j++)
      found = strcmp(meta[j].sha256, ids[i]) == 0;
    if (!found)
      return eh_err_set(err, EH_INVALID, arena_printf(a, "templates[%zu].file_id", i),
                        "第 %zu 个表格文件不存在，请重新上传",
                        "template %zu was not found; upload it again", i + 1);
  }
  return true;
}

static Ehall__Catalog__V1__ManagedService *
managed_message(arena_t *a, const store_catalog_service_t *s, guide_t *draft) {
  Ehall__Catalog__V1__ManagedService *m = arena_alloc(a, sizeof *m);
  ehall__catalog__v1__managed_service__init(m);
  m->code = (char *)s->code;
  m->owner_unit = (char *)s->owner_code;
  m->owner_unit_name = (char *)s->owner_name;
  m->state = s->state;
  m->published_version = s->published_version;
  m->draft_version = s->draft_version;
  m->name = (char *)s->name;
  m->updated_at = s->updated_us ? pbtime_from_us(a, s->updated_us) : NULL;
  m->published_at = s->published_us ? pbtime_from_us(a, s->published_us) : NULL;
  m->draft = draft;
  return m;
}

/* The service as it is after a change (re-read in the same transaction). */
static bool reload(call_t *call, store_pg_conn_t *conn, const char *code,
                   store_catalog_service_t *out, eh_err_t *err) {
  bool found = false;
  if (!store_catalog_service_get(call->arena, conn, code, false, out, &found, err))
    return false;
  return found || not_found(err);
}

static const char *audit_target(arena_t *a, const char *code) {
  return arena_printf(a, "service:%s", code);
}

/* --- CreateService -----------------------------------------------------------------------------
 */

typedef struct create_tx {
  call_t *call;
  const Ehall__Catalog__V1__CreateServiceRequest *in;
  const char *json;
  store_catalog_service_t out;
} create_tx_t;

static bool create_fn(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  create_tx_t *c = ud;
  guide_known_t known;
  if (!known_codes(c->call, conn, &known, err) || !guide_validate(c->in->guide, &known, err))
    return false;
  int64_t owner_id;
  bool found;
  if (!store_catalog_unit_open(a, conn, c->in->owner_unit, &owner_id, &found, err))
    return false;
  if (!found)
    return eh_err_set(err, EH_INVALID, "owner_unit", "所属部门不存在或已撤销",
                      "the owning unit does not exist or is closed");
  if (!check_references(c->call, conn, c->in->guide, err))
    return false;
  int64_t id;
  if (!store_catalog_service_insert(a, conn, c->in->code, owner_id, c->call->principal.account_id,
                                    &id, err)) {
    if (err->code == EH_ALREADY_EXISTS) {
      eh_err_clear(err);
      eh_err_set(err, EH_ALREADY_EXISTS, "code", "服务代码“%s”已被使用，请换一个",
                 "the service code \"%s\" is taken; choose another", c->in->code);
    }
    return false;
  }
  if (!store_catalog_version_insert(a, conn, id, 1, c->in->guide->name, c->json,
                                    c->call->principal.account_id, err))
    return false;
  if (!audit_append_tx(c->call, a, conn, AUDIT_CATALOG_SERVICE_CREATE, audit_target(a, c->in->code),
                       arena_printf(a, "{\"owner\":\"%s\",\"version\":1}", c->in->owner_unit), err))
    return false;
  return reload(c->call, conn, c->in->code, &c->out, err);
}

void catalog_create_service(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                            eh_err_t *err) {
  const Ehall__Catalog__V1__CreateServiceRequest *in =
      (const Ehall__Catalog__V1__CreateServiceRequest *)req;
  if (!signed_in(call, err) || !guide_code_check(in->code, err))
    return;
  if (in->owner_unit == NULL || in->owner_unit[0] == '\0') {
    eh_err_set(err, EH_INVALID, "owner_unit", "请选择服务所属部门", "choose the owning department");
    return;
  }
  if (in->guide == NULL) {
    eh_err_set(err, EH_INVALID, "guide", "请填写服务指南", "the guide is required");
    return;
  }
  bool may = false;
  if (!org_caller_admins_unit(call, in->owner_unit, &may, err))
    return;
  if (!may) {
    org_denied(err, "只有该部门的管理员可以为其新建服务",
               "only the department's admins may create its services");
    return;
  }
  size_t len;
  create_tx_t c = {.call = call, .in = in};
  c.json = catalog__guide_to_json(call->arena, in->guide, &len, err);
  if (c.json == NULL || !store_pg_tx(call->arena, call->pg, call->deadline_ms, create_fn, &c, err))
    return;
  *resp = &managed_message(call->arena, &c.out, in->guide)->base;
}

/* --- SaveDraft, DiscardDraft
 * ---------------------------------------------------------------------- */

typedef struct draft_tx {
  call_t *call;
  const char *code;
  const guide_t *guide;
  const char *json;
  int expected;
  store_catalog_service_t out;
} draft_tx_t;

static bool lock_service(arena_t *a, store_pg_conn_t *conn, const char *code,
                         store_catalog_service_t *s, eh_err_t *err) {
  bool found = false;
  if (!store_catalog_service_get(a, conn, code, true, s, &found, err))
    return false;
  return found || not_found(err);
}

static bool save_fn(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  draft_tx_t *d = ud;
  guide_known_t known;
  if (!known_codes(d->call, conn, &known, err) || !guide_validate(d->guide, &known, err) ||
      !check_references(d->call, conn, d->guide, err))
    return false;
  store_catalog_service_t s;
  if (!lock_service(a, conn, d->code, &s, err))
    return false;
  if (d->expected != 0 && s.draft_version != d->expected)
    return eh_err_set(err, EH_CONFLICT, "expected_draft_version",
                      "该服务已被他人修改（当前草稿为第 %d 版），请刷新后合并您的修改",
                      "someone else changed this service (the draft is now version %d); reload "
                      "and merge your changes",
                      s.draft_version);
  int64_t who = d->call->principal.account_id;
  int version = s.draft_version;
  if (version != 0) {
    if (!store_catalog_draft_update(a, conn, s.id, version, d->guide->name, d->json, who, err))
      return false;
  } else {
    version = s.latest_version + 1;
    if (!store_catalog_version_insert(a, conn, s.id, version, d->guide->name, d->json, who, err))
      return false;
  }
  if (!store_catalog_service_set_state(a, conn, s.id, s.state, err) ||
      !audit_append_tx(d->call, a, conn, AUDIT_CATALOG_DRAFT_SAVE, audit_target(a, d->code),
                       arena_printf(a, "{\"version\":%d}", version), err))
    return false;
  return reload(d->call, conn, d->code, &d->out, err);
}

void catalog_save_draft(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                        eh_err_t *err) {
  const Ehall__Catalog__V1__SaveDraftRequest *in =
      (const Ehall__Catalog__V1__SaveDraftRequest *)req;
  store_catalog_service_t svc;
  if (!editable(call, in->code, true, &svc, err))
    return;
  if (in->guide == NULL) {
    eh_err_set(err, EH_INVALID, "guide", "请填写服务指南", "the guide is required");
    return;
  }
  size_t len;
  draft_tx_t d = {
      .call = call, .code = in->code, .guide = in->guide, .expected = in->expected_draft_version};
  d.json = catalog__guide_to_json(call->arena, in->guide, &len, err);
  if (d.json == NULL || !store_pg_tx(call->arena, call->pg, call->deadline_ms, save_fn, &d, err))
    return;
  *resp = &managed_message(call->arena, &d.out, in->guide)->base;
}

static bool discard_fn(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  draft_tx_t *d = ud;
  store_catalog_service_t s;
  if (!lock_service(a, conn, d->code, &s, err))
    return false;
  if (s.draft_version == 0)
    return eh_err_set(err, EH_FAILED_PRECONDITION, NULL, "该服务没有草稿",
                      "the service has no draft");
  if (!store_catalog_version_set_state(a, conn, s.id, s.draft_version, STORE_VERSION_DISCARDED,
                                       d->call->principal.account_id, err) ||
      !store_catalog_service_set_state(a, conn, s.id, s.state, err) ||
      !audit_append_tx(d->call, a, conn, AUDIT_CATALOG_DRAFT_DISCARD, audit_target(a, d->code),
                       arena_printf(a, "{\"version\":%d}", s.draft_version), err))
    return false;
  return reload(d->call, conn, d->code, &d->out, err);
}

void catalog_discard_draft(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                           eh_err_t *err) {
  const Ehall__Catalog__V1__DiscardDraftRequest *in =
      (const Ehall__Catalog__V1__DiscardDraftRequest *)req;
  store_catalog_service_t svc;
  if (!editable(call, in->code, true, &svc, err))
    return;
  draft_tx_t d = {.call = call, .code = in->code};
  if (!store_pg_tx(call->arena, call->pg, call->deadline_ms, discard_fn, &d, err))
    return;
  *resp = &managed_message(call->arena, &d.out, NULL)->base;
}

/* --- PublishService, UnpublishService -----------------------------------------------------------
 */

typedef struct publish_tx {
  call_t *call;
  const char *code;
  int version;
  const char *reason;
  int64_t generation;
  store_catalog_service_t out;
} publish_tx_t;

static bool publish_fn(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  publish_tx_t *p = ud;
  store_catalog_service_t s;
  if (!lock_service(a, conn, p->code, &s, err))
    return false;
  if (s.draft_version == 0)
    return eh_err_set(err, EH_FAILED_PRECONDITION, "version",
                      "该服务没有待发布的草稿，请先保存草稿",
                      "the service has no draft to publish; save one first");
  if (p->version != s.draft_version)
    return eh_err_set(err, EH_CONFLICT, "version", "草稿已更新为第 %d 版，请预览最新草稿后再发布",
                      "the draft is now version %d; preview it before publishing", s.draft_version);
  int64_t who = p->call->principal.account_id;
  /* Retire the served version first: at most one may be published (a unique index). */
  if (s.published_version != 0 &&
      !store_catalog_version_set_state(a, conn, s.id, s.published_version, STORE_VERSION_SUPERSEDED,
                                       who, err))
    return false;
  if (!store_catalog_version_set_state(a, conn, s.id, s.draft_version, STORE_VERSION_PUBLISHED, who,
                                       err) ||
      !store_catalog_service_set_state(a, conn, s.id, STORE_SERVICE_PUBLISHED, err) ||
      !store_catalog_generation_bump(a, conn, &p->generation, err) ||
      !audit_append_tx(
          p->call, a, conn, AUDIT_CATALOG_PUBLISH, audit_target(a, p->code),
          arena_printf(a, "{\"version\":%d,\"previous\":%d}", s.draft_version, s.published_version),
          err))
    return false;
  return reload(p->call, conn, p->code, &p->out, err);
}

void catalog_publish(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                     eh_err_t *err) {
  const Ehall__Catalog__V1__PublishServiceRequest *in =
      (const Ehall__Catalog__V1__PublishServiceRequest *)req;
  store_catalog_service_t svc;
  if (!editable(call, in->code, true, &svc, err))
    return;
  if (in->version <= 0) {
    eh_err_set(err, EH_INVALID, "version", "请指明要发布的草稿版本",
               "name the draft version to publish");
    return;
  }
  publish_tx_t p = {.call = call, .code = in->code, .version = in->version};
  if (!store_pg_tx(call->arena, call->pg, call->deadline_ms, publish_fn, &p, err))
    return;
  catalog_cache_invalidate(call, p.generation);
  *resp = &managed_message(call->arena, &p.out, NULL)->base;
}

static bool unpublish_fn(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  publish_tx_t *p = ud;
  store_catalog_service_t s;
  if (!lock_service(a, conn, p->code, &s, err))
    return false;
  if (s.published_version == 0)
    return eh_err_set(err, EH_FAILED_PRECONDITION, NULL, "该服务尚未发布",
                      "the service is not published");
  if (!store_catalog_version_set_state(a, conn, s.id, s.published_version, STORE_VERSION_SUPERSEDED,
                                       p->call->principal.account_id, err) ||
      !store_catalog_service_set_state(a, conn, s.id, STORE_SERVICE_UNPUBLISHED, err) ||
      !store_catalog_generation_bump(a, conn, &p->generation, err) ||
      !audit_append_tx(p->call, a, conn, AUDIT_CATALOG_UNPUBLISH, audit_target(a, p->code),
                       arena_printf(a, "{\"version\":%d,\"reason\":%s}", s.published_version,
                                    catalog__json_str(a, p->reason)),
                       err))
    return false;
  return reload(p->call, conn, p->code, &p->out, err);
}

void catalog_unpublish(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                       eh_err_t *err) {
  const Ehall__Catalog__V1__UnpublishServiceRequest *in =
      (const Ehall__Catalog__V1__UnpublishServiceRequest *)req;
  store_catalog_service_t svc;
  if (!editable(call, in->code, true, &svc, err))
    return;
  const char *reason = in->reason ? in->reason : "";
  long chars = text_utf8_length(reason, strlen(reason));
  if (chars < 0 || chars > UNPUBLISH_REASON_MAX) {
    eh_err_set(err, EH_INVALID, "reason", "下线原因不能超过 %d 个字",
               "the reason must be at most %d characters", UNPUBLISH_REASON_MAX);
    return;
  }
  publish_tx_t p = {.call = call, .code = in->code, .reason = reason};
  if (!store_pg_tx(call->arena, call->pg, call->deadline_ms, unpublish_fn, &p, err))
    return;
  catalog_cache_invalidate(call, p.generation);
  *resp = &managed_message(call->arena, &p.out, NULL)->base;
}

/* --- ListVersions, GetVersion, DiffVersions ------------------------------------------------------
 */

static Ehall__Catalog__V1__Version *version_message(arena_t *a, const char *code,
                                                    const store_catalog_version_t *v) {
  Ehall__Catalog__V1__Version *m = arena_alloc(a, sizeof *m);
  ehall__catalog__v1__version__init(m);
  m->code = (char *)code;
  m->version = v->version;
  m->state = v->state;
  m->created_by = (char *)v->created_by;
  m->created_by_name = (char *)v->created_by_name;
  m->created_at = v->created_us ? pbtime_from_us(a, v->created_us) : NULL;
  m->updated_by = (char *)v->updated_by;
  m->updated_at = v->updated_us ? pbtime_from_us(a, v->updated_us) : NULL;
  m->published_by = (char *)v->published_by;
  m->published_at = v->published_us ? pbtime_from_us(a, v->published_us) : NULL;
  m->retired_at = v->retired_us ? pbtime_from_us(a, v->retired_us) : NULL;
  return m;
}

void catalog_list_versions(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                           eh_err_t *err) {
  const Ehall__Catalog__V1__ListVersionsRequest *in =
      (const Ehall__Catalog__V1__ListVersionsRequest *)req;
  store_catalog_service_t svc;
  if (!editable(call, in->code, false, &svc, err))
    return;
  arena_t *a = call->arena;
  store_pg_conn_t *conn = store_pg_acquire(a, call->pg, call->deadline_ms, err);
  store_catalog_version_t *vs;
  size_t n;
  if (conn == NULL || !store_catalog_versions(a, conn, svc.id, &vs, &n, err))
    return;
  Ehall__Catalog__V1__ListVersionsReply *out = arena_alloc(a, sizeof *out);
  ehall__catalog__v1__list_versions_reply__init(out);
  out->versions = arena_alloc(a, (n + 1) * sizeof *out->versions);
  for (size_t i = 0; i < n; i++)
    out->versions[out->n_versions++] = version_message(a, svc.code, &vs[i]);
  *resp = &out->base;
}

/* One version with its guide (templates' output fields filled). */
static bool load_version(call_t *call, store_pg_conn_t *conn, const store_catalog_service_t *svc,
                         int version, const char *field, store_catalog_version_t *v, guide_t **g,
                         eh_err_t *err) {
  arena_t *a = call->arena;
  bool found = false;
  if (version > 0 && !store_catalog_version_get(a, conn, svc->id, version, v, &found, err))
    return false;
  if (!found)
    return eh_err_set(err, EH_NOT_FOUND, field, "该服务没有第 %d 版",
                      "the service has no version %d", version);
  *g = catalog__guide_from_json(a, v->guide_json, strlen(v->guide_json), err);
  if (*g == NULL)
    return false;
  if ((*g)->n_templates > 0) {
    const char **ids = arena_alloc(a, (*g)->n_templates * sizeof *ids);
    for (size_t i = 0; i < (*g)->n_templates; i++)
      ids[i] = (*g)->templates[i]->file_id ? (*g)->templates[i]->file_id : "";
    store_catalog_template_meta_t *meta;
    size_t n;
    if (!store_catalog_templates_meta(a, conn, ids, (*g)->n_templates, &meta, &n, err))
      return false;
    catalog__fill_templates(a, *g, meta, n);
  }
  return true;
}

void catalog_get_version(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                         eh_err_t *err) {
  const Ehall__Catalog__V1__GetVersionRequest *in =
      (const Ehall__Catalog__V1__GetVersionRequest *)req;
  store_catalog_service_t svc;
  if (!editable(call, in->code, false, &svc, err))
    return;
  store_pg_conn_t *conn = store_pg_acquire(call->arena, call->pg, call->deadline_ms, err);
  store_catalog_version_t v;
  guide_t *g;
  if (conn == NULL || !load_version(call, conn, &svc, in->version, "version", &v, &g, err))
    return;
  Ehall__Catalog__V1__Version *m = version_message(call->arena, svc.code, &v);
  m->guide = g;
  *resp = &m->base;
}

void catalog_diff_versions(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                           eh_err_t *err) {
  const Ehall__Catalog__V1__DiffVersionsRequest *in =
      (const Ehall__Catalog__V1__DiffVersionsRequest *)req;
  store_catalog_service_t svc;
  if (!editable(call, in->code, false, &svc, err))
    return;
  if (in->from <= 0 || in->to <= 0 || in->from == in->to) {
    eh_err_set(err, EH_INVALID, in->from <= 0 ? "from" : "to", "请选择两个不同的版本进行比较",
               "choose two different versions to compare");
    return;
  }
  store_pg_conn_t *conn = store_pg_acquire(call->arena, call->pg, call->deadline_ms, err);
  store_catalog_version_t vf, vt;
  guide_t *gf, *gt;
  if (conn == NULL || !load_version(call, conn, &svc, in->from, "from", &vf, &gf, err) ||
      !load_version(call, conn, &svc, in->to, "to", &vt, &gt, err))
    return;
  Ehall__Catalog__V1__VersionDiff *out = arena_alloc(call->arena, sizeof *out);
  ehall__catalog__v1__version_diff__init(out);
  out->code = (char *)svc.code;
  out->from = in->from;
  out->to = in->to;
  out->n_changes = guide_diff(call->arena, gf, gt, call->language, &out->changes);
  *resp = &out->base;
}

/* --- ListManagedServices -------------------------------------------------------------------------
 */

void catalog_list_managed(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                          eh_err_t *err) {
  const Ehall__Catalog__V1__ListManagedServicesRequest *in =
      (const Ehall__Catalog__V1__ListManagedServicesRequest *)req;
  arena_t *a = call->arena;
  int size;
  int64_t offset;
  if (!signed_in(call, err) ||
      !paging_size(in->page_size, MANAGED_PAGE_DEFAULT, MANAGED_PAGE_MAX, &size, err) ||
      !paging_token_parse(in->page_token, 'm', &offset, err))
    return;
  const char *query = in->query ? in->query : "";
  if (text_utf8_length(query, strlen(query)) > 64 || text_utf8_length(query, strlen(query)) < 0) {
    eh_err_set(err, EH_INVALID, "query", "搜索词不能超过 64 个字",
               "the search text must be at most 64 characters");
    return;
  }
  bool hall = call_has_role(call, CALL_ROLE_HALL_ADMIN);
  store_pg_conn_t *conn = store_pg_acquire(a, call->pg, call->deadline_ms, err);
  store_catalog_service_t *list;
  size_t n;
  if (conn == NULL ||
      !store_catalog_managed(a, conn, hall ? 0 : call->principal.account_id, in->department, query,
                             size + 1, offset, &list, &n, err))
    return;
  Ehall__Catalog__V1__ListManagedServicesReply *out = arena_alloc(a, sizeof *out);
  ehall__catalog__v1__list_managed_services_reply__init(out);
  out->services = arena_alloc(a, (n + 1) * sizeof *out->services);
  for (size_t i = 0; i < n && i < (size_t)size; i++)
    out->services[out->n_services++] = managed_message(a, &list[i], NULL);
  if (n > (size_t)size)
    out->next_page_token = (char *)paging_token(a, 'm', offset + size);
  *resp = &out->base;
}

/* --- UploadTemplate
 * ------------------------------------------------------------------------------- */

typedef struct upload_tx {
  call_t *call;
  const Ehall__Catalog__V1__UploadTemplateRequest *in;
  const char *sha, *content_type;
} upload_tx_t;

static bool upload_fn(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  upload_tx_t *u = ud;
  int64_t owner_id;
  bool found;
  if (!store_catalog_unit_open(a, conn, u->in->owner_unit, &owner_id, &found, err))
    return false;
  if (!found)
    return eh_err_set(err, EH_INVALID, "owner_unit", "所属部门不存在或已撤销",
                      "the owning unit does not exist or is closed");
  return store_catalog_template_put(a, conn, u->sha, u->content_type, u->in->content.data,
                                    u->in->content.len, owner_id, u->call->principal.account_id,
                                    err) &&
         audit_append_tx(u->call, a, conn, AUDIT_CATALOG_TEMPLATE_UPLOAD,
                         arena_printf(a, "template:%s", u->sha),
                         arena_printf(a, "{\"owner\":\"%s\",\"size\":%zu}", u->in->owner_unit,
                                      u->in->content.len),
                         err);
}

void catalog_upload_template(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                             eh_err_t *err) {
  const Ehall__Catalog__V1__UploadTemplateRequest *in =
      (const Ehall__Catalog__V1__UploadTemplateRequest *)req;
  arena_t *a = call->arena;
  if (!signed_in(call, err))
    return;
  const char *owner = in->owner_unit ? in->owner_unit : "";
  bool may = false;
  if (!org_caller_admins_unit(call, owner, &may, err))
    return;
  if (!may) {
    org_denied(err, "只有该部门的管理员可以上传表格",
               "only the department's admins may upload its files");
    return;
  }
  upload_tx_t u = {.call = call, .in = in};
  if (!guide_template_check(in->name, in->content.len, &u.content_type, err))
    return;
  char *sha = arena_alloc(a, 2 * CRYPTO_SHA256_LEN + 1);
  crypto_sha256_hex(in->content.data, in->content.len, sha);
  u.sha = sha;
  if (!store_pg_tx(a, call->pg, call->deadline_ms, upload_fn, &u, err))
    return;
  Ehall__Catalog__V1__Template *t = arena_alloc(a, sizeof *t);
  ehall__catalog__v1__template__init(t);
  t->file_id = sha;
  t->name = in->name;
  t->content_type = (char *)u.content_type;
  t->size = (int64_t)in->content.len;
  t->download_url = (char *)catalog__template_url(a, sha, in->name);
  *resp = &t->base;
}

/* --- SaveCategory
 * ---------------------------------------------------------------------------------- */

typedef struct category_tx {
  call_t *call;
  store_catalog_category_t c;
  int64_t generation;
} category_tx_t;

static bool category_fn(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  category_tx_t *c = ud;
  return store_catalog_category_upsert(a, conn, &c->c, err) &&
         store_catalog_generation_bump(a, conn, &c->generation, err) &&
         audit_append_tx(c->call, a, conn, AUDIT_CATALOG_CATEGORY_SAVE,
                         arena_printf(a, "category:%s", c->c.code),
                         arena_printf(a, "{\"kind\":%d}", c->c.kind), err);
}

void catalog_save_category(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                           eh_err_t *err) {
  const Ehall__Catalog__V1__SaveCategoryRequest *in =
      (const Ehall__Catalog__V1__SaveCategoryRequest *)req;
  if (!call_has_role(call, CALL_ROLE_HALL_ADMIN)) {
    org_denied(err, "只有大厅管理员可以维护服务分类和主题",
               "only hall admins maintain categories and themes");
    return;
  }
  if (!guide_category_check(in->code, in->category, err))
    return;
  category_tx_t c = {.call = call,
                     .c = {.code = in->code,
                           .kind = in->category->kind,
                           .name = in->category->name,
                           .name_en = in->category->name_en,
                           .icon = in->category->icon ? in->category->icon : "",
                           .sort_order = in->category->sort_order}};
  if (!store_pg_tx(call->arena, call->pg, call->deadline_ms, category_fn, &c, err))
    return;
  catalog_cache_invalidate(call, c.generation);
  Ehall__Catalog__V1__Category *out = arena_alloc(call->arena, sizeof *out);
  *out = *in->category;
  out->code = in->code;
  out->service_count = 0;
  *resp = &out->base;
}
