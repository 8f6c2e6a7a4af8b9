/*
 * import.c — `ehall-core import catalog FILE [apply]`: loads categories and services from a
 * JSON file (the demo's, or an operator's migration from an old portal), as catalog.h says.
 *
 * Every entry is checked as the admin API checks it (guide_rules, open units, known codes).
 * The whole file runs in one transaction: without apply it is rolled back at the end, so the
 * report of a dry run is exactly what apply would do. A service whose latest version already
 * holds the file's guide is left alone (guides are compared as the transcoder prints them from
 * the parsed message, so key order and spacing in the file do not matter): a second run
 * changes nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/catalog/catalog.h"
#include "core/catalog/catalog_internal.h"
#include "core/catalog/guide_rules.h"
#include "core/common/csv.h"
#include "core/common/log.h"
#include "core/common/transcode.h"
#include "core/config.h"
#include "core/identity/audit.h"
#include "core/store/catalog_store.h"
#include "core/store/redis.h"

#define IMPORT_MAX_BYTES (16u * 1024 * 1024)

typedef struct entry {
  const char *code, *owner;
  bool publish;
  Ehall__Catalog__V1__Guide *guide;
  const char *json; /* canonical */
} entry_t;

typedef struct import_tx {
  call_t *call;
  bool apply;
  store_catalog_category_t *cats;
  size_t n_cats;
  entry_t *entries;
  size_t n_entries;
  int cats_saved, created, changed, published, unchanged;
  int64_t generation;
  bool rolled_back; /* the dry run's deliberate rollback */
} import_tx_t;

static bool bad_entry(eh_err_t *err, const char *what, size_t i, const char *code) {
  char zh[sizeof err->message], en[sizeof err->message_en];
  snprintf(zh, sizeof zh, "%s第 %zu 项（%.64s）：%.150s", what, i + 1, code ? code : "?",
           err->message);
  snprintf(en, sizeof en, "%s entry %zu (%.64s): %.150s", what, i + 1, code ? code : "?",
           err->message_en);
  snprintf(err->message, sizeof err->message, "%s", zh);
  snprintf(err->message_en, sizeof err->message_en, "%s", en);
  return false;
}

static bool category_same(const store_catalog_category_t *a, const store_catalog_category_t *b) {
  return a->kind == b->kind && !strcmp(a->name, b->name) && !strcmp(a->name_en, b->name_en) &&
         !strcmp(a->icon, b->icon) && a->sort_order == b->sort_order;
}

