/*
 * config.h — one config struct per binary, filled from a table of entries (redis config.c).
 *
 * Sources, later wins: the entry's default, the config file (`key = value` lines, `#`
 * comments), the environment (PREFIX + key upper-cased with '.' → '_', e.g. core's `pg.dsn`
 * is EHALL_CORE_PG_DSN), then `--key=value` on the command line. Everything is validated once
 * at start; afterwards the struct is read-only. No getenv anywhere else.
 * Secret entries are never printed; `_file` variants of a secret read it from a file.
 */
#ifndef EHALL_COMMON_CONFIG_H
#define EHALL_COMMON_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/common/status.h"

typedef enum { CFG_STRING, CFG_INT, CFG_BOOL } cfg_type_t;

#define CFG_SECRET 1u /* never printed; may be given as KEY_file = path */

typedef struct cfg_entry {
  const char *name; /* "pg.dsn" */
  cfg_type_t type;
  size_t offset;    /* offsetof(struct, field): char * for strings, long for ints, bool */
  long min, max;    /* ints: inclusive bounds; strings: max length (0: 4096) */
  const char *def;  /* default as text; NULL: empty string / 0 / false */
  const char *help;
  unsigned flags;
} cfg_entry_t;

/* Fills `out` from the sources above. `argv` may hold `--config=FILE` and `--key=value`;
 * other arguments are left for the caller (their indexes are returned in rest/nrest, which may
 * be NULL). Strings are malloc'd and freed by cfg_free. On error fills err (INVALID, message
 * naming the key) and returns false. */
bool cfg_load(const cfg_entry_t *table, size_t n, void *out, const char *env_prefix, int argc,
              char **argv, int *rest, int *nrest, eh_err_t *err);

void cfg_free(const cfg_entry_t *table, size_t n, void *out);

/* Lists every key with its type, bounds, default and environment variable name. */
void cfg_print_help(FILE *f, const cfg_entry_t *table, size_t n, const char *env_prefix);

#endif
