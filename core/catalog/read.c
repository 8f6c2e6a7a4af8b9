/*
 * read.c — the public catalogue (ehall.catalog.v1.Catalog): home, categories, search and lists,
 * one guide, view counting, template downloads. Every read answers from the in-process
 * snapshot (snapshot.h); only the caller-specific parts (favourite marks, can_edit, a
 * restricted audience's units) ask PostgreSQL, and only for signed-in callers.
 *
 * Audience: anonymous callers see guides for everyone that are not limited to units; students
 * also those for students, staff those for staff; a guide limited to units only people whose
 * current units lie in one of them; hall admins everything. Outside it a guide does not exist
 * (NOT_FOUND, and absent from every list and count). Answers to anonymous callers are the same
 * for all of them, so they carry a public cache age for the gateway (catalog.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/catalog/catalog.h"
#include "core/catalog/catalog_internal.h"
#include "core/catalog/read_internal.h"
#include "core/catalog/snapshot.h"
#include "core/common/pbtime.h"
#include "core/org/org.h"
#include "core/store/catalog_read_store.h"
#include "google/api/httpbody.pb-c.h"

#define SEARCH_PAGE_DEFAULT 20
#define SEARCH_PAGE_MAX 100
#define HOME_LIST_MAX 8
#define VIEW_WINDOW_S 600

/* --- who is looking ------------------------------------------------------------------------ */

void catalog__viewer_init(call_t *call, catalog_viewer_t *v) {
  memset(v, 0, sizeof *v);
  v->call = call;
  v->user = call->principal.actor == CALL_USER;
  v->hall = call_has_role(call, CALL_ROLE_HALL_ADMIN);
  v->student = call_has_role(call, CALL_ROLE_STUDENT);
  v->staff = call_has_role(call, CALL_ROLE_STAFF);
}

bool catalog__visible(catalog_viewer_t *v, const catalog_entry_t *e, eh_err_t *err) {
  const Ehall__Catalog__V1__Guide *g = e->guide;
  if (v->hall)
    return true;
  switch (g->audience) {
  case EHALL__CATALOG__V1__AUDIENCE__AUDIENCE_EVERYONE:
    break;
  case EHALL__CATALOG__V1__AUDIENCE__AUDIENCE_STUDENTS:
    if (!v->student)
      return false;
    break;
  case EHALL__CATALOG__V1__AUDIENCE__AUDIENCE_STAFF:
    if (!v->staff)
      return false;
    break;
  default:
    return false;
  }
  if (g->n_audience_units == 0)
    return true;
  if (!v->user)
    return false;
  if (!v->units_loaded) {
    if (!store_catalog_read_unit_paths(v->call->arena, v->call->pg, v->call->deadline_ms,
                                       v->call->principal.account_id, &v->units, &v->n_units,
                                       err)) {
      v->failed = true;
      return false;
    }
    v->units_loaded = true;
  }
  for (size_t i = 0; i < g->n_audience_units; i++)
    for (size_t k = 0; k < v->n_units; k++)
      if (strcmp(g->audience_units[i], v->units[k]) == 0)
        return true;
  return false;
}

/* The caller's visibility of every entry (NULL with err when it could not be decided). */
static bool *visible_all(catalog_viewer_t *v, const catalog_snapshot_t *s, eh_err_t *err) {
  bool *ok = arena_alloc(v->call->arena, (s->n + 1) * sizeof *ok);
  for (size_t i = 0; i < s->n; i++) {
    ok[i] = catalog__visible(v, &s->entries[i], err);
    if (v->failed)
      return NULL;
  }
  return ok;
}

static void public_cache(call_t *call) {
  if (call->principal.actor == CALL_ANONYMOUS)
    call->cache_public_max_age_s = CATALOG_PUBLIC_MAX_AGE_S;
}

/* --- messages ----------------------------------------------------------------------------------
 */

