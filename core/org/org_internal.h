/*
 * org_internal.h — what the org area's files share among themselves (not for other areas):
 * message builders, paging, import reports, and the two imports' entry points that both the
 * RPCs and `ehall-core import` run.
 */
#ifndef EHALL_ORG_INTERNAL_H
#define EHALL_ORG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/common/call.h"
#include "core/common/csv.h"
#include "core/common/paging.h"
#include "core/common/pbtime.h"
#include "ehall/org/v1/org.pb-c.h"
#include "google/protobuf/timestamp.pb-c.h"

#define ORG_MODULE "org"

/* Limits of the imports' files. */
#define ORG_IMPORT_MAX_BYTES (8u * 1024 * 1024)
#define ORG_IMPORT_MAX_ROWS 200000
#define ORG_MEMBERS_MAX_BYTES (2u * 1024 * 1024)
#define ORG_MEMBERS_MAX_ROWS 20000

/* Timestamps: pbtime_from_us / pbtime_to_us (core/common/pbtime.h). */
#define org__ts pbtime_from_us
#define org__ts_us pbtime_to_us

/* Paging: core/common/paging.h. */
#define org__page_size paging_size
#define org__page_token paging_token
#define org__page_token_parse paging_token_parse

/* The file's row errors as report messages, reasons in the caller's language. */
void org__row_errors(arena_t *a, const call_t *call, const csv_error_t *errors, size_t n,
                     Ehall__Org__V1__ImportRowError ***out, size_t *n_out);

/* The SHA-256 (hex) of a diff's canonical text: the report's diff_digest. */
const char *org__digest(arena_t *a, const char *canonical_text, size_t len);

/* A UnitRef in a. */
Ehall__Org__V1__UnitRef *org__unit_ref(arena_t *a, const char *code, const char *name, int kind);

/* HR's import (org_import.c): parse, diff against the tree, and with apply, apply it in one
 * transaction (ABORTED when expected_digest is set and differs). *out in call->arena. */
bool org__org_import(call_t *call, const uint8_t *csv, size_t len, bool apply,
                     const char *expected_digest, Ehall__Org__V1__OrgImportReport **out,
                     eh_err_t *err);

/* A group's member import (members.c), the same way. */
bool org__members_import(call_t *call, const char *group, const uint8_t *csv, size_t len,
                         bool apply, const char *expected_digest,
                         Ehall__Org__V1__MembersImportReport **out, eh_err_t *err);

#endif
