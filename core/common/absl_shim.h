/*
 * absl_shim.h — the one switch of Abseil that the core and the gateway need (libgrpc locks
 * absl::Mutex on every call, server and client side alike). C callers see a plain function;
 * only absl_shim.cc is C++.
 *
 * Must never grow into a C++ layer: anything else belongs in C.
 */
#ifndef EHALL_COMMON_ABSL_SHIM_H
#define EHALL_COMMON_ABSL_SHIM_H

#ifdef __cplusplus
extern "C" {
#endif

/* Turns off absl::Mutex's lock-order (deadlock) detection for the whole process. Debian's
 * Abseil is built without NDEBUG, so every Mutex::Lock in libgrpc otherwise records the lock
 * in a global graph (GraphCycles::GetId and friends: ~4 % of the core's CPU under load, and
 * as much of the gateway's as a client).
 * Call once at start-up, before grpc_init. */
void absl_shim_deadlock_detection_off(void);

#ifdef __cplusplus
}
#endif

#endif
