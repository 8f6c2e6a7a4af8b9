/*
 * session_store.c — sessions and login-failure counters in Redis (session_store.h).
 *
 * Must never see or log a token (only its SHA-256 hex), and never log a key: keys carry campus
 * ids and client addresses.
 *
 * Key layout (all hashes; times are ms of Redis's TIME):
 *   ehall:sess:<sha256 hex of token>   a account id, c campus id, s session id, r role bits,
 *                                      u dept-admin units joined by \x1f, m must-change 0/1,
 *                                      cl client, d device, ip, ct created, ls last seen,
 *                                      ab absolute end, id idle ms.
 *                                      PEXPIRE = min(idle, ab - now), renewed by the gate (TOUCH).
 *   ehall:sessidx:<account id>         session id → token hash, for listing and "end all";
 *                                      PEXPIRE ≥ the longest absolute lifetime in it; dead
 *                                      entries are pruned when listed.
 *   ehall:login:a:<campus id, lower>   n failures in window, ws window start, lf last failure,
 *                                      h failures this hour, hs hour start.
 *   ehall:login:ip:<client ip>         n, ws, lf (as above, no hour).
 *                                      Both PEXPIRE keep_ms (max of window, lock, an hour).
 *
 * Lua (EVALSHA, falling back to EVAL after a Redis restart), each one atomic step:
 *   CREATE   HSET the session, PEXPIRE min(idle, life); HSET the index, raise its PEXPIRE.
 *   TOUCH    HMGET; absolute end passed → DEL, nil; else HSET ls, PEXPIRE min(idle, ab - now);
 *            returns the principal and the new expiry. The gate's common case does not run
 *            it: HMGET + PTTL pipelined (plain commands, one round trip); only when a renewal
 *            would move the expiry by SS_RENEW_MS (or idle/10) or more, or the absolute end
 *            has passed, does it call TOUCH. Idle expiry and last-seen have that granularity.
 *   LIST     HGETALL the index; HMGET each session; HDEL entries whose session is gone.
 *   END      HGET the index entry, HDEL it, DEL the session.
 *   END_ALL  the same for every entry but the kept one.
 *   COUNTS   TIME and HMGET of both counter keys (read only).
 *   FAIL     count one failure in both keys (window / hour start over when old), PEXPIRE.
 * LIST, END and END_ALL touch session keys named by the index rather than by KEYS: fine on one
 * Redis (and Sentinel); a Redis Cluster would need hash tags ({account}) in both key names.
 */
#include "core/store/session_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SS_SESS_PREFIX "ehall:sess:"
#define SS_INDEX_PREFIX "ehall:sessidx:"
#define SS_LOGIN_ACCT_PREFIX "ehall:login:a:"
#define SS_LOGIN_IP_PREFIX "ehall:login:ip:"
/* The gate renews a session's idle expiry and last-seen at most this often (and at most every
 * tenth of its idle time): between renewals it only reads. */
#define SS_RENEW_MS 60000

#define SS_LUA_NOW                                                                                 \
  "local t = redis.call('TIME')\n"                                                                 \
  "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"                        \
  "local function f(x) return string.format('%.0f', x) end\n"

/* KEYS: session, index. ARGV: a c s r u m cl d ip idle_ms life_ms token_hash. */
static const char SS_CREATE[] = SS_LUA_NOW
    "local idle = tonumber(ARGV[10])\n"
    "local life = tonumber(ARGV[11])\n"
    "local ttl = math.min(idle, life)\n"
    "redis.call('HSET', KEYS[1], 'a', ARGV[1], 'c', ARGV[2], 's', ARGV[3], 'r', ARGV[4],\n"
    "  'u', ARGV[5], 'm', ARGV[6], 'cl', ARGV[7], 'd', ARGV[8], 'ip', ARGV[9],\n"
    "  'ct', f(now), 'ls', f(now), 'ab', f(now + life), 'id', ARGV[10])\n"
    "redis.call('PEXPIRE', KEYS[1], ttl)\n"
    "redis.call('HSET', KEYS[2], ARGV[3], ARGV[12])\n"
    "if redis.call('PTTL', KEYS[2]) < life then redis.call('PEXPIRE', KEYS[2], life) end\n"
    "return {f(now), f(now + ttl)}\n";

