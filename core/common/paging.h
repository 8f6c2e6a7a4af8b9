/*
 * paging.h — List methods' page_size and page_token (DESIGN: List takes page_size and
 * page_token), the same for every area.
 */
#ifndef EHALL_COMMON_PAGING_H
#define EHALL_COMMON_PAGING_H

#include <stdbool.h>
#include <stdint.h>

#include "core/common/arena.h"
#include "core/common/status.h"

/* The page size to use: def for 0, max above max; INVALID (field page_size) when negative. */
bool paging_size(int32_t requested, int def, int max, int *out, eh_err_t *err);

/* An opaque page token "<prefix><n>" (n > 0), in a. */
const char *paging_token(arena_t *a, char prefix, int64_t n);

/* Its parse; "" or NULL parses to 0. INVALID (field page_token) when malformed. */
bool paging_token_parse(const char *token, char prefix, int64_t *out, eh_err_t *err);

/* An object's id from its decimal text (what ids look like in JSON): NOT_FOUND on field when it
 * is not one, so a made-up id answers as a missing one. */
bool paging_id(const char *s, const char *field, int64_t *id, eh_err_t *err);

#endif
