/*
 * text.h — the byte-level text rules every layer shares: UTF-8 (RFC 3629), hex digits and
 * identifier codes.
 * One implementation, so the gateway, the transcoder and the core agree on what is valid.
 * Pure functions: no allocation, no locale.
 */
#ifndef EHALL_COMMON_TEXT_H
#define EHALL_COMMON_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Length of the valid UTF-8 sequence at s (n > 0 bytes left) and its code point in *cp; 0 if
 * invalid (overlong forms, surrogates and code points above U+10FFFF are invalid). */
size_t text_utf8_next(const unsigned char *s, size_t n, uint32_t *cp);

bool text_utf8_valid(const char *s, size_t n);

/* Number of code points in s, or -1 if s is not valid UTF-8. "你好" is 2. */
long text_utf8_length(const char *s, size_t n);

/* Whether s is 1–max characters of A–Z a–z 0–9 _ . - (campus ids and unit codes). */
bool text_is_code(const char *s, size_t max);

/* Whether s is a key of a definition (form fields, process steps): ^[a-z][a-z0-9_]{0,31}$. */
bool text_is_key(const char *s);

/* 0–15 for a hex digit (either case), -1 otherwise. */
int text_hex_value(char c);

#endif
