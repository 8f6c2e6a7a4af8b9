/*
 * meta.c — metadata → call_t. Pure: no grpc, no I/O. Never logs a value it reads (tokens and
 * client addresses are personal data).
 */
#include "core/rpc/meta.h"

#include <arpa/inet.h>

#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "core/common/crypto.h"

bool rpc_request_id_valid(const char *s, size_t n) {
  if (n < 1 || n > 64)
    return false;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
          c == '.' || c == '_' || c == '-'))
      return false;
  }
  return true;
}

void rpc_request_id_generate(char out[17]) {
  /* xorshift64*: a few ns per id; a seed from the CSPRNG keeps ids of threads and restarts
   * apart. */
  static _Thread_local uint64_t state;
  while (state == 0)
    crypto_random(&state, sizeof(state));
  state ^= state >> 12;
  state ^= state << 25;
  state ^= state >> 27;
  uint64_t v = state * UINT64_C(2685821657736338717);
  static const char hex[] = "0123456789abcdef";
  for (int i = 15; i >= 0; i--) {
    out[i] = hex[v & 15];
    v >>= 4;
  }
  out[16] = '\0';
}

const char *rpc_language_pick(const char *v, size_t n) {
  while (n > 0 && (*v == ' ' || *v == '\t')) {
    v++;
    n--;
  }
  if (n >= 2 && strncasecmp(v, "en", 2) == 0 && (n == 2 || v[2] == '-' || v[2] == '_' ||
                                                v[2] == ',' || v[2] == ';' || v[2] == ' '))
    return "en";
  return "zh-CN";
}

const char *rpc_peer_address(arena_t *a, const char *peer) {
  if (peer == NULL)
    return "";
  if (strncmp(peer, "ipv4:", 5) == 0) {
    const char *h = peer + 5, *colon = strrchr(h, ':');
    return colon ? arena_strndup(a, h, (size_t)(colon - h)) : arena_strdup(a, h);
  }
  if (strncmp(peer, "ipv6:", 5) == 0) {
    const char *h = peer + 5;
    const char *open = "[", *close = "]";
    if (strncmp(h, "%5B", 3) == 0 || strncmp(h, "%5b", 3) == 0) {
      open = "%5B";
      close = strstr(h, "%5D") ? "%5D" : "%5d";
    }
    size_t ol = strlen(open);
    if (strncasecmp(h, open, ol) == 0) {
      const char *end = strstr(h + ol, close);
      if (end)
        return arena_strndup(a, h + ol, (size_t)(end - h - ol));
    }
    return arena_strdup(a, h);
  }
  return arena_strdup(a, peer);
}

static bool rpc__key_is(const rpc_kv_t *kv, const char *name) {
  size_t n = strlen(name);
  return kv->key_len == n && memcmp(kv->key, name, n) == 0;
}

/* Compares the digests so neither the content nor the length of the secret leaks by timing. */
static bool rpc__secret_matches(const char *got, size_t got_len, const char *want) {
  uint8_t a[CRYPTO_SHA256_LEN], b[CRYPTO_SHA256_LEN];
  crypto_sha256(got, got_len, a);
  crypto_sha256(want, strlen(want), b);
  return crypto_equal_ct(a, b, sizeof(a));
}

/* The first address of an x-forwarded-for list, trimmed; NULL if it is empty or odd. */
static const char *rpc__forwarded_first(arena_t *a, const char *v, size_t n) {
  const char *comma = memchr(v, ',', n);
  if (comma)
    n = (size_t)(comma - v);
  while (n > 0 && (*v == ' ' || *v == '\t')) {
    v++;
    n--;
  }
  while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
    n--;
  if (n == 0 || n > 45) /* longest IPv6 text form */
    return NULL;
  /* A real address or nothing: it goes into inet columns, logs and rate-limit keys. */
  char buf[46];
  memcpy(buf, v, n);
  buf[n] = '\0';
  unsigned char bin[sizeof(struct in6_addr)];
  if (inet_pton(AF_INET, buf, bin) != 1 && inet_pton(AF_INET6, buf, bin) != 1)
    return NULL;
  return arena_strndup(a, v, n);
}