Ehall__Catalog__V1__ServiceSummary *catalog__summary(arena_t *a, const catalog_entry_t *e) {
  const Ehall__Catalog__V1__Guide *g = e->guide;
  Ehall__Catalog__V1__ServiceSummary *m = arena_alloc(a, sizeof *m);
  ehall__catalog__v1__service_summary__init(m);
  m->code = (char *)e->code;
  m->name = g->name;
  m->name_en = g->name_en;
  m->summary = g->summary;
  m->categories = g->categories;
  m->n_categories = g->n_categories;
  m->owner_unit = (char *)e->owner_code;
  m->owner_unit_name = (char *)e->owner_name;
  m->mode = g->mode;
  m->audience = g->audience;
  m->time_limit_workdays = g->time_limit_workdays;
  m->published_at = pbtime_from_us(a, e->published_us);
  m->views = e->views;
  return m;
}

static bool has_code(char **list, size_t n, const char *code) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(list[i], code) == 0)
      return true;
  return false;
}

/* Categories (kind 1) or themes (kind 2) with the counts of visible guides. */
static void categories_message(arena_t *a, const catalog_snapshot_t *s, const bool *visible,
                               int kind, Ehall__Catalog__V1__Category ***out, size_t *n) {
  *out = arena_alloc(a, (s->n_categories + 1) * sizeof **out);
  *n = 0;
  for (size_t i = 0; i < s->n_categories; i++) {
    const store_catalog_category_t *c = &s->categories[i];
    if (c->kind != kind)
      continue;
    Ehall__Catalog__V1__Category *m = arena_alloc(a, sizeof *m);
    ehall__catalog__v1__category__init(m);
    m->code = (char *)c->code;
    m->kind = c->kind;
    m->name = (char *)c->name;
    m->name_en = (char *)c->name_en;
    m->icon = (char *)c->icon;
    m->sort_order = c->sort_order;
    for (size_t k = 0; k < s->n; k++) {
      const Ehall__Catalog__V1__Guide *g = s->entries[k].guide;
      if (visible[k] && (kind == EHALL__CATALOG__V1__CATEGORY_KIND__CATEGORY_KIND_CATEGORY
                             ? has_code(g->categories, g->n_categories, c->code)
                             : has_code(g->themes, g->n_themes, c->code)))
        m->service_count++;
    }
    (*out)[(*n)++] = m;
  }
}

/* Departments that own visible guides, by name's order of first appearance (hottest first). */
static void departments_message(arena_t *a, const catalog_snapshot_t *s, const bool *visible,
                                Ehall__Catalog__V1__Department ***out, size_t *n) {
  *out = arena_alloc(a, (s->n + 1) * sizeof **out);
  *n = 0;
  for (size_t k = 0; k < s->n; k++) {
    if (!visible[k])
      continue;
    const catalog_entry_t *e = &s->entries[k];
    Ehall__Catalog__V1__Department *d = NULL;
    for (size_t j = 0; j < *n && d == NULL; j++)
      if (strcmp((*out)[j]->unit, e->owner_code) == 0)
        d = (*out)[j];
    if (d == NULL) {
      d = arena_alloc(a, sizeof *d);
      ehall__catalog__v1__department__init(d);
      d->unit = (char *)e->owner_code;
      d->name = (char *)e->owner_name;
      d->name_en = (char *)e->owner_name_en;
      (*out)[(*n)++] = d;
    }
    d->service_count++;
  }
}

/* Sorting entry indices by a key: num descending, then str ascending, then the index. */
typedef struct sort_key {
  int64_t num;
  const char *str;
  size_t idx;
} sort_key_t;

static int sort_key_cmp(const void *x, const void *y) {
  const sort_key_t *a = x, *b = y;
  if (a->num != b->num)
    return a->num > b->num ? -1 : 1;
  int c = strcmp(a->str, b->str);
  return c ? c : (a->idx < b->idx ? -1 : (a->idx > b->idx));
}

/* Newest published first (by_name false) or by the name's pinyin (true). */
static void sort_indices(arena_t *a, const catalog_snapshot_t *s, size_t *idx, size_t n,
                         bool by_name) {
  sort_key_t *k = arena_alloc(a, (n + 1) * sizeof *k);
  for (size_t i = 0; i < n; i++) {
    const catalog_entry_t *e = &s->entries[idx[i]];
    k[i] = by_name ? (sort_key_t){0, search_doc_sort_key(s->index, idx[i]), idx[i]}
                   : (sort_key_t){e->published_us, e->code, idx[i]};
  }
  qsort(k, n, sizeof *k, sort_key_cmp);
  for (size_t i = 0; i < n; i++)
    idx[i] = k[i].idx;
}

