/*
 * apps_rules_test.c — app scopes, allowed-IP entries (IPv4, IPv6, CIDR, host bits, mapped
 * addresses, junk) and the checks of a new app with their field names.
 */
#include <string.h>

#include "core/common/arena.h"
#include "core/identity/apps_rules.h"
#include "tests/unit/test.h"

static arena_t *A;

static void test_scopes(void) {
  CHECK(apps_rules_scope_known("identity.accounts.read"));
  CHECK(apps_rules_scope_known("system.read"));
  CHECK(!apps_rules_scope_known("system"));
  CHECK(!apps_rules_scope_known(""));
  CHECK(!apps_rules_scope_known("identity.accounts.write"));
}

static void test_cidr_parse(void) {
  apps_cidr_t n;
  char canon[50];
  CHECK(apps_rules_cidr_parse("10.0.0.0/8", &n, canon));
  CHECK_STR(canon, "10.0.0.0/8");
  CHECK_INT(n.family, 4);
  CHECK_INT(n.prefix, 8);
  CHECK(apps_rules_cidr_parse("192.168.1.5", &n, canon));
  CHECK_STR(canon, "192.168.1.5/32");
  CHECK(apps_rules_cidr_parse("2001:db8::/32", &n, canon));
  CHECK_STR(canon, "2001:db8::/32");
  CHECK_INT(n.family, 6);
  CHECK(apps_rules_cidr_parse("::1", &n, canon));
  CHECK_STR(canon, "::1/128");
  CHECK(apps_rules_cidr_parse("0.0.0.0/0", &n, canon));
  /* Host bits beyond the prefix, bad prefixes, junk. */
  CHECK(!apps_rules_cidr_parse("10.1.2.3/8", &n, canon));
  CHECK(!apps_rules_cidr_parse("10.0.0.0/33", &n, canon));
  CHECK(!apps_rules_cidr_parse("10.0.0.0/", &n, canon));
  CHECK(!apps_rules_cidr_parse("10.0.0.0/08", &n, canon));
  CHECK(!apps_rules_cidr_parse("10.0.0.0/-1", &n, canon));
  CHECK(!apps_rules_cidr_parse("2001:db8::/129", &n, canon));
  CHECK(!apps_rules_cidr_parse("256.0.0.1", &n, canon));
  CHECK(!apps_rules_cidr_parse("10.0.0", &n, canon));
  CHECK(!apps_rules_cidr_parse("", &n, canon));
  CHECK(!apps_rules_cidr_parse("localhost", &n, canon));
  CHECK(!apps_rules_cidr_parse(" 10.0.0.1", &n, canon));
  CHECK(!apps_rules_cidr_parse("10.0.0.1; DROP TABLE apps", &n, canon));
}

static void test_contains(void) {
  apps_cidr_t n[2];
  CHECK(apps_rules_cidr_parse("10.0.0.0/8", &n[0], NULL));
  CHECK(apps_rules_cidr_parse("2001:db8::/32", &n[1], NULL));
  CHECK(apps_rules_cidr_contains(&n[0], "10.255.1.2"));
  CHECK(!apps_rules_cidr_contains(&n[0], "11.0.0.1"));
  CHECK(apps_rules_cidr_contains(&n[0], "::ffff:10.1.1.1")); /* IPv4-mapped */
  CHECK(!apps_rules_cidr_contains(&n[0], "2001:db8::1"));
  CHECK(apps_rules_cidr_contains(&n[1], "2001:db8:ffff::1"));
  CHECK(!apps_rules_cidr_contains(&n[1], "2001:db9::1"));
  CHECK(!apps_rules_cidr_contains(&n[0], NULL));
  CHECK(!apps_rules_cidr_contains(&n[0], "junk"));
  apps_cidr_t h;
  CHECK(apps_rules_cidr_parse("127.0.0.1", &h, NULL));
  CHECK(apps_rules_cidr_contains(&h, "127.0.0.1"));
  CHECK(!apps_rules_cidr_contains(&h, "127.0.0.2"));
  apps_cidr_t odd;
  CHECK(apps_rules_cidr_parse("192.168.0.128/25", &odd, NULL));
  CHECK(apps_rules_cidr_contains(&odd, "192.168.0.200"));
  CHECK(!apps_rules_cidr_contains(&odd, "192.168.0.127"));
  /* The list: empty allows anything, else one must match. */
  CHECK(apps_rules_ip_allowed(n, 0, "1.2.3.4"));
  CHECK(apps_rules_ip_allowed(n, 0, NULL));
  CHECK(apps_rules_ip_allowed(n, 2, "2001:db8::5"));
  CHECK(apps_rules_ip_allowed(n, 2, "10.0.0.1"));
  CHECK(!apps_rules_ip_allowed(n, 2, "192.168.0.1"));
  CHECK(!apps_rules_ip_allowed(n, 2, NULL));
}

