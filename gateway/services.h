/*
 * services.h — the list of API services the gateway routes (see services.c).
 */
#ifndef EHALL_GATEWAY_SERVICES_H
#define EHALL_GATEWAY_SERVICES_H

#include <stddef.h>

#include <protobuf-c/protobuf-c.h>

extern const ProtobufCServiceDescriptor *const gateway_services[];
extern const size_t gateway_services_count;

#endif
