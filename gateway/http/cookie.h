/*
 * cookie.h — the web app's session cookie, decided without h2o or gRPC: reading a cookie out of
 * a Cookie header, writing the two Set-Cookie values (the HttpOnly session cookie and the
 * script-readable CSRF cookie of the double-submit check), comparing the CSRF token in constant
 * time, and which methods are safe.
 *
 * The gateway only carries the session: the core decides when one opens or ends (initial
 * metadata x-ehall-set-session / x-ehall-session-max-age) and whether a token is valid. Pure:
 * no I/O but the kernel's random bytes, no logging (the values are credentials: never log them).
 */
#ifndef EHALL_GATEWAY_HTTP_COOKIE_H
#define EHALL_GATEWAY_HTTP_COOKIE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/common/arena.h"

#define HTTP_COOKIE_SESSION "ehall_session"
#define HTTP_COOKIE_CSRF "ehall_csrf"
/* The longest cookie value the gateway accepts or sets (a session token is far shorter). */
#define HTTP_COOKIE_VALUE_MAX 512
/* A CSRF token: 32 random bytes as lower-case hex. */
#define HTTP_CSRF_TOKEN_LEN 64

/* Finds cookie `name` in one Cookie header value ("a=1; ehall_session=xyz"). Pairs are split on
 * ';' and trimmed of spaces and tabs; a value in double quotes loses them. The first pair with
 * this exact name wins. Sets *value / *value_len (pointing into `header`) and returns true, or
 * returns false when it is absent. */
bool http_cookie_find(const char *header, size_t len, const char *name, const char **value,
                      size_t *value_len);

/* True if `v` may be a cookie value we accept or send: 1..HTTP_COOKIE_VALUE_MAX bytes of RFC 6265
 * cookie-octets (printable ASCII except space, '"', ',', ';' and '\\'). Anything else in a
 * session cookie is ignored, never forwarded. */
bool http_cookie_value_ok(const char *v, size_t len);

/* The session's lifetime from x-ehall-session-max-age: 0..10 years of seconds as decimal digits;
 * -1 when absent or not such a number (then the cookie gets no Max-Age). */
long long http_cookie_max_age_parse(const char *v);

/* Set-Cookie values. The session cookie: `token` ("" clears it, then Max-Age=0 whatever
 * `max_age_s` says), Path=/, HttpOnly, SameSite=Lax, Max-Age when max_age_s >= 0, Secure when
 * `secure`. The CSRF cookie: the same lifetime, readable by scripts (no HttpOnly) so the web app
 * can echo it in X-CSRF-Token, SameSite=Strict. In the arena. */
char *http_cookie_session_format(arena_t *a, const char *token, long long max_age_s, bool secure);
char *http_cookie_csrf_format(arena_t *a, const char *csrf, long long max_age_s, bool secure);

/* Writes a fresh CSRF token (HTTP_CSRF_TOKEN_LEN hex chars + NUL) from the kernel's CSPRNG. */
void http_csrf_generate(char out[HTTP_CSRF_TOKEN_LEN + 1]);

/* The X-CSRF-Token header matches the CSRF cookie: both non-empty and equal. The time taken
 * depends on the lengths only, never on where the first difference is. */
bool http_csrf_match(const char *header, size_t header_len, const char *cookie, size_t cookie_len);

/* GET, HEAD and OPTIONS change nothing and need no CSRF token. */
bool http_method_is_safe(const char *method, size_t len);

#endif