/* KEYS: session. Returns nil or {a, c, s, r, u, m, expire}. */
static const char SS_TOUCH[] =
    "local v = redis.call('HMGET', KEYS[1], 'a', 'c', 's', 'r', 'u', 'm', 'ab', 'id')\n"
    "if not v[1] then return false end\n" SS_LUA_NOW "local ab = tonumber(v[7])\n"
    "if now >= ab then redis.call('DEL', KEYS[1]) return false end\n"
    "local ttl = math.min(tonumber(v[8]), ab - now)\n"
    "redis.call('HSET', KEYS[1], 'ls', f(now))\n"
    "redis.call('PEXPIRE', KEYS[1], ttl)\n"
    "return {v[1], v[2], v[3], v[4], v[5], v[6], f(now + ttl)}\n";

/* KEYS: index. ARGV: session key prefix. Returns 8 strings per live session. */
static const char SS_LIST[] =
    SS_LUA_NOW "local idx = redis.call('HGETALL', KEYS[1])\n"
               "local out = {}\n"
               "for i = 1, #idx, 2 do\n"
               "  local k = ARGV[1] .. idx[i + 1]\n"
               "  local v = redis.call('HMGET', k, 's', 'cl', 'd', 'ip', 'ct', 'ls', 'ab')\n"
               "  local ttl = redis.call('PTTL', k)\n"
               "  if (not v[1]) or v[1] ~= idx[i] or ttl < 0 then\n"
               "    redis.call('HDEL', KEYS[1], idx[i])\n"
               "  else\n"
               "    for j = 1, 7 do out[#out + 1] = v[j] or '' end\n"
               "    out[#out + 1] = f(now + ttl)\n"
               "  end\n"
               "end\n"
               "return out\n";

/* KEYS: index. ARGV: session key prefix, session id. Returns 1 if a live session ended. */
static const char SS_END[] = "local h = redis.call('HGET', KEYS[1], ARGV[2])\n"
                             "if not h then return 0 end\n"
                             "redis.call('HDEL', KEYS[1], ARGV[2])\n"
                             "return redis.call('DEL', ARGV[1] .. h)\n";

/* KEYS: index. ARGV: session key prefix, session id to keep (or ""). Returns how many ended. */
static const char SS_END_ALL[] = "local idx = redis.call('HGETALL', KEYS[1])\n"
                                 "local n = 0\n"
                                 "for i = 1, #idx, 2 do\n"
                                 "  if idx[i] ~= ARGV[2] then\n"
                                 "    n = n + redis.call('DEL', ARGV[1] .. idx[i + 1])\n"
                                 "    redis.call('HDEL', KEYS[1], idx[i])\n"
                                 "  end\n"
                                 "end\n"
                                 "return n\n";

/* KEYS: account counters, IP counters. Returns {now, n ws lf h hs, n ws lf} as strings. */
static const char SS_COUNTS[] =
    SS_LUA_NOW "local a = redis.call('HMGET', KEYS[1], 'n', 'ws', 'lf', 'h', 'hs')\n"
               "local b = redis.call('HMGET', KEYS[2], 'n', 'ws', 'lf')\n"
               "local out = {f(now)}\n"
               "for j = 1, 5 do out[#out + 1] = a[j] or '0' end\n"
               "for j = 1, 3 do out[#out + 1] = b[j] or '0' end\n"
               "return out\n";

/* KEYS: account counters, IP counters. ARGV: window ms, keep ms, "1" to count the IP too. */
static const char SS_FAIL[] =
    SS_LUA_NOW "local w = tonumber(ARGV[1])\n"
               "local function bump(k, hour)\n"
               "  local v = redis.call('HMGET', k, 'n', 'ws', 'h', 'hs')\n"
               "  local n, ws = tonumber(v[1]) or 0, tonumber(v[2]) or 0\n"
               "  if now - ws >= w then n = 0 ws = now end\n"
               "  redis.call('HSET', k, 'n', f(n + 1), 'ws', f(ws), 'lf', f(now))\n"
               "  if hour then\n"
               "    local h, hs = tonumber(v[3]) or 0, tonumber(v[4]) or 0\n"
               "    if now - hs >= 3600000 then h = 0 hs = now end\n"
               "    redis.call('HSET', k, 'h', f(h + 1), 'hs', f(hs))\n"
               "  end\n"
               "  redis.call('PEXPIRE', k, ARGV[2])\n"
               "end\n"
               "bump(KEYS[1], true)\n"
               "if ARGV[3] == '1' then bump(KEYS[2], false) end\n"
               "return 1\n";