/* Summaries of the services with these ids the caller can see, in the ids' order. */
Ehall__Catalog__V1__ServiceSummary **
catalog__summaries_of_ids(catalog_viewer_t *v, const catalog_snapshot_t *s, const int64_t *ids,
                          size_t n_ids, size_t limit, size_t *n, eh_err_t *err) {
  arena_t *a = v->call->arena;
  Ehall__Catalog__V1__ServiceSummary **out = arena_alloc(a, (n_ids + 1) * sizeof *out);
  *n = 0;
  for (size_t i = 0; i < n_ids && *n < limit; i++)
    for (size_t k = 0; k < s->n; k++)
      if (s->entries[k].id == ids[i]) {
        if (catalog__visible(v, &s->entries[k], err))
          out[(*n)++] = catalog__summary(a, &s->entries[k]);
        if (v->failed)
          return NULL;
        break;
      }
  return out;
}

/* --- GetHome, ListCategories
 * ---------------------------------------------------------------------- */

/* The snapshot, the caller and what he can see of it (NULL with err). */
static const catalog_snapshot_t *visible_snapshot(call_t *call, catalog_viewer_t *v, bool **visible,
                                                  eh_err_t *err) {
  const catalog_snapshot_t *s = catalog__snapshot(call, err);
  if (s == NULL)
    return NULL;
  catalog__viewer_init(call, v);
  *visible = visible_all(v, s, err);
  return *visible != NULL ? s : NULL;
}

/* Categories, themes and departments with the counts of what the caller can see. */
static void listing(arena_t *a, const catalog_snapshot_t *s, const bool *visible,
                    Ehall__Catalog__V1__Category ***cats, size_t *n_cats,
                    Ehall__Catalog__V1__Category ***themes, size_t *n_themes,
                    Ehall__Catalog__V1__Department ***deps, size_t *n_deps) {
  categories_message(a, s, visible, EHALL__CATALOG__V1__CATEGORY_KIND__CATEGORY_KIND_CATEGORY, cats,
                     n_cats);
  categories_message(a, s, visible, EHALL__CATALOG__V1__CATEGORY_KIND__CATEGORY_KIND_THEME, themes,
                     n_themes);
  departments_message(a, s, visible, deps, n_deps);
}

void catalog_get_home(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                      eh_err_t *err) {
  (void)req;
  arena_t *a = call->arena;
  catalog_viewer_t v;
  bool *visible;
  const catalog_snapshot_t *s = visible_snapshot(call, &v, &visible, err);
  if (s == NULL)
    return;
  Ehall__Catalog__V1__Home *out = arena_alloc(a, sizeof *out);
  ehall__catalog__v1__home__init(out);
  listing(a, s, visible, &out->categories, &out->n_categories, &out->themes, &out->n_themes,
          &out->departments, &out->n_departments);
  size_t *idx = arena_alloc(a, (s->n + 1) * sizeof *idx), n_vis = 0;
  out->hot = arena_alloc(a, HOME_LIST_MAX * sizeof *out->hot);
  for (size_t k = 0; k < s->n; k++)
    if (visible[k]) {
      idx[n_vis++] = k;
      if (out->n_hot < HOME_LIST_MAX)
        out->hot[out->n_hot++] = catalog__summary(a, &s->entries[k]);
    }
  out->service_count = (int32_t)n_vis;
  sort_indices(a, s, idx, n_vis, false);
  out->latest = arena_alloc(a, HOME_LIST_MAX * sizeof *out->latest);
  for (size_t i = 0; i < n_vis && out->n_latest < HOME_LIST_MAX; i++)
    out->latest[out->n_latest++] = catalog__summary(a, &s->entries[idx[i]]);
  if (v.user) {
    int64_t *ids;
    size_t n_ids;
    if (!store_catalog_read_favourites(a, call->pg, call->deadline_ms, call->principal.account_id,
                                       &ids, &n_ids, err))
      return;
    out->favourites =
        catalog__summaries_of_ids(&v, s, ids, n_ids, HOME_LIST_MAX, &out->n_favourites, err);
    if (out->favourites == NULL ||
        !store_catalog_read_recent(a, call->pg, call->deadline_ms, call->principal.account_id,
                                   HOME_LIST_MAX, &ids, &n_ids, err))
      return;
    out->recent = catalog__summaries_of_ids(&v, s, ids, n_ids, HOME_LIST_MAX, &out->n_recent, err);
    if (out->recent == NULL)
      return;
  }
  public_cache(call);
  *resp = &out->base;
}

