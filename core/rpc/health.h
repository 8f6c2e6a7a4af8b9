/*
 * health.h — grpc.health.v1 status of this core: SERVING while PostgreSQL answers a ping
 * (checked every second by one background thread), NOT_SERVING while it does not or while the
 * server shuts down. One state per process; Check and Watch read it without locks.
 */
#ifndef EHALL_RPC_HEALTH_H
#define EHALL_RPC_HEALTH_H

#include <stdbool.h>

#include <protobuf-c/protobuf-c.h>

#include "core/common/call.h"

struct store_pg_pool;

/* Runs the first check synchronously (so the first answer is true), then starts the thread. */
void rpc_health_start(struct store_pg_pool *pg);
/* Stops and joins the thread. */
void rpc_health_stop(void);
/* From now on every service answers NOT_SERVING (graceful shutdown). */
void rpc_health_set_shutting_down(void);

/* grpc.health.v1 ServingStatus number of `service` ("" is the whole server); 3
 * (SERVICE_UNKNOWN) for a service this core does not serve. */
int rpc_health_status(const char *service);

/* Health/Check: NOT_FOUND for an unknown service, as the gRPC health protocol says. */
void rpc_health_check(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                      eh_err_t *err);

#endif