static store_redis_script_t ss_create = STORE_REDIS_SCRIPT(SS_CREATE),
                            ss_touch = STORE_REDIS_SCRIPT(SS_TOUCH),
                            ss_list = STORE_REDIS_SCRIPT(SS_LIST),
                            ss_end = STORE_REDIS_SCRIPT(SS_END),
                            ss_end_all = STORE_REDIS_SCRIPT(SS_END_ALL),
                            ss_counts = STORE_REDIS_SCRIPT(SS_COUNTS),
                            ss_fail = STORE_REDIS_SCRIPT(SS_FAIL);

static bool ss__odd(eh_err_t *err, const char *what) {
  eh_err_set(err, EH_INTERNAL, NULL, "服务器内部错误", "internal server error");
  eh_err_detail(err, "session store: %s gave an odd reply", what);
  return false;
}

static const char *ss__str_at(arena_t *a, const store_redis_reply_t *r, size_t i) {
  const store_redis_reply_t *e = store_redis_reply_at(r, i);
  size_t n = 0;
  const char *s = e != NULL ? store_redis_reply_str(e, &n) : NULL;
  return s != NULL ? arena_strndup(a, s, n) : "";
}

static int64_t ss__int_at(arena_t *a, const store_redis_reply_t *r, size_t i) {
  const store_redis_reply_t *e = store_redis_reply_at(r, i);
  if (e != NULL && store_redis_reply_type(e) == STORE_REDIS_INTEGER)
    return store_redis_reply_int(e);
  return strtoll(ss__str_at(a, r, i), NULL, 10);
}

static const char *ss__i64(arena_t *a, int64_t v) {
  return arena_printf(a, "%lld", (long long)v);
}

bool store_session_create(arena_t *a, store_redis_pool_t *pool, const char *token_hash,
                          store_session_t *s, eh_err_t *err) {
  const char *args[] = {
      arena_printf(a, SS_SESS_PREFIX "%s", token_hash),
      arena_printf(a, SS_INDEX_PREFIX "%lld", (long long)s->account_id),
      ss__i64(a, s->account_id),
      s->campus_id,
      s->session_id,
      arena_printf(a, "%u", s->roles),
      s->admin_units != NULL ? s->admin_units : "",
      s->must_change ? "1" : "0",
      s->client,
      s->device != NULL ? s->device : "",
      s->ip != NULL ? s->ip : "",
      ss__i64(a, s->idle_ms),
      ss__i64(a, s->absolute_ms),
      token_hash,
  };
  store_redis_reply_t *r = store_redis_eval(a, pool, &ss_create, 2, 14, args, err);
  if (r == NULL)
    return false;
  if (store_redis_reply_type(r) != STORE_REDIS_ARRAY || store_redis_reply_len(r) != 2)
    return ss__odd(err, "CREATE");
  s->create_unix_ms = s->last_seen_unix_ms = ss__int_at(a, r, 0);
  s->expire_unix_ms = ss__int_at(a, r, 1);
  s->absolute_ms = s->create_unix_ms + s->absolute_ms;
  return true;
}

/* Fills out from {a, c, s, r, u, m, ...} (HMGET or TOUCH order). */
static void ss__principal(arena_t *a, const store_redis_reply_t *r, store_session_t *out) {
  memset(out, 0, sizeof(*out));
  out->account_id = ss__int_at(a, r, 0);
  out->campus_id = ss__str_at(a, r, 1);
  out->session_id = ss__str_at(a, r, 2);
  out->roles = (unsigned)ss__int_at(a, r, 3);
  out->admin_units = ss__str_at(a, r, 4);
  out->must_change = strcmp(ss__str_at(a, r, 5), "1") == 0;
}

