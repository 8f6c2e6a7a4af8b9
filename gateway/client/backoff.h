/*
 * backoff.h — the wait before the gateway re-opens its health Watch stream to the core, and
 * how a Watch answer maps to the state /healthz reports. Pure (no gRPC, no clock), so the
 * rules are unit-tested on their own.
 *
 * Must never sleep or read the time: the completion-queue thread owns the clock.
 */
#ifndef EHALL_GATEWAY_CLIENT_BACKOFF_H
#define EHALL_GATEWAY_CLIENT_BACKOFF_H

#include <stdbool.h>
#include <stdint.h>

/* What the gateway believes of the core. UNKNOWN (no answer yet, or the stream is down) is
 * reported as not serving: a load balancer must not send traffic on a guess. */
typedef enum client_core_health {
  CLIENT_CORE_UNKNOWN = 0,
  CLIENT_CORE_SERVING = 1,
  CLIENT_CORE_NOT_SERVING = 2,
} client_core_health_t;

/* The next wait: `min_ms` after a stream that delivered an answer (prev_ms <= 0 or
 * `healthy`), else the previous wait doubled, capped at `max_ms`. min_ms above max_ms is
 * clamped to max_ms; both are at least 1. */
int64_t client_backoff_next(int64_t prev_ms, bool healthy, int64_t min_ms, int64_t max_ms);

/* grpc.health.v1.HealthCheckResponse.ServingStatus (as a number) → our state: only SERVING (1)
 * is serving; UNKNOWN (0), NOT_SERVING (2), SERVICE_UNKNOWN (3) and anything newer are not. */
client_core_health_t client_core_health_from_status(int serving_status);

#endif