static bool import_fn(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  import_tx_t *t = ud;
  store_catalog_category_t *have;
  size_t n_have;
  if (!store_catalog_categories(a, conn, &have, &n_have, err))
    return false;
  for (size_t i = 0; i < t->n_cats; i++) {
    bool same = false;
    for (size_t j = 0; j < n_have && !same; j++)
      same = !strcmp(have[j].code, t->cats[i].code) && category_same(&have[j], &t->cats[i]);
    if (same)
      continue;
    if (!store_catalog_category_upsert(a, conn, &t->cats[i], err))
      return false;
    t->cats_saved++;
  }
  /* The codes guides may use, after the file's categories are in. */
  if (!store_catalog_categories(a, conn, &have, &n_have, err))
    return false;
  guide_known_t known;
  catalog__known_codes(a, have, n_have, &known);
  for (size_t i = 0; i < t->n_entries; i++) {
    entry_t *e = &t->entries[i];
    if (!guide_validate(e->guide, &known, err))
      return bad_entry(err, "服务", i, e->code);
    int64_t owner_id;
    bool found;
    if (!store_catalog_unit_open(a, conn, e->owner, &owner_id, &found, err))
      return false;
    if (!found) {
      eh_err_set(err, EH_INVALID, "ownerUnit", "所属部门“%s”不存在或已撤销",
                 "the owning unit \"%s\" does not exist or is closed", e->owner);
      return bad_entry(err, "服务", i, e->code);
    }
    for (size_t u = 0; u < e->guide->n_audience_units; u++) {
      int64_t id;
      if (!store_catalog_unit_open(a, conn, e->guide->audience_units[u], &id, &found, err))
        return false;
      if (!found) {
        eh_err_set(err, EH_INVALID, "audienceUnits", "限定单位“%s”不存在或已撤销",
                   "the unit \"%s\" does not exist or is closed", e->guide->audience_units[u]);
        return bad_entry(err, "服务", i, e->code);
      }
    }
    store_catalog_service_t s;
    if (!store_catalog_service_get(a, conn, e->code, true, &s, &found, err))
      return false;
    bool changed = false;
    int draft = 0;
    if (!found) {
      int64_t id;
      if (!store_catalog_service_insert(a, conn, e->code, owner_id, 0, &id, err) ||
          !store_catalog_version_insert(a, conn, id, 1, e->guide->name, e->json, 0, err) ||
          !store_catalog_service_get(a, conn, e->code, true, &s, &found, err))
        return false;
      t->created++;
      draft = 1;
    } else {
      store_catalog_version_t v;
      bool vfound = false;
      if (!store_catalog_version_get(a, conn, s.id, s.latest_version, &v, &vfound, err))
        return false;
      const char *latest = NULL;
      if (vfound) {
        Ehall__Catalog__V1__Guide *g =
            catalog__guide_from_json(a, v.guide_json, strlen(v.guide_json), err);
        size_t len;
        if (g == NULL || (latest = catalog__guide_to_json(a, g, &len, err)) == NULL)
          return false;
      }
      changed = latest == NULL || strcmp(latest, e->json) != 0;
      if (changed) {
        if (s.draft_version != 0) {
          if (!store_catalog_draft_update(a, conn, s.id, s.draft_version, e->guide->name, e->json,
                                          0, err))
            return false;
          draft = s.draft_version;
        } else {
          draft = s.latest_version + 1;
          if (!store_catalog_version_insert(a, conn, s.id, draft, e->guide->name, e->json, 0, err))
            return false;
        }
        t->changed++;
      } else {
        draft = s.draft_version; /* the file's guide is the open draft, or already published */
      }
    }
    if (e->publish && draft != 0) {
      if ((s.published_version != 0 &&
           !store_catalog_version_set_state(a, conn, s.id, s.published_version,
                                            STORE_VERSION_SUPERSEDED, 0, err)) ||
          !store_catalog_version_set_state(a, conn, s.id, draft, STORE_VERSION_PUBLISHED, 0, err) ||
          !store_catalog_service_set_state(a, conn, s.id, STORE_SERVICE_PUBLISHED, err))
        return false;
      t->published++;
    } else if (found && !changed) {
      t->unchanged++;
    }
  }
  if (t->cats_saved + t->created + t->changed + t->published > 0) {
    if (!store_catalog_generation_bump(a, conn, &t->generation, err) ||
        !audit_append_tx(t->call, a, conn, AUDIT_CATALOG_IMPORT, "catalog",
                         arena_printf(a,
                                      "{\"categories\":%d,\"created\":%d,\"changed\":%d,"
                                      "\"published\":%d}",
                                      t->cats_saved, t->created, t->changed, t->published),
                         err))
      return false;
  }
  if (!t->apply) {
    t->rolled_back = true;
    return false; /* a dry run: roll everything back */
  }
  return true;
}

/* The file's categories and services, parsed by the proto3 JSON mapping (CatalogFile) and
 * checked one by one (in call->arena). */
