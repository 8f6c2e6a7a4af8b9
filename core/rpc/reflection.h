/*
 * reflection.h — answers of grpc.reflection.v1 (and v1alpha, which is the same on the wire)
 * ServerReflectionInfo from the embedded FileDescriptorSet (//proto:ehall_descriptors).
 *
 * Files are served as their raw bytes from the set, each with its transitive dependencies (as
 * python's grpcio-reflection does). Pure: no grpc types, no I/O; the streaming itself lives in
 * server.c. The index is built once at start and read-only afterwards (shared by workers).
 */
#ifndef EHALL_RPC_REFLECTION_H
#define EHALL_RPC_REFLECTION_H

#include <stddef.h>
#include <stdint.h>

#include "core/common/arena.h"
#include "grpc/reflection/v1/reflection.pb-c.h"

typedef struct rpc_reflection rpc_reflection_t;

/* Indexes the FileDescriptorSet `set` (not copied: it must outlive the index) and remembers the
 * service names list_services reports (copied). NULL if the set does not parse. */
rpc_reflection_t *rpc_reflection_create(const uint8_t *set, size_t len,
                                        const char *const *services, size_t nservices);
void rpc_reflection_destroy(rpc_reflection_t *r);

/* The response to one request; allocated in `a` (it may point into the set's bytes). */
Grpc__Reflection__V1__ServerReflectionResponse *
rpc_reflection_answer(arena_t *a, const rpc_reflection_t *r,
                      const Grpc__Reflection__V1__ServerReflectionRequest *req);

#endif