static int64_t ss__wall_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The TOUCH script: the absolute end checked by Redis's clock, last-seen and expiry renewed. */
static bool ss__touch_script(arena_t *a, store_redis_pool_t *pool, const char *key,
                             store_session_t *out, bool *found, eh_err_t *err) {
  const char *args[] = {key};
  store_redis_reply_t *r = store_redis_eval(a, pool, &ss_touch, 1, 1, args, err);
  if (r == NULL)
    return false;
  if (store_redis_reply_type(r) == STORE_REDIS_NIL)
    return true;
  if (store_redis_reply_type(r) != STORE_REDIS_ARRAY || store_redis_reply_len(r) != 7)
    return ss__odd(err, "TOUCH");
  ss__principal(a, r, out);
  out->expire_unix_ms = ss__int_at(a, r, 6);
  *found = out->account_id > 0;
  return true;
}

bool store_session_touch(arena_t *a, store_redis_pool_t *pool, const char *token_hash,
                         store_session_t *out, bool *found, eh_err_t *err) {
  *found = false;
  const char *key = arena_printf(a, SS_SESS_PREFIX "%s", token_hash);
  /* The common case reads only: HMGET and PTTL pipelined, two plain commands in one round
   * trip (the TOUCH script costs Redis a Lua call). Expiry and last-seen are renewed by the
   * script only when the renewal would move them by SS_RENEW_MS or more, so both have that
   * granularity; an absolute end that has passed goes to the script too, which deletes. */
  static const char *const hmget[] = {"HMGET", NULL, "a", "c", "s", "r", "u", "m", "ab", "id"};
  const char *argv0[10], *argv1[2] = {"PTTL", key};
  size_t len0[10], len1[2] = {4, strlen(key)};
  for (int i = 0; i < 10; i++) {
    argv0[i] = i == 1 ? key : hmget[i];
    len0[i] = strlen(argv0[i]);
  }
  store_redis_cmd_t cmds[2] = {{10, argv0, len0}, {2, argv1, len1}};
  store_redis_reply_t *rep[2];
  if (!store_redis_pipeline(a, pool, 2, cmds, rep, err))
    return false;
  if (store_redis_reply_type(rep[0]) != STORE_REDIS_ARRAY || store_redis_reply_len(rep[0]) != 8 ||
      store_redis_reply_type(rep[1]) != STORE_REDIS_INTEGER)
    return ss__odd(err, "HMGET/PTTL");
  if (store_redis_reply_type(store_redis_reply_at(rep[0], 0)) == STORE_REDIS_NIL)
    return true; /* no such session */
  int64_t now = ss__wall_ms(), ab = ss__int_at(a, rep[0], 6), idle = ss__int_at(a, rep[0], 7);
  int64_t pttl = store_redis_reply_int(rep[1]);
  int64_t want = idle < ab - now ? idle : ab - now; /* the expiry a renewal would set */
  int64_t step = idle / 10 < SS_RENEW_MS ? idle / 10 : SS_RENEW_MS;
  if (pttl < 0 || now >= ab || want - pttl >= step)
    return ss__touch_script(a, pool, key, out, found, err);
  ss__principal(a, rep[0], out);
  out->expire_unix_ms = now + pttl;
  *found = out->account_id > 0;
  return true;
}

bool store_session_list(arena_t *a, store_redis_pool_t *pool, int64_t account_id,
                        store_session_t **out, size_t *n, eh_err_t *err) {
  const char *args[] = {arena_printf(a, SS_INDEX_PREFIX "%lld", (long long)account_id),
                        SS_SESS_PREFIX};
  store_redis_reply_t *r = store_redis_eval(a, pool, &ss_list, 1, 2, args, err);
  *out = NULL;
  *n = 0;
  if (r == NULL)
    return false;
  if (store_redis_reply_type(r) == STORE_REDIS_NIL)
    return true; /* an empty Lua table arrives as an empty array or nil */
  if (store_redis_reply_type(r) != STORE_REDIS_ARRAY || store_redis_reply_len(r) % 8 != 0)
    return ss__odd(err, "LIST");
  size_t count = store_redis_reply_len(r) / 8;
  store_session_t *v = arena_zalloc(a, sizeof(*v) * (count + 1));
  for (size_t i = 0; i < count; i++) {
    size_t b = i * 8;
    v[i].account_id = account_id;
    v[i].session_id = ss__str_at(a, r, b);
    v[i].client = ss__str_at(a, r, b + 1);
    v[i].device = ss__str_at(a, r, b + 2);
    v[i].ip = ss__str_at(a, r, b + 3);
    v[i].create_unix_ms = ss__int_at(a, r, b + 4);
    v[i].last_seen_unix_ms = ss__int_at(a, r, b + 5);
    v[i].absolute_ms = ss__int_at(a, r, b + 6);
    v[i].expire_unix_ms = ss__int_at(a, r, b + 7);
  }
  *out = v;
  *n = count;
  return true;
}