void catalog_list_categories(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                             eh_err_t *err) {
  (void)req;
  arena_t *a = call->arena;
  catalog_viewer_t v;
  bool *visible;
  const catalog_snapshot_t *s = visible_snapshot(call, &v, &visible, err);
  if (s == NULL)
    return;
  Ehall__Catalog__V1__ListCategoriesReply *out = arena_alloc(a, sizeof *out);
  ehall__catalog__v1__list_categories_reply__init(out);
  listing(a, s, visible, &out->categories, &out->n_categories, &out->themes, &out->n_themes,
          &out->departments, &out->n_departments);
  public_cache(call);
  *resp = &out->base;
}

/* --- SearchServices ------------------------------------------------------------------------------
 */

static bool audience_matches(int want, int have) {
  if (want == EHALL__CATALOG__V1__AUDIENCE__AUDIENCE_UNSPECIFIED)
    return true;
  return have == want || have == EHALL__CATALOG__V1__AUDIENCE__AUDIENCE_EVERYONE ||
         want == EHALL__CATALOG__V1__AUDIENCE__AUDIENCE_EVERYONE;
}

void catalog_search_services(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                             eh_err_t *err) {
  const Ehall__Catalog__V1__SearchServicesRequest *in =
      (const Ehall__Catalog__V1__SearchServicesRequest *)req;
  arena_t *a = call->arena;
  int size;
  int64_t offset;
  const char *q;
  if (!paging_size(in->page_size, SEARCH_PAGE_DEFAULT, SEARCH_PAGE_MAX, &size, err) ||
      !paging_token_parse(in->page_token, 's', &offset, err) ||
      !search_query_normalize(a, in->query, &q, err))
    return;
  const catalog_snapshot_t *s = catalog__snapshot(call, err);
  if (s == NULL)
    return;
  catalog_viewer_t v;
  catalog__viewer_init(call, &v);
  bool *allowed = visible_all(&v, s, err);
  if (allowed == NULL)
    return;
  for (size_t k = 0; k < s->n; k++) {
    const catalog_entry_t *e = &s->entries[k];
    const Ehall__Catalog__V1__Guide *g = e->guide;
    if (!allowed[k])
      continue;
    if ((in->category && *in->category &&
         !has_code(g->categories, g->n_categories, in->category)) ||
        (in->theme && *in->theme && !has_code(g->themes, g->n_themes, in->theme)) ||
        (in->department && *in->department && strcmp(e->owner_code, in->department) != 0) ||
        !audience_matches(in->audience, g->audience) ||
        (in->mode != 0 && (int)g->mode != (int)in->mode))
      allowed[k] = false;
  }
  /* The result as (entry index, hit) pairs in order. */
  size_t n = 0;
  size_t *order = arena_alloc(a, (s->n + 1) * sizeof *order);
  search_hit_t *hits = NULL;
  bool by_query = q[0] != '\0';
  if (by_query && (in->sort == EHALL__CATALOG__V1__SORT_ORDER__SORT_ORDER_UNSPECIFIED ||
                   in->sort == EHALL__CATALOG__V1__SORT_ORDER__SORT_ORDER_RELEVANCE)) {
    n = search_run(a, s->index, q, allowed, &hits);
    for (size_t i = 0; i < n; i++)
      order[i] = hits[i].doc;
  } else {
    bool *keep = allowed;
    if (by_query) { /* a query with another order: its matches, in that order */
      size_t nh = search_run(a, s->index, q, allowed, &hits);
      keep = arena_zalloc(a, (s->n + 1) * sizeof *keep);
      for (size_t i = 0; i < nh; i++)
        keep[hits[i].doc] = true;
      hits = NULL;
    }
    for (size_t k = 0; k < s->n; k++)
      if (keep[k])
        order[n++] = k;
    if (in->sort == EHALL__CATALOG__V1__SORT_ORDER__SORT_ORDER_NEW)
      sort_indices(a, s, order, n, false);
    else if (in->sort == EHALL__CATALOG__V1__SORT_ORDER__SORT_ORDER_NAME)
      sort_indices(a, s, order, n, true);
    /* else hot: the snapshot's own order */
  }
  Ehall__Catalog__V1__SearchServicesReply *out = arena_alloc(a, sizeof *out);
  ehall__catalog__v1__search_services_reply__init(out);
  out->total = (int32_t)n;
  out->services = arena_alloc(a, ((size_t)size + 1) * sizeof *out->services);
  for (size_t i = (size_t)offset; i < n && out->n_services < (size_t)size; i++) {
    Ehall__Catalog__V1__ServiceSummary *m = catalog__summary(a, &s->entries[order[i]]);
    if (hits != NULL) {
      m->matched_by = (char *)search_match_name(hits[i].matched_by);
      m->score = hits[i].score;
    }
    out->services[out->n_services++] = m;
  }
  if ((size_t)offset + out->n_services < n)
    out->next_page_token = (char *)paging_token(a, 's', offset + (int64_t)out->n_services);
  public_cache(call);
  *resp = &out->base;
}

