/* mailer.c — TODO(H3) */
#include "core/identity/mailer.h"
bool mailer_start(const struct core_config *cfg, store_pg_pool_t *pg) { (void)cfg; (void)pg; return true; }
void mailer_stop(void) {}
