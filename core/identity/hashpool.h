/*
 * hashpool.h — the bounded pool that runs password hashing (PBKDF2, legacy verification) off
 * the gRPC workers, at the lowest CPU priority, so a flood of logins cannot starve other calls.
 * A full queue answers RESOURCE_EXHAUSTED ("登录人数较多，请稍后再试") with a retry hint.
 *
 * Never keeps a password after the job ends (the job's copy is wiped).
 */
#ifndef EHALL_IDENTITY_HASHPOOL_H
#define EHALL_IDENTITY_HASHPOOL_H

#include <stdbool.h>

#include "core/common/call.h"
#include "core/identity/password.h"

bool hashpool_start(int threads, int queue);
void hashpool_stop(void);

/* password_verify on the pool; waits until done or the call's deadline (then DEADLINE).
 * stored NULL runs password_dummy_verify and answers PASSWORD_MISMATCH (unknown accounts). */
bool hashpool_verify(call_t *call, const char *stored, const char *pw,
                     password_verdict_t *verdict, eh_err_t *err);

/* password_hash on the pool; *out owned by call->arena. */
bool hashpool_hash(call_t *call, const char *pw, const char **out, eh_err_t *err);

#endif
