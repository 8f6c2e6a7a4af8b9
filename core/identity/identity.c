/*
 * identity.c — start and stop of identity's process-wide parts: the hashing pool and the mail
 * sender. The handlers live in the topic files listed in identity.h.
 */
#include "core/identity/identity.h"

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
