/*
 * system.c — GetInfo. Load (settings, clock, schema version, pings) → build the reply.
 * Never includes grpc or libpq headers; never writes anything.
 */
#include "core/common/pbtime.h"
#include "core/system/system.h"

#include <stdio.h>

#include "core/config.h"
#include "core/store/migrate.h"
#include "core/store/pg.h"
#include "core/store/redis.h"
#include "core/store/system_store.h"
#include "ehall/system/v1/system.pb-c.h"
#include "google/protobuf/timestamp.pb-c.h"

/* Shown when hall_settings has no row yet (a fresh database before its seed). */
#define SYSTEM_DEFAULT_NAME "网上办事大厅"
#define SYSTEM_DEFAULT_NAME_EN "Online Service Hall"

static Ehall__System__V1__Dependency *system__dependency(arena_t *a, const char *name, bool ok,
                                                         const char *version, double latency_ms,
                                                         const eh_err_t *err) {
  Ehall__System__V1__Dependency *d = arena_alloc(a, sizeof(*d));
  ehall__system__v1__dependency__init(d);
  d->name = (char *)name;
  d->healthy = ok;
  /* The user-safe English message, never err->detail: the reply is public. */
  d->detail = arena_strdup(a, ok ? version : err->message_en);
  d->latency_ms = ok ? latency_ms : 0;
  return d;
}

void system_info_get(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                     eh_err_t *err) {
  arena_t *a = call->arena;
  store_system_settings_t st;
  if (!store_system_settings(a, call->pg, call->deadline_ms, &st, err))
    return;
  int64_t schema = 0;
  if (!store_migrate_version(call->pg, call->deadline_ms, &schema, err))
    return;

  char pg_version[64] = "", redis_version[64] = "";
  double pg_ms = 0, redis_ms = 0;
  eh_err_t pg_err = EH_ERR_INIT, redis_err = EH_ERR_INIT;
  bool pg_ok =
      store_pg_ping(call->pg, call->deadline_ms, pg_version, sizeof(pg_version), &pg_ms, &pg_err);
  bool redis_ok =
      store_redis_ping(call->redis, redis_version, sizeof(redis_version), &redis_ms, &redis_err);

  Ehall__System__V1__SystemInfo *info = arena_alloc(a, sizeof(*info));
  ehall__system__v1__system_info__init(info);
  info->name = (char *)(st.name ? st.name : SYSTEM_DEFAULT_NAME);
  info->name_en = (char *)(st.name_en ? st.name_en : SYSTEM_DEFAULT_NAME_EN);
  info->version = CORE_VERSION;
  info->build_time = pbtime_from_us(a, core_build_time_unix() * 1000000);
  info->server_time = pbtime_from_us(a, st.now_unix_us);
  info->schema_version = schema;
  info->n_dependencies = 2;
  info->dependencies = arena_alloc(a, 2 * sizeof(*info->dependencies));
  info->dependencies[0] = system__dependency(a, "postgresql", pg_ok, pg_version, pg_ms, &pg_err);
  info->dependencies[1] =
      system__dependency(a, "redis", redis_ok, redis_version, redis_ms, &redis_err);
  info->uptime_seconds = call->cfg ? (call_now_ms() - call->cfg->started_mono_ms) / 1000 : 0;
  *resp = &info->base;
}
