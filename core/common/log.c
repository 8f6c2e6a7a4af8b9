/*
 * log.c — formatting and writing of log lines; one write(2) per line so lines from several
 * threads never interleave.
 */
#include "core/common/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

log_level_t log__level = LOG_LEVEL_INFO;
static bool log__json;
static _Thread_local char log__rid[64];

static const char *const log__names[] = {"debug", "info", "warn", "error"};

void log_init(log_level_t level, bool json) {
  log__level = level;
  log__json = json;
}

bool log_level_parse(const char *s, log_level_t *out) {
  for (int i = 0; i < 4; i++)
    if (strcasecmp(s, log__names[i]) == 0) {
      *out = (log_level_t)i;
      return true;
    }
  return false;
}

void log_set_request_id(const char *rid) {
  if (rid == NULL) {
    log__rid[0] = '\0';
    return;
  }
  snprintf(log__rid, sizeof(log__rid), "%s", rid);
}

const char *log_request_id(void) { return log__rid; }

/* Appends s to buf as the inside of a JSON string. */
static size_t log__json_escape(char *buf, size_t cap, size_t at, const char *s) {
  for (; *s && at + 7 < cap; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') {
      buf[at++] = '\\';
      buf[at++] = (char)c;
    } else if (c < 0x20) {
      at += (size_t)snprintf(buf + at, cap - at, "\\u%04x", c);
    } else {
      buf[at++] = (char)c;
    }
  }
  return at;
}

void log__write(log_level_t level, const char *module, const char *fmt, ...) {
  char msg[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);

  struct timeval tv;
  gettimeofday(&tv, NULL);
  struct tm tm;
  gmtime_r(&tv.tv_sec, &tm);
  char ts[40];
  size_t tl = strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(ts + tl, sizeof(ts) - tl, ".%03ldZ", (long)(tv.tv_usec / 1000));

  char line[4096];
  size_t at;
  if (log__json) {
    at = (size_t)snprintf(line, sizeof(line), "{\"ts\":\"%s\",\"level\":\"%s\",\"module\":\"", ts,
                          log__names[level]);
    at = log__json_escape(line, sizeof(line), at, module);
    if (log__rid[0]) {
      at += (size_t)snprintf(line + at, sizeof(line) - at, "\",\"rid\":\"");
      at = log__json_escape(line, sizeof(line), at, log__rid);
    }
    at += (size_t)snprintf(line + at, sizeof(line) - at, "\",\"msg\":\"");
    at = log__json_escape(line, sizeof(line), at, msg);
    if (at + 3 > sizeof(line))
      at = sizeof(line) - 3;
    line[at++] = '"';
    line[at++] = '}';
  } else {
    at = (size_t)snprintf(line, sizeof(line), "%s %-5s %s%s%s %s", ts, log__names[level], module,
                          log__rid[0] ? " rid=" : "", log__rid, msg);
    if (at > sizeof(line) - 2)
      at = sizeof(line) - 2;
  }
  line[at++] = '\n';
  ssize_t w = write(STDERR_FILENO, line, at);
  (void)w;
}
