/*
 * guard.h — the pure rules of the two gates every call passes before its handler: idempotency
 * keys (format, which answers are recorded, the caller's scope) and rate-limit messages. No
 * I/O, no grpc, so they are unit-tested directly (tests/unit/core/rpc/guard_test.c).
 *
 * Must never decide anything from Redis: these rules only shape what the callers do.
 */
#ifndef EHALL_RPC_GUARD_H
#define EHALL_RPC_GUARD_H

#include <stdbool.h>
#include <stddef.h>

#include "core/common/arena.h"
#include "core/common/call.h"
#include "core/common/status.h"

#define RPC_IDEMPOTENCY_KEY_MAX 128

/* True for 1–128 chars of [A-Za-z0-9_.:-] (a UUID, a ULID, "form-42:submit" …). */
bool rpc_idempotency_key_valid(const char *key);

/* True when an answer with this status is final and is recorded under the key, so a replay
 * returns it (OK, INVALID, NOT_FOUND, ALREADY_EXISTS, CONFLICT, FAILED_PRECONDITION,
 * PERMISSION_DENIED). False for transient failures (UNAVAILABLE, DEADLINE, INTERNAL,
 * RESOURCE_EXHAUSTED, UNAUTHENTICATED, UNIMPLEMENTED, and a CONFLICT that is a serialization
 * failure, `retryable`): the claim is dropped so the client may retry with the same key. */
bool rpc_idempotency_final(eh_status_t code, bool retryable);

/* Who a key belongs to: keys of different callers never meet, so a replay never hands one
 * caller another's answer. "user:<account id>" for a session, "app:<client id>" for an app
 * token, "anon:<client ip>" only for anonymous calls. Owned by a. */
const char *rpc_idempotency_scope(arena_t *a, const call_principal_t *who, const char *client_ip);

/* Whole seconds to tell a throttled client (rounded up, at least 1). */
long long rpc_retry_seconds(long long retry_after_ms);

#endif
