/*
 * metrics.h — the gateway's Prometheus counters, per thread, summed at scrape.
 *
 * Each HTTP thread writes only its own slots (relaxed atomics, no lock on the request path);
 * the scraper reads every thread's slots. Route labels are path templates or fixed names
 * ("none" for 404s, "static"): never a raw path, so the number of series stays bounded.
 */
#ifndef EHALL_GATEWAY_HTTP_METRICS_H
#define EHALL_GATEWAY_HTTP_METRICS_H

#include <stddef.h>

#include "core/common/arena.h"

typedef struct metrics metrics_t;

/* `labels` are copied; equal labels share series (GET and POST on one template).
 * `nthreads` writer slots are made. Caller owns the result. */
metrics_t *metrics_create(const char *const *labels, size_t nlabels, int nthreads);
void metrics_destroy(metrics_t *m);

/* One finished request on thread `thread`: label index (into the labels given at create),
 * HTTP method, status and duration. */
void metrics_request(metrics_t *m, int thread, size_t label, const char *method, int status,
                     double seconds);
void metrics_grpc_error(metrics_t *m, int thread, int grpc_code);
void metrics_in_flight_add(metrics_t *m, long delta);

/* The Prometheus text exposition (format 0.0.4), NUL-terminated, in the arena. */
char *metrics_render(const metrics_t *m, arena_t *a, size_t *len);

#endif