static const char *field0(const eh_err_t *e) {
  return e->nfields > 0 ? e->fields[0].field : "";
}

static void test_new_app(void) {
  apps_new_t out;
  eh_err_t err = EH_ERR_INIT;
  const char *scopes[] = {"system.read", "identity.accounts.read", "system.read"};
  const char *ips[] = {"10.0.0.0/8", "192.168.1.5", "192.168.1.5/32"};
  CHECK(apps_rules_new(A, "  教务系统  ", scopes, 3, ips, 3, &out, &err));
  CHECK_STR(out.name, "教务系统");
  CHECK_INT(out.n_scopes, 2); /* deduplicated, in the published order */
  CHECK_STR(out.scopes[0], "identity.accounts.read");
  CHECK_STR(out.scopes[1], "system.read");
  CHECK_INT(out.n_allowed_ips, 2);
  CHECK_STR(out.allowed_ips[1], "192.168.1.5/32");

  eh_err_clear(&err);
  CHECK(!apps_rules_new(A, "   ", scopes, 1, NULL, 0, &out, &err));
  CHECK_INT(err.code, EH_INVALID);
  CHECK_STR(field0(&err), "name");

  eh_err_clear(&err);
  const char *bad[] = {"system.read", "admin.all"};
  CHECK(!apps_rules_new(A, "x", bad, 2, NULL, 0, &out, &err));
  CHECK_STR(field0(&err), "scopes");
  CHECK(strstr(err.message_en, "identity.accounts.read") != NULL); /* names the scopes */

  eh_err_clear(&err);
  CHECK(!apps_rules_new(A, "x", NULL, 0, NULL, 0, &out, &err));
  CHECK_STR(field0(&err), "scopes");

  eh_err_clear(&err);
  const char *badip[] = {"10.0.0.1/8"};
  CHECK(!apps_rules_new(A, "x", scopes, 1, badip, 1, &out, &err));
  CHECK_STR(field0(&err), "allowed_ips");

  eh_err_clear(&err);
  char longname[200];
  memset(longname, 'a', 65);
  longname[65] = '\0';
  CHECK(!apps_rules_new(A, longname, scopes, 1, NULL, 0, &out, &err));
  CHECK_STR(field0(&err), "name");
  longname[64] = '\0';
  eh_err_clear(&err);
  CHECK(apps_rules_new(A, longname, scopes, 1, NULL, 0, &out, &err));

  eh_err_clear(&err);
  CHECK(!apps_rules_new(A, "a\x01b", scopes, 1, NULL, 0, &out, &err));
  CHECK(!apps_rules_new(A, "\xff\xfe", scopes, 1, NULL, 0, &out, &err));
}

int main(void) {
  A = arena_create(0);
  RUN(test_scopes);
  RUN(test_cidr_parse);
  RUN(test_contains);
  RUN(test_new_app);
  arena_destroy(A);
  return test_done();
}
