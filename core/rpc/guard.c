/*
 * guard.c — idempotency-key and rate-limit rules (see guard.h). Pure.
 */
#include "core/rpc/guard.h"

#include <string.h>

bool rpc_idempotency_key_valid(const char *key) {
  if (key == NULL)
    return false;
  size_t n = strlen(key);
  if (n < 1 || n > RPC_IDEMPOTENCY_KEY_MAX)
    return false;
  for (size_t i = 0; i < n; i++) {
    char c = key[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
          c == '.' || c == ':' || c == '-'))
      return false;
  }
  return true;
}

bool rpc_idempotency_final(eh_status_t code, bool retryable) {
  switch (code) {
  case EH_OK:
  case EH_INVALID:
  case EH_NOT_FOUND:
  case EH_ALREADY_EXISTS:
  case EH_FAILED_PRECONDITION:
  case EH_PERMISSION_DENIED:
    return true;
  case EH_CONFLICT:
    /* A lost serialization race is worth retrying; a state conflict is the answer. */
    return !retryable;
  default:
    return false;
  }
}

const char *rpc_idempotency_scope(arena_t *a, const call_principal_t *who, const char *client_ip) {
  if (who != NULL && who->actor == CALL_USER)
    return arena_printf(a, "user:%lld", (long long)who->account_id);
  if (who != NULL && who->actor == CALL_APP)
    return arena_printf(a, "app:%s", who->app_client_id ? who->app_client_id : "");
  return arena_printf(a, "anon:%s", client_ip ? client_ip : "");
}

long long rpc_retry_seconds(long long retry_after_ms) {
  if (retry_after_ms <= 1000)
    return 1;
  return (retry_after_ms + 999) / 1000;
}
