/*
 * session_store.h — user sessions and login-failure counters in Redis (key layout and Lua in
 * session_store.c). Sessions are found by the SHA-256 hex of their token; the token itself is
 * never given to this module. Times are milliseconds of Redis's clock (TIME), so replicas with
 * skewed clocks agree. Redis down answers UNAVAILABLE; a missing session is not an error.
 */
#ifndef EHALL_STORE_SESSION_STORE_H
#define EHALL_STORE_SESSION_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/common/arena.h"
#include "core/common/status.h"
#include "core/store/redis.h"

typedef struct store_session {
  int64_t account_id;
  const char *campus_id;
  const char *session_id;  /* public id (never the token) */
  unsigned roles;          /* CALL_ROLE_* bits */
  const char *admin_units; /* dept_admin units joined by '\x1f' ("" when none) */
  bool must_change;
  const char *client;      /* "web" or "mp" */
  const char *device;
  const char *ip;
  int64_t idle_ms;          /* idle lifetime */
  int64_t absolute_ms;      /* create: lifetime from now; read back: absolute end (unix ms) */
  int64_t create_unix_ms;   /* filled by the store */
  int64_t last_seen_unix_ms;
  int64_t expire_unix_ms;   /* the earlier of idle and absolute expiry, as of last use */
} store_session_t;

/* Stores a new session under token_hash (64 hex) and adds it to its account's index. s->idle_ms
 * and s->absolute_ms (a lifetime) are read; create/last_seen/expire are filled in *s. */
bool store_session_create(arena_t *a, store_redis_pool_t *pool, const char *token_hash,
                          store_session_t *s, eh_err_t *err);

/* The gate's one round trip: reads the session, checks its absolute end, records the use and
 * extends the idle expiry. *found false (and true returned) when there is no live session.
 * Fills account_id, campus_id, session_id, roles, admin_units, must_change, expire_unix_ms. */
bool store_session_touch(arena_t *a, store_redis_pool_t *pool, const char *token_hash,
                         store_session_t *out, bool *found, eh_err_t *err);

/* The account's live sessions (dead index entries are pruned on the way), any order. */
bool store_session_list(arena_t *a, store_redis_pool_t *pool, int64_t account_id,
                        store_session_t **out, size_t *n, eh_err_t *err);

/* Ends one session of the account by its public id; *found false if it has no such session. */
bool store_session_end(arena_t *a, store_redis_pool_t *pool, int64_t account_id,
                       const char *session_id, bool *found, eh_err_t *err);

/* Ends every session of the account but keep_session_id (NULL or "": all). *ended may be NULL. */
bool store_session_end_all(arena_t *a, store_redis_pool_t *pool, int64_t account_id,
                           const char *keep_session_id, int *ended, eh_err_t *err);

/* Login-failure counters (see session_rules.h for what they mean). */
typedef struct store_login_counts {
  int64_t fails, window_start_ms, last_fail_ms, hour_fails, hour_start_ms;
} store_login_counts_t;

/* Reads the counters of an account key (lower-cased campus id as typed) and of an IP (may be
 * NULL or "") and Redis's clock, in one round trip. Missing counters read as zero. */
bool store_login_counts_get(arena_t *a, store_redis_pool_t *pool, const char *account_key,
                            const char *ip, store_login_counts_t *acct, store_login_counts_t *ipc,
                            int64_t *now_ms, eh_err_t *err);

/* Counts one failure for the account key and the IP: a window older than window_ms starts over,
 * an hour older than an hour starts over; keys expire when they no longer matter (keep_ms). */
bool store_login_fail(arena_t *a, store_redis_pool_t *pool, const char *account_key,
                      const char *ip, int64_t window_ms, int64_t keep_ms, eh_err_t *err);

/* Forgets the account key's counters (a successful login, an admin's unlock). */
bool store_login_clear(arena_t *a, store_redis_pool_t *pool, const char *account_key,
                       eh_err_t *err);

#endif
