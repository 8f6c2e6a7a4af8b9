/*
 * gates.c — rate limits and idempotency keys around every unary call (see gates.h and
 * core/rpc/README.md).
 *
 * Must never log a key, a scope, a client address or a payload.
 */
#include "core/rpc/gates.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/common/crypto.h"
#include "core/common/log.h"
#include "core/rpc/guard.h"
#include "core/store/idempotency_store.h"
#include "core/store/pg.h"
#include "core/store/ratelimit.h"

/* After Redis failed a check, calls pass without asking it for this long, so an unreachable
 * Redis (a connect timeout) does not slow every call down. */
#define GATE_REDIS_BACKOFF_MS 1000
/* Recording or releasing a claim after the handler gets its own short deadline: the call's may
 * have passed already (a DEADLINE answer must still release the claim). */
#define GATE_FINISH_MS 2000
#define GATE_SWEEP_BATCH 1000
#define GATE_SWEEP_MAX_BATCHES 100

/* ---- rate limits ---- */

static atomic_bool gate__redis_down;
static _Atomic int64_t gate__skip_until_ms;

static const char *gate__class_name(rpc_limit_t l) {
  switch (l) {
  case RPC_LIMIT_WRITE:
    return "write";
  case RPC_LIMIT_LOGIN:
    return "login";
  default:
    return "read";
  }
}

bool rpc_gate_ratelimit(call_t *call, const rpc_method_t *m, eh_err_t *err) {
  const core_config_t *cfg = call->cfg;
  if (m->limit == RPC_LIMIT_NONE || cfg == NULL || !cfg->ratelimit_enabled || call->redis == NULL)
    return true;
  int64_t now = call_now_ms();
  if (now < atomic_load(&gate__skip_until_ms))
    return true;
  store_ratelimit_rate_t rate;
  const char *key;
  switch (m->limit) {
  case RPC_LIMIT_WRITE:
    /* Per method too: a burst of one kind of write does not block the others. */
    rate = store_ratelimit_rate(cfg->ratelimit_write_per_min, cfg->ratelimit_write_burst);
    key = arena_printf(call->arena, "rl:write:%s:%s", m->name, call->client_ip);
    break;
  case RPC_LIMIT_LOGIN:
    rate = store_ratelimit_rate(cfg->ratelimit_login_per_min, cfg->ratelimit_login_burst);
    key = arena_printf(call->arena, "rl:login:%s", call->client_ip);
    break;
  default:
    rate = store_ratelimit_rate(cfg->ratelimit_read_per_min, cfg->ratelimit_read_burst);
    key = arena_printf(call->arena, "rl:read:%s", call->client_ip);
    break;
  }
  bool allowed = true;
  int64_t wait_ms = 0;
  eh_err_t e = EH_ERR_INIT;
  if (!store_ratelimit_take(call->arena, call->redis, key, rate, &allowed, &wait_ms, &e)) {
    /* Rate limits gate, they never decide: without Redis the call passes. */
    if (!atomic_exchange(&gate__redis_down, true))
      LOG_WARN("rpc", "rate limits are off while Redis cannot answer status=%s detail=%s",
               eh_status_name(e.code), e.detail[0] ? e.detail : "-");
    atomic_store(&gate__skip_until_ms, now + GATE_REDIS_BACKOFF_MS);
    return true;
  }
  if (atomic_exchange(&gate__redis_down, false))
    LOG_INFO("rpc", "rate limits are on again");
  if (allowed)
    return true;
  long long secs = rpc_retry_seconds(wait_ms);
  eh_err_set(err, EH_RESOURCE_EXHAUSTED, NULL, "请求过于频繁，请 %lld 秒后再试",
             "too many requests, retry in %lld s", secs);
  err->retry_after_ms = wait_ms;
  eh_err_detail(err, "rate limit class=%s retry_after_ms=%lld", gate__class_name(m->limit),
                (long long)wait_ms);
  return false;
}

/* ---- idempotency ---- */

bool rpc_gate_idem_begin(call_t *call, const rpc_method_t *m, const ProtobufCMessage *req,
                         rpc_idem_t *idem, eh_err_t *err) {
  memset(idem, 0, sizeof(*idem));
  if (!(m->flags & RPC_METHOD_MUTATES) || call->idempotency_key == NULL)
    return true;
  if (!rpc_idempotency_key_valid(call->idempotency_key))
    return eh_err_set(err, EH_INVALID, NULL, "幂等键格式不正确",
                      "invalid idempotency key: use 1-128 characters of A-Z a-z 0-9 _ . : -");
  /* protobuf-c packs fields in number order: the same message hashes the same however the
   * client (or the gateway's JSON) ordered it. */
  size_t n = protobuf_c_message_get_packed_size(req);
  uint8_t *bytes = arena_alloc(call->arena, n + 1);
  protobuf_c_message_pack(req, bytes);
  uint8_t hash[CRYPTO_SHA256_LEN];
  crypto_sha256(bytes, n, hash);
  idem->scope = rpc_idempotency_scope(call->arena, &call->principal, call->client_ip);
  const core_config_t *cfg = call->cfg;
  store_idem_claim_t claim;
  if (!store_idempotency_claim(call->arena, call->pg, call->deadline_ms, idem->scope, m->name,
                               call->idempotency_key, hash, cfg->idempotency_stale_ms,
                               (int64_t)cfg->idempotency_ttl_s * 1000, &claim, err))
    return false;
  switch (claim.state) {
  case STORE_IDEM_CLAIMED:
    idem->claimed = true;
    return true;
  case STORE_IDEM_DONE:
    idem->replay = true;
    idem->replay_code = claim.grpc_code;
    idem->replay_bytes = claim.response;
    idem->replay_len = claim.response_len;
    return true;
  case STORE_IDEM_MISMATCH:
    /* INVALID_ARGUMENT: the request itself is wrong (the key belongs to another body); it will
     * never succeed as sent, unlike FAILED_PRECONDITION's "fix the state first". */
    return eh_err_set(err, EH_INVALID, NULL, "该幂等键已用于另一个请求",
                      "this idempotency key was already used for a different request");
  case STORE_IDEM_PENDING:
    break;
  }
  return eh_err_set(err, EH_CONFLICT, NULL, "相同的请求正在处理，请稍后",
                    "the same request is still being processed, retry later");
}

