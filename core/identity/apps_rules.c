/*
 * apps_rules.c — the published app scopes, allowed-IP parsing and matching, and the checks of
 * a new app. Pure: no I/O, no logging (inet_pton/inet_ntop only convert text).
 */
#include "core/identity/apps_rules.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/common/text.h"

const char *const apps_scopes[] = {
    "identity.accounts.read", /* Accounts.GetAccount */
    "org.read",               /* OrgUnits.ListUnits/GetUnit/GetPersonUnits, Groups.ListGroups */
    "org.resolve",            /* Groups.ResolveApprovers */
    "system.read",            /* System.GetInfo */
};
const size_t apps_scopes_count = sizeof(apps_scopes) / sizeof(apps_scopes[0]);

bool apps_rules_scope_known(const char *scope) {
  for (size_t i = 0; i < apps_scopes_count; i++)
    if (strcmp(apps_scopes[i], scope) == 0)
      return true;
  return false;
}

/* A plain address into 16 bytes; IPv4-mapped IPv6 (::ffff:a.b.c.d) becomes IPv4. */
static int apps__addr(const char *s, uint8_t out[16]) {
  memset(out, 0, 16);
  if (inet_pton(AF_INET, s, out) == 1)
    return 4;
  uint8_t v6[16];
  if (inet_pton(AF_INET6, s, v6) != 1)
    return 0;
  static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (memcmp(v6, mapped, 12) == 0) {
    memcpy(out, v6 + 12, 4);
    return 4;
  }
  memcpy(out, v6, 16);
  return 6;
}

static bool apps__prefix_match(const uint8_t *a, const uint8_t *b, int prefix) {
  int full = prefix / 8, rest = prefix % 8;
  if (memcmp(a, b, (size_t)full) != 0)
    return false;
  if (rest == 0)
    return true;
  uint8_t mask = (uint8_t)(0xff << (8 - rest));
  return (a[full] & mask) == (b[full] & mask);
}

bool apps_rules_cidr_parse(const char *text, apps_cidr_t *out, char *canon) {
  char buf[64];
  size_t n = strlen(text);
  if (n == 0 || n >= sizeof(buf))
    return false;
  memcpy(buf, text, n + 1);
  char *slash = strchr(buf, '/');
  int prefix = -1;
  if (slash != NULL) {
    *slash = '\0';
    const char *p = slash + 1;
    if (*p == '\0' || strlen(p) > 3)
      return false;
    for (const char *q = p; *q; q++)
      if (*q < '0' || *q > '9')
        return false;
    if (p[0] == '0' && p[1] != '\0')
      return false;
    prefix = atoi(p);
  }
  uint8_t addr[16];
  memset(addr, 0, sizeof(addr));
  int family;
  if (inet_pton(AF_INET, buf, addr) == 1)
    family = 4;
  else if (inet_pton(AF_INET6, buf, addr) == 1)
    family = 6;
  else
    return false;
  int bits = family == 4 ? 32 : 128;
  if (prefix < 0)
    prefix = bits;
  if (prefix > bits)
    return false;
  /* No host bits beyond the prefix. */
  for (int i = prefix; i < bits; i++)
    if (addr[i / 8] & (0x80 >> (i % 8)))
      return false;
  out->family = family;
  memcpy(out->addr, addr, 16);
  out->prefix = prefix;
  if (canon != NULL) {
    char a[INET6_ADDRSTRLEN];
    inet_ntop(family == 4 ? AF_INET : AF_INET6, addr, a, sizeof(a));
    snprintf(canon, 50, "%s/%d", a, prefix);
  }
  return true;
}

bool apps_rules_cidr_contains(const apps_cidr_t *net, const char *ip) {
  uint8_t addr[16];
  if (ip == NULL)
    return false;
  int family = apps__addr(ip, addr);
  if (family == 0 || family != net->family)
    return false;
  return apps__prefix_match(addr, net->addr, net->prefix);
}

bool apps_rules_ip_allowed(const apps_cidr_t *nets, size_t n, const char *ip) {
  if (n == 0)
    return true;
  for (size_t i = 0; i < n; i++)
    if (apps_rules_cidr_contains(&nets[i], ip))
      return true;
  return false;
}

