/*
 * gates.h — what every unary call passes before (and after) its handler, in server.c:
 *   1. the rate limit of its class, per client IP (Redis; gates, never decides: Redis down →
 *      the call passes);
 *   2. for a state-changing method called with an idempotency-key: the claim of the key in
 *      PostgreSQL (a replay gets the first answer), and after the handler the recording of
 *      the answer (or the release of the claim after a transient failure).
 * Plus the background sweeper that deletes expired keys.
 *
 * Must never log a key, a client address or a payload.
 */
#ifndef EHALL_RPC_GATES_H
#define EHALL_RPC_GATES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "core/common/call.h"
#include "core/common/status.h"
#include "core/config.h"
#include "core/rpc/methods.h"

struct store_pg_pool;

/* True when the call may go on; false with err = RESOURCE_EXHAUSTED and err->retry_after_ms
 * when the caller's budget for m's class is spent. */
bool rpc_gate_ratelimit(call_t *call, const rpc_method_t *m, eh_err_t *err);

typedef struct rpc_idem {
  bool claimed;                /* rpc_gate_idem_finish must record or release */
  bool replay;                 /* answer with the recorded one instead of running the handler */
  int replay_code;             /* grpc status of the recorded answer */
  const uint8_t *replay_bytes; /* the reply (code 0) or the google.rpc.Status; arena-owned */
  size_t replay_len;
  const char *scope;
} rpc_idem_t;

/* For a RPC_METHOD_MUTATES method called with an idempotency key: checks the key's format and
 * claims it for this request. Returns true to go on (idem->replay says whether to run the
 * handler); false with err: INVALID (bad key, or the key was used for another request),
 * CONFLICT (the same request is running right now), or PostgreSQL's failure. Without a key, or
 * for other methods, returns true and does nothing. */
bool rpc_gate_idem_begin(call_t *call, const rpc_method_t *m, const ProtobufCMessage *req,
                         rpc_idem_t *idem, eh_err_t *err);

/* After the handler of a claimed call: records its final answer (grpc_code 0 and the reply
 * bytes, or the error's code and serialized google.rpc.Status) or, for a transient failure,
 * drops the claim. Failures here are logged, not answered: the handler's answer stands. */
void rpc_gate_idem_finish(call_t *call, rpc_idem_t *idem, const eh_err_t *result, int grpc_code,
                          const uint8_t *bytes, size_t len);

/* A thread deleting expired idempotency keys every idempotency.sweep_ms. */
typedef struct rpc_sweeper rpc_sweeper_t;
rpc_sweeper_t *rpc_sweeper_start(struct store_pg_pool *pg, const core_config_t *cfg);
void rpc_sweeper_stop(rpc_sweeper_t *s); /* joins the thread; NULL is fine */

#endif