void rpc_gate_idem_finish(call_t *call, rpc_idem_t *idem, const eh_err_t *result, int grpc_code,
                          const uint8_t *bytes, size_t len) {
  if (!idem->claimed)
    return;
  idem->claimed = false;
  int64_t deadline = call_now_ms() + GATE_FINISH_MS;
  eh_err_t e = EH_ERR_INIT;
  bool ok;
  const char *what;
  if (rpc_idempotency_final(result->code, store_pg_retryable(result))) {
    what = "record";
    ok = store_idempotency_complete_pool(call->arena, call->pg, deadline, idem->scope, call->method,
                                         call->idempotency_key, grpc_code, bytes, len, &e);
  } else {
    what = "release";
    ok = store_idempotency_release(call->arena, call->pg, deadline, idem->scope, call->method,
                                   call->idempotency_key, &e);
  }
  if (!ok)
    /* The claim stays pending: a retry is answered "in progress" until idempotency.stale_ms,
     * then takes it over (README: the handler may then run twice). */
    LOG_WARN("rpc", "idempotency %s failed method=%s status=%s detail=%s", what, call->method,
             eh_status_name(e.code), e.detail[0] ? e.detail : "-");
}

/* ---- the sweeper ---- */

struct rpc_sweeper {
  struct store_pg_pool *pg;
  const core_config_t *cfg;
  pthread_t thread;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  bool stop;
};

static void gate__sweep_once(rpc_sweeper_t *s) {
  int total = 0;
  for (int i = 0; i < GATE_SWEEP_MAX_BATCHES; i++) {
    arena_t *a = arena_create(0);
    eh_err_t err = EH_ERR_INIT;
    int deleted = 0;
    bool ok = store_idempotency_sweep(a, s->pg, call_now_ms() + 10000,
                                      (int64_t)s->cfg->idempotency_ttl_s * 1000, GATE_SWEEP_BATCH,
                                      &deleted, &err);
    arena_destroy(a);
    if (!ok) {
      LOG_WARN("rpc", "idempotency sweep failed status=%s detail=%s", eh_status_name(err.code),
               err.detail[0] ? err.detail : "-");
      break;
    }
    total += deleted;
    if (deleted < GATE_SWEEP_BATCH)
      break;
    pthread_mutex_lock(&s->mu);
    bool stop = s->stop;
    pthread_mutex_unlock(&s->mu);
    if (stop)
      break;
  }
  if (total > 0)
    LOG_INFO("rpc", "idempotency keys expired deleted=%d", total);
}

static void *gate__sweeper_main(void *arg) {
  rpc_sweeper_t *s = arg;
  pthread_mutex_lock(&s->mu);
  while (!s->stop) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    long ms = s->cfg->idempotency_sweep_ms;
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
      ts.tv_sec++;
      ts.tv_nsec -= 1000000000L;
    }
    int rc = 0;
    while (!s->stop && rc != ETIMEDOUT)
      rc = pthread_cond_timedwait(&s->cv, &s->mu, &ts);
    if (s->stop)
      break;
    pthread_mutex_unlock(&s->mu);
    gate__sweep_once(s);
    pthread_mutex_lock(&s->mu);
  }
  pthread_mutex_unlock(&s->mu);
  return NULL;
}

rpc_sweeper_t *rpc_sweeper_start(struct store_pg_pool *pg, const core_config_t *cfg) {
  rpc_sweeper_t *s = calloc(1, sizeof(*s));
  if (s == NULL)
    abort();
  s->pg = pg;
  s->cfg = cfg;
  pthread_mutex_init(&s->mu, NULL);
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&s->cv, &ca);
  pthread_condattr_destroy(&ca);
  if (pthread_create(&s->thread, NULL, gate__sweeper_main, s) != 0) {
    LOG_WARN("rpc", "cannot start the idempotency sweeper: expired keys stay until a restart");
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    free(s);
    return NULL;
  }
  return s;
}

void rpc_sweeper_stop(rpc_sweeper_t *s) {
  if (s == NULL)
    return;
  pthread_mutex_lock(&s->mu);
  s->stop = true;
  pthread_cond_signal(&s->cv);
  pthread_mutex_unlock(&s->mu);
  pthread_join(s->thread, NULL);
  pthread_cond_destroy(&s->cv);
  pthread_mutex_destroy(&s->mu);
  free(s);
}
