/*
 * turns.h — keys taking turns: at most `per_key` items of one key run at once, the others wait
 * for their key's turn in arrival order. The claim lane (core/rpc/server.c) keys a booking's
 * continuation by its slot, so one slot's claims reach its row lock one at a time (config
 * claim_per_key): on one row PostgreSQL books several times faster so than with eight waiting
 * at the lock, and the waiting ones hold neither a thread nor a database connection.
 *
 * Not thread-safe: the caller holds its own lock around every call. No I/O.
 */
#ifndef EHALL_RPC_TURNS_H
#define EHALL_RPC_TURNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rpc_turns rpc_turns_t;

/* per_key ≥ 1. NULL when out of memory. */
rpc_turns_t *rpc_turns_create(int per_key);
/* Frees the table (waiting items are the caller's: none should be left). */
void rpc_turns_destroy(rpc_turns_t *t);

/* True when `item` of `key` may run now (key 0 always may); false when it waits: it comes back
 * from rpc_turns_done once a running item of its key ends. */
bool rpc_turns_admit(rpc_turns_t *t, int64_t key, void *item);
/* A running item of `key` ended: the next waiting item of that key, which runs now in its
 * place, or NULL (the key has one fewer running). Nothing for key 0. */
void *rpc_turns_done(rpc_turns_t *t, int64_t key);

/* Items waiting in all, and keys with an item running (for tests and metrics). */
size_t rpc_turns_waiting(const rpc_turns_t *t);
size_t rpc_turns_keys(const rpc_turns_t *t);

#endif
