/*
 * meta.h — the pure part of core/rpc's call set-up: gRPC metadata (as plain key/value pairs)
 * into call_t, request ids, peer addresses, languages. No grpc types, no I/O, no logging, so
 * it is unit-tested directly (tests/unit/core/rpc/meta_test.c).
 *
 * Never copies the authorization token anywhere but call_t (never into a log line).
 */
#ifndef EHALL_RPC_META_H
#define EHALL_RPC_META_H

#include <stdbool.h>
#include <stddef.h>

#include "core/common/arena.h"
#include "core/common/call.h"

/* One metadata entry; key is lower-case ASCII (gRPC guarantees it); value not NUL-terminated. */
typedef struct rpc_kv {
  const char *key;
  size_t key_len;
  const char *value;
  size_t value_len;
} rpc_kv_t;

/* True if s[0..n) is a request id we accept from a client: 1–64 chars of [A-Za-z0-9._-]. */
bool rpc_request_id_valid(const char *s, size_t n);

/* Writes 16 lower-case hex chars and a NUL into out[17] from a per-thread xorshift generator
 * (seeded once per thread from crypto_random). Not a secret: only unique enough for logs. */
void rpc_request_id_generate(char out[17]);

/* "en" when the accept-language value starts with "en" (any case), else "zh-CN". */
const char *rpc_language_pick(const char *v, size_t n);

/* The address part of a grpc peer string ("ipv4:127.0.0.1:5000" → "127.0.0.1",
 * "ipv6:[::1]:5000" → "::1", "ipv6:%5B::1%5D:5000" → "::1"); the input itself if it has no
 * known form. Owned by a. */
const char *rpc_peer_address(arena_t *a, const char *peer);

/* Fills the metadata fields of call (request_id, authorization, client_ip, language,
 * idempotency_key) from md. `peer` is grpc_call_get_peer's string; `gateway_secret` the
 * configured secret (NULL or "" when none): x-forwarded-for is trusted only when the call
 * carries x-ehall-gateway-secret equal to it (constant-time). Strings are owned by call->arena. */
void rpc_meta_parse(call_t *call, const rpc_kv_t *md, size_t n, const char *peer,
                    const char *gateway_secret);

/* True when a listen address ("host:port", "[v6]:port", "unix:path") only accepts local
 * connections: 127.0.0.0/8, ::1, localhost, or a unix socket. */
bool rpc_address_is_loopback(const char *listen);

#endif