/* --- GetService, RecordView
 * ------------------------------------------------------------------------ */

static bool no_such_service(eh_err_t *err) {
  return eh_err_set(err, EH_NOT_FOUND, "code", "服务不存在或无权查看",
                    "no such service, or it is not offered to you");
}

/* The visible entry with this code (NOT_FOUND otherwise). */
const catalog_entry_t *catalog__entry_for(call_t *call, const catalog_snapshot_t *s,
                                          const char *code, eh_err_t *err) {
  catalog_viewer_t v;
  catalog__viewer_init(call, &v);
  const catalog_entry_t *e = catalog__snapshot_find(s, code);
  if (e == NULL) {
    no_such_service(err);
    return NULL;
  }
  if (!catalog__visible(&v, e, err)) {
    if (!v.failed)
      no_such_service(err);
    return NULL;
  }
  return e;
}

bool catalog_service_for_caller(call_t *call, const char *code, const char *field,
                                catalog_service_ref_t *out, eh_err_t *err) {
  const catalog_snapshot_t *s = catalog__snapshot_recent(call, CATALOG_LOOKUP_MAX_AGE_MS, err);
  if (s == NULL)
    return false;
  const catalog_entry_t *e = catalog__entry_for(call, s, code ? code : "", err);
  if (e == NULL) {
    if (err->code == EH_NOT_FOUND && field != NULL && err->nfields > 0)
      snprintf(err->fields[0].field, sizeof err->fields[0].field, "%s", field);
    return false;
  }
  memset(out, 0, sizeof *out);
  out->id = e->id;
  out->code = e->code;
  out->name = e->guide->name;
  out->name_en = e->guide->name_en;
  out->owner_code = e->owner_code;
  out->owner_name = e->owner_name;
  out->mode = (int)e->guide->mode;
  return true;
}

void catalog_get_service(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                         eh_err_t *err) {
  const Ehall__Catalog__V1__GetServiceRequest *in =
      (const Ehall__Catalog__V1__GetServiceRequest *)req;
  arena_t *a = call->arena;
  const catalog_snapshot_t *s = catalog__snapshot(call, err);
  if (s == NULL)
    return;
  const catalog_entry_t *e = catalog__entry_for(call, s, in->code, err);
  if (e == NULL)
    return;
  Ehall__Catalog__V1__Service *out = arena_alloc(a, sizeof *out);
  ehall__catalog__v1__service__init(out);
  out->code = (char *)e->code;
  out->owner_unit = (char *)e->owner_code;
  out->owner_unit_name = (char *)e->owner_name;
  out->version = e->version;
  out->guide = e->guide;
  out->published_at = pbtime_from_us(a, e->published_us);
  out->views = e->views;
  if (call->principal.actor == CALL_USER) {
    bool fav = false, may = false;
    if (!store_catalog_read_is_favourite(a, call->pg, call->deadline_ms, call->principal.account_id,
                                         e->id, &fav, err) ||
        !org_caller_admins_unit(call, e->owner_code, &may, err))
      return;
    out->favourite = fav;
    out->can_edit = may;
  }
  public_cache(call);
  *resp = &out->base;
}

