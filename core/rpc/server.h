/*
 * server.h — the core's gRPC server on the C core API.
 *
 * Life cycle (see core/rpc/README.md): the caller blocks SIGTERM/SIGINT, then
 * rpc_server_create (grpc_init, method registration, worker queues) → rpc_server_start (health
 * thread, listening port, workers) → … → rpc_server_shutdown (drain within the grace period,
 * then cancel what is left; joins the workers) → rpc_server_destroy (grpc_shutdown).
 * Only core/rpc (and the gateway's client) includes grpc headers; callers see this opaque type.
 */
#ifndef EHALL_RPC_SERVER_H
#define EHALL_RPC_SERVER_H

#include <stdbool.h>

#include "core/common/status.h"

struct core_config;
struct store_pg_pool;
struct store_redis_pool;

typedef struct rpc_server rpc_server_t;

/* The server borrows cfg, pg and redis: they must outlive it. NULL with err filled when the
 * configuration cannot be served (e.g. a non-loopback address without TLS, unreadable TLS
 * files, a broken descriptor set). */
rpc_server_t *rpc_server_create(const struct core_config *cfg, struct store_pg_pool *pg,
                                struct store_redis_pool *redis, eh_err_t *err);

/* Binds cfg->listen and starts the workers. False (err filled) if the port cannot be bound. */
bool rpc_server_start(rpc_server_t *s, eh_err_t *err);

/* The bound port (after start). */
int rpc_server_port(const rpc_server_t *s);

/* Stops accepting calls; lets in-flight calls finish for up to grace_ms, then cancels the
 * rest; ends health watches; joins every worker. Call once. */
void rpc_server_shutdown(rpc_server_t *s, long grace_ms);

/* Frees everything and calls grpc_shutdown. NULL is allowed. */
void rpc_server_destroy(rpc_server_t *s);

#endif
