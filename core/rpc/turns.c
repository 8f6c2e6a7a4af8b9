/*
 * turns.c — keys taking turns (turns.h): a chained hash of the keys with an item running, each
 * with its running count and a FIFO of waiting items. A key's entry is freed when its last item
 * ends, so the table holds only the keys in use.
 */
#include "core/rpc/turns.h"

#include <stdlib.h>

#define TURNS_BUCKETS 256

typedef struct waiter {
  struct waiter *next;
  void *item;
} waiter_t;

typedef struct key_entry {
  struct key_entry *next;
  int64_t key;
  int running;
  waiter_t *head, *tail;
} key_entry_t;

struct rpc_turns {
  int per_key;
  size_t waiting, keys;
  key_entry_t *buckets[TURNS_BUCKETS];
};

rpc_turns_t *rpc_turns_create(int per_key) {
  rpc_turns_t *t = calloc(1, sizeof(*t));
  if (t != NULL)
    t->per_key = per_key < 1 ? 1 : per_key;
  return t;
}

void rpc_turns_destroy(rpc_turns_t *t) {
  if (t == NULL)
    return;
  for (size_t b = 0; b < TURNS_BUCKETS; b++)
    for (key_entry_t *k = t->buckets[b], *nk; k != NULL; k = nk) {
      nk = k->next;
      for (waiter_t *w = k->head, *nw; w != NULL; w = nw) {
        nw = w->next;
        free(w);
      }
      free(k);
    }
  free(t);
}

static key_entry_t **slot_of(rpc_turns_t *t, int64_t key) {
  key_entry_t **k = &t->buckets[(uint64_t)key % TURNS_BUCKETS];
  while (*k != NULL && (*k)->key != key)
    k = &(*k)->next;
  return k;
}

bool rpc_turns_admit(rpc_turns_t *t, int64_t key, void *item) {
  if (key == 0)
    return true;
  key_entry_t **slot = slot_of(t, key), *k = *slot;
  if (k == NULL) {
    if ((k = calloc(1, sizeof(*k))) == NULL)
      return true; /* out of memory: it runs without its turn rather than never */
    k->key = key;
    *slot = k;
    t->keys++;
  }
  if (k->running < t->per_key) {
    k->running++;
    return true;
  }
  waiter_t *w = malloc(sizeof(*w));
  if (w == NULL)
    return true;
  w->next = NULL;
  w->item = item;
  if (k->tail != NULL)
    k->tail->next = w;
  else
    k->head = w;
  k->tail = w;
  t->waiting++;
  return false;
}

void *rpc_turns_done(rpc_turns_t *t, int64_t key) {
  if (key == 0)
    return NULL;
  key_entry_t **slot = slot_of(t, key), *k = *slot;
  if (k == NULL)
    return NULL;
  waiter_t *w = k->head;
  if (w != NULL) {
    void *item = w->item;
    k->head = w->next;
    if (k->head == NULL)
      k->tail = NULL;
    free(w);
    t->waiting--;
    return item; /* it takes the ended item's place: running stays */
  }
  if (--k->running <= 0) {
    *slot = k->next;
    free(k);
    t->keys--;
  }
  return NULL;
}

size_t rpc_turns_waiting(const rpc_turns_t *t) {
  return t->waiting;
}

size_t rpc_turns_keys(const rpc_turns_t *t) {
  return t->keys;
}
