/* hashpool.c — TODO(H2) */
#include "core/identity/hashpool.h"
bool hashpool_start(int threads, int queue) { (void)threads; (void)queue; return true; }
void hashpool_stop(void) {}