static bool parse_file(call_t *call, const char *text, size_t len, import_tx_t *t, eh_err_t *err) {
  arena_t *a = call->arena;
  static const transcode_schema_t schema = {0};
  eh_err_t perr = EH_ERR_INIT;
  const Ehall__Catalog__V1__CatalogFile *f =
      (const Ehall__Catalog__V1__CatalogFile *)transcode_json_to_pb(
          a, &schema, &ehall__catalog__v1__catalog_file__descriptor, text, len, &perr);
  if (f == NULL)
    return eh_err_set(err, EH_INVALID, perr.nfields > 0 ? perr.fields[0].field : NULL,
                      "文件格式不对：%.60s %.120s", "the file is malformed: %.60s %.120s",
                      perr.nfields > 0 ? perr.fields[0].field : "", perr.message_en);
  t->cats = arena_zalloc(a, (f->n_categories + 1) * sizeof *t->cats);
  t->entries = arena_zalloc(a, (f->n_services + 1) * sizeof *t->entries);
  for (size_t i = 0; i < f->n_categories; i++) {
    const Ehall__Catalog__V1__Category *c = f->categories[i];
    if (!guide_category_check(c->code, c, err))
      return bad_entry(err, "分类", i, c->code);
    t->cats[t->n_cats++] = (store_catalog_category_t){
        c->code, c->kind, c->name, c->name_en, c->icon ? c->icon : "", c->sort_order};
  }
  for (size_t i = 0; i < f->n_services; i++) {
    const Ehall__Catalog__V1__CatalogFileService *fs = f->services[i];
    entry_t *e = &t->entries[t->n_entries];
    *e = (entry_t){
        .code = fs->code, .owner = fs->owner_unit, .publish = fs->publish, .guide = fs->guide};
    if (!guide_code_check(e->code, err))
      return bad_entry(err, "服务", i, e->code);
    for (size_t k = 0; k < t->n_entries; k++)
      if (!strcmp(t->entries[k].code, e->code)) {
        eh_err_set(err, EH_INVALID, "code", "服务代码重复", "the code appears twice");
        return bad_entry(err, "服务", i, e->code);
      }
    if (e->guide == NULL) {
      eh_err_set(err, EH_INVALID, "guide", "缺少服务指南", "the guide is missing");
      return bad_entry(err, "服务", i, e->code);
    }
    size_t jl;
    if ((e->json = catalog__guide_to_json(a, e->guide, &jl, err)) == NULL)
      return bad_entry(err, "服务", i, e->code);
    t->n_entries++;
  }
  return true;
}

bool catalog_import_file(call_t *call, const char *path, bool apply, eh_err_t *err) {
  size_t len = 0;
  char *text = csv_read_file(path, IMPORT_MAX_BYTES, &len);
  if (text == NULL)
    return eh_err_set(err, EH_INVALID, NULL, "无法读取文件 %s", "cannot read %s", path);
  if (len > IMPORT_MAX_BYTES) {
    free(text);
    return eh_err_set(err, EH_RESOURCE_EXHAUSTED, NULL, "文件超过 16 MiB",
                      "the file exceeds 16 MiB");
  }
  import_tx_t t = {.call = call, .apply = apply};
  bool ok = parse_file(call, text, len, &t, err);
  free(text);
  if (!ok)
    return false;
  ok = store_pg_tx(call->arena, call->pg, call->deadline_ms, import_fn, &t, err);
  if (!ok && !t.rolled_back)
    return false;
  if (apply && t.generation > 0)
    catalog_cache_invalidate(call, t.generation);
  printf("%s: categories saved %d; services created %d, changed %d, published %d, unchanged %d\n",
         apply ? "applied" : "dry run (nothing stored; add \"apply\")", t.cats_saved, t.created,
         t.changed, t.published, t.unchanged);
  return true;
}

int catalog_cli_import(const struct core_config *cfg, int argc, char **argv) {
  bool apply = argc == 3 && strcmp(argv[2], "apply") == 0;
  if (argc < 2 || argc > 3 || (argc == 3 && !apply)) {
    fprintf(stderr, "usage: ehall-core import catalog FILE [apply]\n");
    return 2;
  }
  store_pg_pool_t *pg = store_pg_pool_create(cfg->pg_dsn, 1, 5000);
  store_redis_pool_t *redis =
      store_redis_pool_create(cfg->redis_host, (int)cfg->redis_port, 1, 2000);
  call_t call = {
      .arena = arena_create(0),
      .method = "cli:import-catalog",
      .language = "zh-CN",
      .deadline_ms = INT64_MAX,
      .pg = pg,
      .redis = redis,
      .cfg = cfg,
  }; /* principal anonymous: the audit row's actor is "cli" */
  eh_err_t err = EH_ERR_INIT;
  int rc = 0;
  if (!catalog_import_file(&call, argv[1], apply, &err)) {
    fprintf(stderr, "import failed: %s (%s)\n", err.message, err.message_en);
    if (err.nfields > 0)
      fprintf(stderr, "  field: %s\n", err.fields[0].field);
    if (err.detail[0] != '\0')
      LOG_ERROR(CATALOG_MODULE, "import failed status=%s detail=%s", eh_status_name(err.code),
                err.detail);
    rc = 1;
  }
  arena_destroy(call.arena);
  store_redis_pool_destroy(redis);
  store_pg_pool_destroy(pg);
  return rc;
}