void rpc_meta_parse(call_t *call, const rpc_kv_t *md, size_t n, const char *peer,
                    const char *gateway_secret) {
  arena_t *a = call->arena;
  const rpc_kv_t *rid = NULL, *fwd = NULL, *secret = NULL;
  call->request_id = NULL;
  call->authorization = NULL;
  call->language = "zh-CN";
  call->idempotency_key = NULL;
  call->user_agent = NULL;
  const rpc_kv_t *ua = NULL, *fwd_ua = NULL, *via = NULL;
  for (size_t i = 0; i < n; i++) {
    const rpc_kv_t *kv = &md[i];
    if (rpc__key_is(kv, "authorization")) {
      if (kv->value_len > 7 && strncasecmp(kv->value, "Bearer ", 7) == 0)
        call->authorization = arena_strndup(a, kv->value + 7, kv->value_len - 7);
    } else if (rpc__key_is(kv, "x-request-id")) {
      rid = kv;
    } else if (rpc__key_is(kv, "x-forwarded-for")) {
      fwd = kv;
    } else if (rpc__key_is(kv, "x-ehall-gateway-secret")) {
      secret = kv;
    } else if (rpc__key_is(kv, "x-ehall-via")) {
      via = kv;
    } else if (rpc__key_is(kv, "user-agent")) {
      ua = kv;
    } else if (rpc__key_is(kv, "x-ehall-user-agent")) {
      fwd_ua = kv; /* the browser's, forwarded by the gateway (gRPC's own names the channel) */
    } else if (rpc__key_is(kv, "accept-language")) {
      call->language = rpc_language_pick(kv->value, kv->value_len);
    } else if (rpc__key_is(kv, "idempotency-key")) {
      /* Kept even when malformed (too long: cut to 129 chars, still too long), so the call is
       * refused instead of silently running without its key (core/rpc/gates.c checks it). */
      if (kv->value_len > 0)
        call->idempotency_key =
            arena_strndup(a, kv->value, kv->value_len > 129 ? 129 : kv->value_len);
    }
  }
  if (rid && rpc_request_id_valid(rid->value, rid->value_len)) {
    call->request_id = arena_strndup(a, rid->value, rid->value_len);
  } else {
    char *id = arena_alloc(a, 17);
    rpc_request_id_generate(id);
    call->request_id = id;
  }
  bool trusted = secret && gateway_secret && *gateway_secret &&
                 rpc__secret_matches(secret->value, secret->value_len, gateway_secret);
  /* Only for the sessions list ("Chrome on Windows"): cut to 200 bytes; the browser's, as the
   * gateway forwards it, only from the trusted gateway. */
  const rpc_kv_t *agent = trusted && fwd_ua ? fwd_ua : ua;
  if (agent != NULL && agent->value_len > 0)
    call->user_agent =
        arena_strndup(a, agent->value, agent->value_len > 200 ? 200 : agent->value_len);
  call->client_ip = NULL;
  /* The gateway marks the calls it makes for an HTTP client; trusted gRPC callers that forward
   * an address (other proxies, tests) are not browsers. */
  call->via_gateway = trusted && via != NULL && via->value_len == 4 && !memcmp(via->value, "http", 4);
  if (fwd && trusted)
    call->client_ip = rpc__forwarded_first(a, fwd->value, fwd->value_len);
  if (call->client_ip == NULL)
    call->client_ip = rpc_peer_address(a, peer);
}

bool rpc_address_is_loopback(const char *listen) {
  if (strncmp(listen, "unix:", 5) == 0 || strncmp(listen, "unix-abstract:", 14) == 0)
    return true;
  if (strncmp(listen, "ipv4:", 5) == 0 || strncmp(listen, "ipv6:", 5) == 0)
    listen += 5;
  if (strncmp(listen, "[::1]:", 6) == 0)
    return true;
  const char *colon = strrchr(listen, ':');
  size_t hl = colon ? (size_t)(colon - listen) : strlen(listen);
  if (hl == 9 && strncmp(listen, "localhost", 9) == 0)
    return true;
  if (hl >= 4 && hl <= 15 && strncmp(listen, "127.", 4) == 0) {
    for (size_t i = 4; i < hl; i++)
      if (!((listen[i] >= '0' && listen[i] <= '9') || listen[i] == '.'))
        return false;
    return true;
  }
  return false;
}
