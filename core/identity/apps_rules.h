/*
 * apps_rules.h — the pure part of third-party apps: the published scope list, allowed-IP
 * entries (IPv4/IPv6 addresses or CIDR blocks) and the checks of a CreateApp request.
 * No I/O, no logging.
 */
#ifndef EHALL_IDENTITY_APPS_RULES_H
#define EHALL_IDENTITY_APPS_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/common/arena.h"
#include "core/common/status.h"

/* Scopes an app may be given; rpc_method_t.app_scope names one of them. */
extern const char *const apps_scopes[];
extern const size_t apps_scopes_count;

bool apps_rules_scope_known(const char *scope);

#define APPS_MAX_SCOPES 32
#define APPS_MAX_IPS 32
#define APPS_NAME_MAX_CHARS 64

/* One allowed network. */
typedef struct apps_cidr {
  int family; /* 4 or 6 */
  uint8_t addr[16];
  int prefix; /* 0–32 or 0–128 */
} apps_cidr_t;

/* Parses "10.0.0.0/8", "192.168.1.5" (= /32), "2001:db8::/32", "::1" (= /128). Bits set
 * beyond the prefix are refused ("10.1.2.3/8" is a typo, not a network). canon, if not NULL,
 * gets the form PostgreSQL's cidr prints ("192.168.1.5/32"); it needs 50 chars. */
bool apps_rules_cidr_parse(const char *text, apps_cidr_t *out, char *canon);

/* True if ip (a plain IPv4/IPv6 address; IPv4-mapped IPv6 counts as IPv4) is inside net. */
bool apps_rules_cidr_contains(const apps_cidr_t *net, const char *ip);

/* True if nets is empty (any address) or one of them contains ip. A NULL or unparsable ip is
 * allowed only when nets is empty. */
bool apps_rules_ip_allowed(const apps_cidr_t *nets, size_t n, const char *ip);

/* A CreateApp request, checked and normalised (name trimmed, scopes deduplicated in the
 * published order, networks canonical). Strings owned by a. */
typedef struct apps_new {
  const char *name;
  const char **scopes;
  size_t n_scopes;
  const char **allowed_ips;
  size_t n_allowed_ips;
} apps_new_t;

/* INVALID with field violations ("name", "scopes", "allowed_ips") naming what is wrong; an
 * unknown scope's message lists the published scopes. */
bool apps_rules_new(arena_t *a, const char *name, const char *const *scopes, size_t n_scopes,
                    const char *const *ips, size_t n_ips, apps_new_t *out, eh_err_t *err);

#endif
