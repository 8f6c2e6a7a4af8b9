/*
 * identity.c — start and stop of identity's process-wide parts: the hashing pool and the mail
 * sender. The handlers live in the topic files listed in identity.h.
 */
#include "core/identity/identity.h"

#include <stdatomic.h>
#include <string.h>

#include "core/common/log.h"
#include "core/config.h"
#include "core/identity/hashpool.h"
#include "core/identity/mailer.h"

bool identity_start(const struct core_config *cfg, struct store_pg_pool *pg,
                    struct store_redis_pool *redis) {
  (void)redis;
  if (!hashpool_start((int)cfg->hash_threads, (int)cfg->hash_queue))
    return false;
  if (!mailer_start(cfg, pg)) {
    hashpool_stop();
    return false;
  }
  return true;
}

void identity_stop(void) {
  mailer_stop();
  hashpool_stop();
}

/* Used only when identity.pepper is unset, which `serve` allows on loopback only (development,
 * tests): HMACs made with it protect nothing, so a warning says so once. */
static const char IDENTITY_DEV_PEPPER[] = "ehall-development-pepper-not-secret";

const char *identity_pepper(const struct core_config *cfg, size_t *len) {
  static atomic_bool warned;
  const char *p = IDENTITY_DEV_PEPPER;
  if (cfg != NULL && cfg->identity_pepper != NULL && cfg->identity_pepper[0] != '\0')
    p = cfg->identity_pepper;
  else if (!atomic_exchange(&warned, true))
    LOG_WARN("identity", "identity.pepper is not set: using the fixed development pepper");
  if (len != NULL)
    *len = strlen(p);
  return p;
}
