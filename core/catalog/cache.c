/*
 * cache.c — telling every replica that the catalogue changed (catalog.h): this process's
 * snapshot expires at once; the Redis mirror of the generation moves up, so every other core's
 * next read sees it; and a message on ehall:cache:invalidate makes every gateway drop the
 * answers it cached for anonymous callers.
 */
#include "core/catalog/catalog.h"
#include "core/catalog/catalog_internal.h"
#include "core/catalog/snapshot.h"
#include "core/common/log.h"
#include "core/store/catalog_read_store.h"

void catalog_cache_invalidate(call_t *call, int64_t generation) {
  catalog__snapshot_expire(generation);
  if (call->redis == NULL)
    return;
  eh_err_t err = EH_ERR_INIT;
  /* One retry: a mirror left behind while Redis answers the others would hold them back. */
  bool raised = store_catalog_read_redis_raise(call->arena, call->redis, generation, &err);
  if (!raised) {
    eh_err_t again = EH_ERR_INIT;
    raised = store_catalog_read_redis_raise(call->arena, call->redis, generation, &again);
  }
  if (!raised || !store_catalog_read_redis_announce(call->arena, call->redis, "catalog", &err))
    LOG_WARN(CATALOG_MODULE,
             "redis unavailable: catalogue generation %lld not announced (replicas read it from "
             "PostgreSQL while Redis is down; gateways' cached answers age out) status=%s",
             (long long)generation, eh_status_name(err.code));
}