static bool apps__space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool apps_rules_new(arena_t *a, const char *name, const char *const *scopes, size_t n_scopes,
                    const char *const *ips, size_t n_ips, apps_new_t *out, eh_err_t *err) {
  memset(out, 0, sizeof(*out));
  bool ok = true;

  /* name: trimmed, 1–64 characters of valid UTF-8 without control characters. */
  const char *s = name ? name : "";
  while (apps__space(*s))
    s++;
  size_t len = strlen(s);
  while (len > 0 && apps__space(s[len - 1]))
    len--;
  long chars = text_utf8_length(s, len);
  bool ctl = false;
  for (size_t i = 0; i < len; i++)
    if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
      ctl = true;
  if (chars < 0 || ctl) {
    ok = eh_err_set(err, EH_INVALID, "name", "应用名称含有无效字符",
                    "the app name contains invalid characters");
  } else if (chars == 0) {
    ok = eh_err_set(err, EH_INVALID, "name", "请填写应用名称", "the app name is required");
  } else if (chars > APPS_NAME_MAX_CHARS) {
    ok = eh_err_set(err, EH_INVALID, "name", "应用名称最多 %d 个字符",
                    "the app name has at most %d characters", APPS_NAME_MAX_CHARS);
  } else {
    out->name = arena_strndup(a, s, len);
  }

  /* scopes: at least one, each from the published list. */
  char list[256] = "";
  for (size_t i = 0; i < apps_scopes_count; i++) {
    strncat(list, i ? ", " : "", sizeof(list) - strlen(list) - 1);
    strncat(list, apps_scopes[i], sizeof(list) - strlen(list) - 1);
  }
  if (n_scopes == 0) {
    ok = eh_err_set(err, EH_INVALID, "scopes", "请至少选择一个权限范围（可选：%s）",
                    "at least one scope is required (one of: %s)", list);
  } else if (n_scopes > APPS_MAX_SCOPES) {
    ok = eh_err_set(err, EH_INVALID, "scopes", "权限范围过多", "too many scopes");
  } else {
    for (size_t i = 0; i < n_scopes; i++) {
      if (!apps_rules_scope_known(scopes[i])) {
        ok = eh_err_set(err, EH_INVALID, "scopes", "未知的权限范围（可选：%s）",
                        "unknown scope (one of: %s)", list);
        break;
      }
    }
    if (ok) {
      out->scopes = arena_alloc(a, sizeof(char *) * apps_scopes_count);
      for (size_t k = 0; k < apps_scopes_count; k++)
        for (size_t i = 0; i < n_scopes; i++)
          if (strcmp(scopes[i], apps_scopes[k]) == 0) {
            out->scopes[out->n_scopes++] = apps_scopes[k];
            break;
          }
    }
  }

  /* allowed_ips: addresses or CIDR blocks; none means any address. */
  if (n_ips > APPS_MAX_IPS) {
    ok = eh_err_set(err, EH_INVALID, "allowed_ips", "允许的 IP 最多 %d 个",
                    "at most %d allowed IPs", APPS_MAX_IPS);
  } else {
    out->allowed_ips = arena_alloc(a, sizeof(char *) * (n_ips + 1));
    for (size_t i = 0; i < n_ips; i++) {
      apps_cidr_t net;
      char canon[50];
      if (!apps_rules_cidr_parse(ips[i], &net, canon)) {
        ok = eh_err_set(err, EH_INVALID, "allowed_ips",
                        "允许的 IP 第 %zu 项不是有效的 IP 地址或网段（如 10.0.0.0/8）",
                        "allowed IP #%zu is not an IP address or CIDR block (e.g. 10.0.0.0/8)",
                        i + 1);
        break;
      }
      bool dup = false;
      for (size_t k = 0; k < out->n_allowed_ips; k++)
        if (strcmp(out->allowed_ips[k], canon) == 0)
          dup = true;
      if (!dup)
        out->allowed_ips[out->n_allowed_ips++] = arena_strdup(a, canon);
    }
  }
  return ok;
}