void catalog_record_view(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                         eh_err_t *err) {
  const Ehall__Catalog__V1__RecordViewRequest *in =
      (const Ehall__Catalog__V1__RecordViewRequest *)req;
  arena_t *a = call->arena;
  const catalog_snapshot_t *s = catalog__snapshot(call, err);
  if (s == NULL)
    return;
  const catalog_entry_t *e = catalog__entry_for(call, s, in->code, err);
  if (e == NULL)
    return;
  Ehall__Catalog__V1__RecordViewReply *out = arena_alloc(a, sizeof *out);
  ehall__catalog__v1__record_view_reply__init(out);
  bool user = call->principal.actor == CALL_USER;
  const char *who = user ? arena_printf(a, "a%lld", (long long)call->principal.account_id)
                         : arena_printf(a, "ip%s", call->client_ip ? call->client_ip : "");
  eh_err_t verr = EH_ERR_INIT; /* Redis down: the view is not counted, nothing else is lost */
  if (call->redis == NULL || !store_catalog_read_redis_view(a, call->redis, e->code, who,
                                                            VIEW_WINDOW_S, &out->views, &verr))
    out->views = e->views;
  if (user && !store_catalog_read_recent_touch(a, call->pg, call->deadline_ms,
                                               call->principal.account_id, e->id, 20, err))
    return;
  *resp = &out->base;
}

/* --- GetTemplate
 * ----------------------------------------------------------------------------------- */

void catalog_get_template(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                          eh_err_t *err) {
  const Ehall__Catalog__V1__GetTemplateRequest *in =
      (const Ehall__Catalog__V1__GetTemplateRequest *)req;
  arena_t *a = call->arena;
  const char *id = in->file_id ? in->file_id : "";
  const catalog_snapshot_t *s = catalog__snapshot(call, err);
  if (s == NULL)
    return;
  /* A file of a published guide the caller can see … */
  catalog_viewer_t v;
  catalog__viewer_init(call, &v);
  bool offered = false;
  for (size_t k = 0; k < s->n && !offered; k++) {
    const Ehall__Catalog__V1__Guide *g = s->entries[k].guide;
    for (size_t t = 0; t < g->n_templates && !offered; t++)
      if (g->templates[t]->file_id && strcmp(g->templates[t]->file_id, id) == 0)
        offered = catalog__visible(&v, &s->entries[k], err);
    if (v.failed)
      return;
  }
  store_catalog_template_meta_t meta;
  const uint8_t *data;
  size_t len;
  bool found = false;
  if (strlen(id) != 64 || !store_catalog_template_get(a, call->pg, call->deadline_ms, id, &meta,
                                                      &data, &len, &found, err)) {
    if (err->code == EH_OK)
      eh_err_set(err, EH_NOT_FOUND, "file_id", "没有这个文件", "no such file");
    return;
  }
  /* … or any file of a department the caller administers (the editor's preview). */
  bool may = offered;
  for (char *owners = found ? arena_strdup(a, meta.owner_code) : NULL, *save = NULL,
            *unit = owners ? strtok_r(owners, " ", &save) : NULL;
       unit != NULL && !may; unit = strtok_r(NULL, " ", &save))
    if (!org_caller_admins_unit(call, unit, &may, err))
      return;
  if (!found || !may) {
    eh_err_set(err, EH_NOT_FOUND, "file_id", "没有这个文件", "no such file");
    return;
  }
  Google__Api__HttpBody *out = arena_alloc(a, sizeof *out);
  google__api__http_body__init(out);
  out->content_type = (char *)meta.content_type;
  out->data.data = (uint8_t *)data;
  out->data.len = len;
  if (offered)
    public_cache(call);
  *resp = &out->base;
}
