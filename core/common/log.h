/*
 * log.h — one log macro that checks the level before formatting.
 *
 * Lines carry time, level, module and the current request id (thread-local, set by the rpc
 * and HTTP boundaries), then the message, written as key=value details:
 *   LOG_WARN("store", "redis unavailable addr=%s", addr);
 * Never log passwords, tokens, ID-card numbers or form contents.
 */
#ifndef EHALL_COMMON_LOG_H
#define EHALL_COMMON_LOG_H

#include <stdbool.h>

typedef enum { LOG_LEVEL_DEBUG = 0, LOG_LEVEL_INFO, LOG_LEVEL_WARN, LOG_LEVEL_ERROR } log_level_t;

extern log_level_t log__level;

/* Sets the level and format (text or JSON lines) for the process; call once at start. Lines
 * go to stderr. */
void log_init(log_level_t level, bool json);
/* "debug", "info", "warn", "error" → level; returns false for anything else. */
bool log_level_parse(const char *s, log_level_t *out);

/* The request id for this thread's next lines; NULL clears it. The string is copied. */
void log_set_request_id(const char *rid);
const char *log_request_id(void);

void log__write(log_level_t level, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define LOG_AT(level, module, ...)                                                                \
  do {                                                                                            \
    if ((level) >= log__level)                                                                    \
      log__write((level), (module), __VA_ARGS__);                                                 \
  } while (0)
#define LOG_DEBUG(module, ...) LOG_AT(LOG_LEVEL_DEBUG, module, __VA_ARGS__)
#define LOG_INFO(module, ...) LOG_AT(LOG_LEVEL_INFO, module, __VA_ARGS__)
#define LOG_WARN(module, ...) LOG_AT(LOG_LEVEL_WARN, module, __VA_ARGS__)
#define LOG_ERROR(module, ...) LOG_AT(LOG_LEVEL_ERROR, module, __VA_ARGS__)

#endif
