/*
 * feedback_rules.h — the pure part of 意见反馈: what a submission must look like, and the
 * normalised form that gets stored. No I/O, no logging, no clock: everything here is decided
 * from the arguments alone, so every rule is unit-tested (tests/unit/core/feedback).
 *
 * Lengths count Unicode code points ("你好" is 2), after trimming, as PostgreSQL's char_length
 * does in the table's checks (migrations/0002_create_feedback.sql). Never log what passes
 * through here: content and contact are personal data.
 */
#ifndef EHALL_FEEDBACK_FEEDBACK_RULES_H
#define EHALL_FEEDBACK_FEEDBACK_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "core/common/arena.h"
#include "core/common/status.h"

/* Code-point limits; the migration's CHECKs hold the same numbers. */
#define FEEDBACK_CONTENT_MIN 5
#define FEEDBACK_CONTENT_MAX 2000
#define FEEDBACK_CONTACT_MAX 100
#define FEEDBACK_PAGE_MAX 200

/* ehall.feedback.v1.FeedbackCategory values that may be stored. */
#define FEEDBACK_CATEGORY_FIRST 1
#define FEEDBACK_CATEGORY_LAST 4

typedef struct feedback_submission {
  int category;        /* FeedbackCategory number, as received */
  const char *content; /* NUL-terminated; NULL counts as "" */
  const char *contact;
  const char *page;
} feedback_submission_t;

/* Checks `in` and fills `out` with its normalised form: white space trimmed at both ends
 * (ASCII white space, U+00A0, U+3000, U+FEFF), CR LF and lone CR in content turned into LF.
 * Strings in `out` are allocated in `a` (NULL inputs become "").
 *
 * On any violation returns false with err = INVALID: every offending field gets a field
 * violation (field names as in the proto: "category", "content", "contact", "page") with a
 * zh-CN and an English message; the first violation's message is the overall message. Rules:
 * category 1–4 (0 → "category" required); content valid UTF-8, no control characters except
 * newline and tab, 5–2000 code points; contact valid UTF-8 without control characters, at most
 * 100 code points, empty or an email address or a phone number; page valid UTF-8 without
 * control characters, at most 200 code points. */
bool feedback_rules_normalize(arena_t *a, const feedback_submission_t *in,
                              feedback_submission_t *out, eh_err_t *err);

/* The thank-you text of a receipt, in the caller's language ("en" or anything else → zh-CN).
 * A static string. */
const char *feedback_rules_thanks(const char *language);

#endif
