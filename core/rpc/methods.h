/*
 * methods.h — the method table: every gRPC method the core serves, one row each (full name,
 * request and response descriptors, the area handler, the kind of call, flags). server.c
 * registers and dispatches from this table only; adding a unary method is one row here.
 */
#ifndef EHALL_RPC_METHODS_H
#define EHALL_RPC_METHODS_H

#include <stddef.h>

#include <protobuf-c/protobuf-c.h>

#include "core/common/call.h"

typedef enum {
  RPC_KIND_UNARY,        /* request → handler → reply */
  RPC_KIND_HEALTH_WATCH, /* grpc.health.v1.Health/Watch: server streaming, handled in server.c */
  RPC_KIND_REFLECTION,   /* ServerReflectionInfo (v1 and v1alpha): bidi, handled in server.c */
} rpc_kind_t;

/* The method needs no login. A valid token is still read (the handler sees who calls); an
 * invalid or expired one is ignored, so a stale cookie never blocks logging in again. Every
 * other method answers UNAUTHENTICATED without a valid session or app token. */
#define RPC_METHOD_PUBLIC 1u
/* The method changes state: it accepts an `idempotency-key` and a replay returns the first
 * answer (server.c, core/rpc/idempotency.c). */
#define RPC_METHOD_MUTATES 2u
/* Allowed while the account must still change an initial or imported password (ChangePassword,
 * SendEmailCode, BindEmail, Logout, GetMe); every other method answers FAILED_PRECONDITION. */
#define RPC_METHOD_FIRST_LOGIN_OK 4u
/* The handler may wait long on something other than PostgreSQL (the password-hashing pool):
 * it runs on the slow lane's threads, never on a worker (server.c's file comment says why). */
#define RPC_METHOD_SLOW 8u
/* A write of several statements that may come in a flood (approvals' actions): it runs on the
 * write lane's few threads (config write_workers), never on a worker, so reads are not held
 * behind it (server.c's file comment). */
#define RPC_METHOD_WRITE_LANE 16u

/* Which rate-limit budget a call spends (per client IP, in Redis). Rows name a class, never
 * numbers: the rates come from config (ratelimit.*). */
typedef enum {
  RPC_LIMIT_READ,  /* ratelimit.read_per_min; the zero value, so a row that forgets is limited */
  RPC_LIMIT_WRITE, /* ratelimit.write_per_min, per client IP and method */
  RPC_LIMIT_LOGIN, /* ratelimit.login_per_min (for identity's login, later) */
  RPC_LIMIT_NONE,  /* health and reflection: never limited (probes, tooling) */
} rpc_limit_t;

typedef struct rpc_method {
  const char *name; /* "/ehall.system.v1.System/GetInfo" */
  const ProtobufCMessageDescriptor *input;
  const ProtobufCMessageDescriptor *output;
  call_unary_fn handler; /* RPC_KIND_UNARY only */
  rpc_kind_t kind;
  unsigned flags;    /* RPC_METHOD_* */
  rpc_limit_t limit; /* rate-limit class */
  /* The scope a third-party app token needs to call it ("identity.accounts.read"), or NULL:
   * apps may not call the method at all. Users' sessions ignore it. */
  const char *app_scope;
} rpc_method_t;

extern const rpc_method_t rpc_methods[];
extern const size_t rpc_methods_count;

#endif
