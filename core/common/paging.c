/*
 * paging.c — page sizes and opaque page tokens (paging.h).
 */
#include "core/common/paging.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

bool paging_size(int32_t requested, int def, int max, int *out, eh_err_t *err) {
  if (requested < 0)
    return eh_err_set(err, EH_INVALID, "page_size", "每页条数不能为负数",
                      "page_size must not be negative");
  *out = requested == 0 ? def : (requested > max ? max : requested);
  return true;
}

const char *paging_token(arena_t *a, char prefix, int64_t n) {
  return arena_printf(a, "%c%" PRId64, prefix, n);
}

bool paging_token_parse(const char *token, char prefix, int64_t *out, eh_err_t *err) {
  *out = 0;
  if (token == NULL || token[0] == '\0')
    return true;
  char *end = NULL;
  long long v = token[0] == prefix ? strtoll(token + 1, &end, 10) : 0;
  if (v <= 0 || end == NULL || *end != '\0' || strlen(token) > 21)
    return eh_err_set(err, EH_INVALID, "page_token", "分页标记无效", "invalid page_token");
  *out = v;
  return true;
}

bool paging_id(const char *s, const char *field, int64_t *id, eh_err_t *err) {
  char *end = NULL;
  long long v = s != NULL && *s >= '1' && *s <= '9' ? strtoll(s, &end, 10) : 0;
  if (v <= 0 || end == NULL || *end != '\0' || strlen(s) > 18)
    return eh_err_set(err, EH_NOT_FOUND, field, "没有找到该记录", "not found");
  *id = v;
  return true;
}
