/*
 * ratelimit.h — rate limits in Redis: GCRA (the generic cell rate algorithm), one Lua script
 * per check, so a bucket costs one key and one round trip and several core replicas share it.
 *
 * Redis only gates: a failed check is reported to the caller (core/rpc), which lets the call
 * through. Never used for a decision that must hold (those are PostgreSQL's).
 */
#ifndef EHALL_STORE_RATELIMIT_H
#define EHALL_STORE_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/common/arena.h"
#include "core/common/status.h"
#include "core/store/redis.h"

/* A rate in GCRA's terms: one call per interval_us on average, and up to `burst` calls at once
 * (tolerance_us = (burst - 1) * interval_us). */
typedef struct store_ratelimit_rate {
  int64_t interval_us;
  int64_t tolerance_us;
} store_ratelimit_rate_t;

/* per_min ≥ 1 calls a minute with bursts of `burst` ≥ 1 calls. Pure. */
store_ratelimit_rate_t store_ratelimit_rate(long per_min, long burst);

/* Takes one call from the bucket `key` ("rl:read:127.0.0.1"). On success returns true with
 * *allowed, and when denied *retry_after_ms (> 0) until the next call would pass. Returns
 * false (err: UNAVAILABLE when Redis is down, INTERNAL for an odd reply) when Redis could not
 * answer. Runs the script by EVALSHA, loading it on first use, and falls back to EVAL when
 * Redis has forgotten it (NOSCRIPT, e.g. after a restart). */
bool store_ratelimit_take(arena_t *a, store_redis_pool_t *pool, const char *key,
                          store_ratelimit_rate_t rate, bool *allowed, int64_t *retry_after_ms,
                          eh_err_t *err);

#endif