bool store_session_end(arena_t *a, store_redis_pool_t *pool, int64_t account_id,
                       const char *session_id, bool *found, eh_err_t *err) {
  const char *args[] = {arena_printf(a, SS_INDEX_PREFIX "%lld", (long long)account_id),
                        SS_SESS_PREFIX, session_id};
  store_redis_reply_t *r = store_redis_eval(a, pool, &ss_end, 1, 3, args, err);
  *found = false;
  if (r == NULL)
    return false;
  if (store_redis_reply_type(r) != STORE_REDIS_INTEGER)
    return ss__odd(err, "END");
  *found = store_redis_reply_int(r) > 0;
  return true;
}

bool store_session_end_all(arena_t *a, store_redis_pool_t *pool, int64_t account_id,
                           const char *keep_session_id, int *ended, eh_err_t *err) {
  const char *args[] = {arena_printf(a, SS_INDEX_PREFIX "%lld", (long long)account_id),
                        SS_SESS_PREFIX, keep_session_id != NULL ? keep_session_id : ""};
  store_redis_reply_t *r = store_redis_eval(a, pool, &ss_end_all, 1, 3, args, err);
  if (r == NULL)
    return false;
  if (store_redis_reply_type(r) != STORE_REDIS_INTEGER)
    return ss__odd(err, "END_ALL");
  if (ended != NULL)
    *ended = (int)store_redis_reply_int(r);
  return true;
}

/* The IP key; an unknown address shares one key (no address must not mean no limit). */
static const char *ss__ip_key(arena_t *a, const char *ip) {
  return arena_printf(a, SS_LOGIN_IP_PREFIX "%s", ip != NULL && *ip ? ip : "-");
}

bool store_login_counts_get(arena_t *a, store_redis_pool_t *pool, const char *account_key,
                            const char *ip, store_login_counts_t *acct, store_login_counts_t *ipc,
                            int64_t *now_ms, eh_err_t *err) {
  const char *args[] = {arena_printf(a, SS_LOGIN_ACCT_PREFIX "%s", account_key), ss__ip_key(a, ip)};
  store_redis_reply_t *r = store_redis_eval(a, pool, &ss_counts, 2, 2, args, err);
  if (r == NULL)
    return false;
  if (store_redis_reply_type(r) != STORE_REDIS_ARRAY || store_redis_reply_len(r) != 9)
    return ss__odd(err, "COUNTS");
  *now_ms = ss__int_at(a, r, 0);
  memset(acct, 0, sizeof(*acct));
  memset(ipc, 0, sizeof(*ipc));
  acct->fails = ss__int_at(a, r, 1);
  acct->window_start_ms = ss__int_at(a, r, 2);
  acct->last_fail_ms = ss__int_at(a, r, 3);
  acct->hour_fails = ss__int_at(a, r, 4);
  acct->hour_start_ms = ss__int_at(a, r, 5);
  ipc->fails = ss__int_at(a, r, 6);
  ipc->window_start_ms = ss__int_at(a, r, 7);
  ipc->last_fail_ms = ss__int_at(a, r, 8);
  return true;
}

bool store_login_fail(arena_t *a, store_redis_pool_t *pool, const char *account_key, const char *ip,
                      int64_t window_ms, int64_t keep_ms, eh_err_t *err) {
  const char *args[] = {arena_printf(a, SS_LOGIN_ACCT_PREFIX "%s", account_key), ss__ip_key(a, ip),
                        ss__i64(a, window_ms), ss__i64(a, keep_ms), "1"};
  return store_redis_eval(a, pool, &ss_fail, 2, 5, args, err) != NULL;
}

bool store_login_clear(arena_t *a, store_redis_pool_t *pool, const char *account_key,
                       eh_err_t *err) {
  const char *key = arena_printf(a, SS_LOGIN_ACCT_PREFIX "%s", account_key);
  const char *argv[] = {"DEL", key};
  size_t lens[] = {3, strlen(key)};
  return store_redis_cmd(a, pool, 2, argv, lens, err) != NULL;
}
