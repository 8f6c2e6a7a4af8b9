/*
 * mine.c — a signed-in person's favourites (收藏) and recently viewed services (最近使用),
 * ehall.catalog.v1.MyServices. Lists show only services that are published and offered to the
 * person now; a favourite of a service taken off the catalogue stays stored and shows again
 * when it comes back.
 */
#include "core/catalog/catalog.h"
#include "core/catalog/catalog_internal.h"
#include "core/catalog/read_internal.h"
#include "core/store/catalog_read_store.h"

#define FAVOURITES_MAX 200
#define RECENT_MAX 20

static bool signed_in(call_t *call, eh_err_t *err) {
  if (call->principal.actor == CALL_USER)
    return true;
  return eh_err_set(err, EH_UNAUTHENTICATED, NULL, "请先登录", "please sign in first");
}

static void list_reply(call_t *call, bool favourites, ProtobufCMessage **resp, eh_err_t *err) {
  arena_t *a = call->arena;
  if (!signed_in(call, err))
    return;
  const catalog_snapshot_t *s = catalog__snapshot(call, err);
  if (s == NULL)
    return;
  int64_t *ids;
  size_t n_ids;
  if (favourites
          ? !store_catalog_read_favourites(a, call->pg, call->deadline_ms,
                                           call->principal.account_id, &ids, &n_ids, err)
          : !store_catalog_read_recent(a, call->pg, call->deadline_ms, call->principal.account_id,
                                       RECENT_MAX, &ids, &n_ids, err))
    return;
  catalog_viewer_t v;
  catalog__viewer_init(call, &v);
  Ehall__Catalog__V1__ServiceList *out = arena_alloc(a, sizeof *out);
  ehall__catalog__v1__service_list__init(out);
  out->services = catalog__summaries_of_ids(&v, s, ids, n_ids, n_ids, &out->n_services, err);
  if (out->services == NULL)
    return;
  *resp = &out->base;
}

void catalog_list_favourites(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                             eh_err_t *err) {
  (void)req;
  list_reply(call, true, resp, err);
}

void catalog_list_recent(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                         eh_err_t *err) {
  (void)req;
  list_reply(call, false, resp, err);
}

static void favourite_set(call_t *call, const char *code, bool on, ProtobufCMessage **resp,
                          eh_err_t *err) {
  arena_t *a = call->arena;
  if (!signed_in(call, err))
    return;
  if (on) { /* only a published guide the caller can see */
    const catalog_snapshot_t *s = catalog__snapshot(call, err);
    const catalog_entry_t *e = s ? catalog__entry_for(call, s, code, err) : NULL;
    if (e == NULL ||
        !store_catalog_read_favourite_add(a, call->pg, call->deadline_ms,
                                          call->principal.account_id, e->id, FAVOURITES_MAX, err))
      return;
  } else {
    /* By code: removing works for a service that left the catalogue too. */
    if (!store_catalog_read_favourite_remove(a, call->pg, call->deadline_ms,
                                             call->principal.account_id, code ? code : "", err))
      return;
  }
  Ehall__Catalog__V1__FavouriteReply *out = arena_alloc(a, sizeof *out);
  ehall__catalog__v1__favourite_reply__init(out);
  out->code = (char *)code;
  out->favourite = on;
  *resp = &out->base;
}

void catalog_add_favourite(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                           eh_err_t *err) {
  favourite_set(call, ((const Ehall__Catalog__V1__AddFavouriteRequest *)req)->code, true, resp,
                err);
}

void catalog_remove_favourite(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                              eh_err_t *err) {
  favourite_set(call, ((const Ehall__Catalog__V1__RemoveFavouriteRequest *)req)->code, false, resp,
                err);
}
