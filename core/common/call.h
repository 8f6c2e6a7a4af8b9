/*
 * call.h — what an area's handler knows about the call it serves.
 *
 * core/rpc fills one call_t per accepted gRPC call (metadata, deadline, the per-call arena,
 * the process's store pools) and hands it to the area function listed in its method table.
 * Area code sees no gRPC type: handlers have the call_unary_fn shape below.
 */
#ifndef EHALL_COMMON_CALL_H
#define EHALL_COMMON_CALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "core/common/arena.h"
#include "core/common/status.h"

struct store_pg_pool;
struct store_redis_pool;
struct core_config;

/* Who is calling, as the auth gate (core/rpc → identity_authenticate) established it before
 * the handler runs. Strings and arrays are owned by the call's arena. */
typedef enum {
  CALL_ANONYMOUS = 0, /* no token (public methods only) */
  CALL_USER,          /* a person's session */
  CALL_APP,           /* a third-party app's token */
} call_actor_t;

/* Role bits of a user principal (roles table, copied into the session at login). */
#define CALL_ROLE_STUDENT 1u
#define CALL_ROLE_STAFF 2u
#define CALL_ROLE_DEPT_ADMIN 4u /* for the org units in admin_units */
#define CALL_ROLE_HALL_ADMIN 8u

typedef struct call_principal {
  call_actor_t actor;
  /* CALL_USER */
  int64_t account_id;
  const char *campus_id;
  const char *session_id;         /* the session's public id (never the token) */
  unsigned roles;                 /* CALL_ROLE_* */
  const char *const *admin_units; /* org unit codes a dept admin administers */
  size_t n_admin_units;
  bool must_change_password; /* only RPC_METHOD_FIRST_LOGIN_OK methods may run */
  /* CALL_APP */
  const char *app_client_id;
  const char *const *scopes;
  size_t n_scopes;
} call_principal_t;

typedef struct call {
  arena_t *arena;              /* destroyed after the reply is sent */
  const char *method;          /* "/ehall.system.v1.System/GetInfo" */
  const char *request_id;      /* x-request-id, or one made up by core/rpc */
  const char *authorization;   /* the token after "Bearer ", or NULL */
  const char *client_ip;       /* forwarded by a trusted gateway, else the peer's address */
  bool via_gateway;            /* ehall-gateway made the call for an HTTP client (a browser or
                                * the mini-program): its secret and x-ehall-via: http */
  const char *language;        /* "zh-CN" (default) or "en" */
  const char *idempotency_key; /* idempotency-key metadata, or NULL */
  int64_t deadline_ms;         /* CLOCK_MONOTONIC milliseconds; INT64_MAX: none */
  const char *user_agent; /* user-agent metadata (the gateway forwards the browser's), or NULL */
  call_principal_t principal; /* filled by the auth gate; actor CALL_ANONYMOUS until then */
  /* Set by a handler that opens or ends the caller's session: core/rpc sends them (on success
   * only) as initial metadata x-ehall-set-session / x-ehall-session-max-age, which the gateway
   * turns into the web app's HttpOnly session cookie. "" with max age 0 clears the cookie. */
  const char *set_session_token;
  int64_t set_session_max_age_s;
  /* Set (> 0) by a handler whose answer to an anonymous caller is the same for every anonymous
   * caller: core/rpc sends it (on success only) as initial metadata x-ehall-cache-max-age, and
   * the gateway may then answer the same anonymous GET from its response cache for that many
   * seconds, or until the area announces a change (core/catalog/catalog.h). */
  int32_t cache_public_max_age_s;
  /* Set (> 0) by a handler whose refusal (an error it returns) is the same for every caller who
   * sends this same request, and stays true for that many milliseconds (a slot that is full):
   * core/rpc sends it with the error as initial metadata x-ehall-shared-refusal-ms, and the
   * gateway may repeat the refusal to the next signed-in callers of that request for that long
   * without calling the core. Only ever for "no": it never lets anything happen. */
  int32_t shared_refusal_ms;
  /* Set by a handler whose quick part is done (a seat's ticket taken) and whose rest waits (the
   * seat's row lock in PostgreSQL): it returns with neither a reply nor an error, and core/rpc
   * runs `then` with the same call and request on the claim lane (config claim_workers),
   * freeing the worker at once for other callers' quick answers (a slot that is full). `then`
   * answers as a handler does; `then_ud` is the handler's, in the call's arena. */
  void (*then)(struct call *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
               eh_err_t *err);
  void *then_ud;
  /* Continuations with the same non-zero key (a booking's slot) run at most claim_per_key (1) at
   * a time, in arrival order (core/rpc/server.c). */
  int64_t then_key;
  struct store_pg_pool *pg;
  struct store_redis_pool *redis;
  const struct core_config *cfg;
} call_t;

/* True when a person's session makes the call; UNAUTHENTICATED ("please sign in first")
 * otherwise. */
bool call_signed_in(const call_t *call, eh_err_t *err);
/* True when the principal is a user holding the role bit (CALL_ROLE_*). */
bool call_has_role(const call_t *call, unsigned role);
/* True for a hall admin, or a dept admin whose admin_units include org_unit. */
bool call_admins_unit(const call_t *call, const char *org_unit);

/* Milliseconds left before the deadline (INT64_MAX when there is none; ≤ 0 when passed). */
int64_t call_ms_left(const call_t *call);

/* CLOCK_MONOTONIC now, in milliseconds. */
int64_t call_now_ms(void);

/* A unary handler: reads `req` (allocated in call->arena), sets *resp to a message allocated in
 * call->arena, or fills err. Must not block past call->deadline_ms. */
typedef void (*call_unary_fn)(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                              eh_err_t *err);

#endif
