/*
 * call.h — what an area's handler knows about the call it serves.
 *
 * core/rpc fills one call_t per accepted gRPC call (metadata, deadline, the per-call arena,
 * the process's store pools) and hands it to the area function listed in its method table.
 * Area code sees no gRPC type: handlers have the call_unary_fn shape below.
 */
#ifndef EHALL_COMMON_CALL_H
#define EHALL_COMMON_CALL_H

#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "core/common/arena.h"
#include "core/common/status.h"

struct store_pg_pool;
struct store_redis_pool;
struct core_config;

typedef struct call {
  arena_t *arena;             /* destroyed after the reply is sent */
  const char *method;         /* "/ehall.system.v1.System/GetInfo" */
  const char *request_id;     /* x-request-id, or one made up by core/rpc */
  const char *authorization;  /* the token after "Bearer ", or NULL */
  const char *client_ip;      /* forwarded by a trusted gateway, else the peer's address */
  const char *language;       /* "zh-CN" (default) or "en" */
  const char *idempotency_key; /* idempotency-key metadata, or NULL */
  int64_t deadline_ms;        /* CLOCK_MONOTONIC milliseconds; INT64_MAX: none */
  struct store_pg_pool *pg;
  struct store_redis_pool *redis;
  const struct core_config *cfg;
} call_t;

/* Milliseconds left before the deadline (INT64_MAX when there is none; ≤ 0 when passed). */
int64_t call_ms_left(const call_t *call);

/* CLOCK_MONOTONIC now, in milliseconds. */
int64_t call_now_ms(void);

/* A unary handler: reads `req` (allocated in call->arena), sets *resp to a message allocated in
 * call->arena, or fills err. Must not block past call->deadline_ms. */
typedef void (*call_unary_fn)(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                              eh_err_t *err);

#endif
