/*
 * ratelimit.c — GCRA in one Lua script (see ratelimit.h). The script reads Redis's own clock
 * (TIME), so replicas with skewed clocks still share one bucket correctly; Redis 7 replicates
 * the script's effects, so TIME before a write is allowed.
 *
 * Must never log a bucket key: it holds the client's address.
 */
#include "core/store/ratelimit.h"

#include <stdio.h>
#include <string.h>

/* KEYS[1] bucket; ARGV[1] emission interval (µs); ARGV[2] tolerance (µs).
 * The bucket holds the theoretical arrival time (TAT) in µs of Redis's clock. A call is allowed
 * when TAT - tolerance <= now; it then moves TAT one interval on. Returns {allowed, wait_ms}. */
static const char RL_SCRIPT[] = "local t = redis.call('TIME')\n"
                                "local now = tonumber(t[1]) * 1000000 + tonumber(t[2])\n"
                                "local interval = tonumber(ARGV[1])\n"
                                "local tolerance = tonumber(ARGV[2])\n"
                                "local tat = tonumber(redis.call('GET', KEYS[1]))\n"
                                "if tat == nil or tat < now then tat = now end\n"
                                "local wait = tat - tolerance - now\n"
                                "if wait > 0 then return {0, math.ceil(wait / 1000)} end\n"
                                "local new_tat = tat + interval\n"
                                "redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX',\n"
                                "           math.ceil((new_tat - now) / 1000) + 1)\n"
                                "return {1, 0}\n";

static store_redis_script_t rl__script = STORE_REDIS_SCRIPT(RL_SCRIPT);

store_ratelimit_rate_t store_ratelimit_rate(long per_min, long burst) {
  if (per_min < 1)
    per_min = 1;
  if (burst < 1)
    burst = 1;
  store_ratelimit_rate_t r;
  r.interval_us = (int64_t)60 * 1000000 / per_min;
  r.tolerance_us = (int64_t)(burst - 1) * r.interval_us;
  return r;
}

bool store_ratelimit_take(arena_t *a, store_redis_pool_t *pool, const char *key,
                          store_ratelimit_rate_t rate, bool *allowed, int64_t *retry_after_ms,
                          eh_err_t *err) {
  char interval[24], tolerance[24];
  snprintf(interval, sizeof(interval), "%lld", (long long)rate.interval_us);
  snprintf(tolerance, sizeof(tolerance), "%lld", (long long)rate.tolerance_us);
  const char *args[] = {key, interval, tolerance};
  store_redis_reply_t *r = store_redis_eval(a, pool, &rl__script, 1, 3, args, err);
  if (r == NULL)
    return false;
  if (store_redis_reply_type(r) != STORE_REDIS_ARRAY || store_redis_reply_len(r) != 2) {
    eh_err_set(err, EH_INTERNAL, NULL, "服务器内部错误", "internal server error");
    eh_err_detail(err, "rate-limit script gave an odd reply");
    return false;
  }
  *allowed = store_redis_reply_int(store_redis_reply_at(r, 0)) == 1;
  *retry_after_ms = *allowed ? 0 : store_redis_reply_int(store_redis_reply_at(r, 1));
  if (!*allowed && *retry_after_ms < 1)
    *retry_after_ms = 1;
  return true;
}
