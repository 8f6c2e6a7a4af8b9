/*
 * system.h — the ehall.system.v1.System area: facts about the running hall.
 *
 * Handlers have the call_unary_fn shape (core/common/call.h) and see no gRPC type; they
 * never include grpc headers.
 */
#ifndef EHALL_SYSTEM_SYSTEM_H
#define EHALL_SYSTEM_SYSTEM_H

#include <protobuf-c/protobuf-c.h>

#include "core/common/call.h"
#include "core/common/status.h"

/* GetInfo: names from hall_settings, PostgreSQL's clock, schema version, dependency health,
 * uptime. Fails with UNAVAILABLE only when PostgreSQL does not answer; Redis being down is
 * reported as an unhealthy dependency. */
void system_info_get(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                     eh_err_t *err);

#endif
