/*
 * people.c — people's units: GetPersonUnits (the person, hall and HR admins, admins of one of
 * the person's units, apps with org.read; anyone else NOT_FOUND, as for an unknown person) and
 * SetPersonUnits (HR). Memberships are ended (valid_to), never deleted; accounts.org_unit
 * follows the first unit in the same transaction. Never logs a name.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/common/log.h"
#include "core/identity/audit.h"
#include "core/org/org.h"
#include "core/org/org_internal.h"
#include "core/org/units_rules.h"
#include "core/store/org_store.h"

#define PEOPLE_MAX_UNITS 20

static Ehall__Org__V1__PersonUnits *people__message(arena_t *a, const store_org_account_t *acc,
                                                    const store_org_person_unit_t *units,
                                                    size_t n) {
  Ehall__Org__V1__PersonUnits *m = arena_alloc(a, sizeof(*m));
  ehall__org__v1__person_units__init(m);
  m->campus_id = (char *)acc->campus_id;
  m->name = (char *)acc->name;
  m->units = arena_alloc(a, (n + 1) * sizeof(*m->units));
  for (size_t i = 0; i < n; i++) {
    Ehall__Org__V1__PersonUnit *u = arena_alloc(a, sizeof(*u));
    ehall__org__v1__person_unit__init(u);
    u->unit = org__unit_ref(a, units[i].unit.code, units[i].unit.name, units[i].unit.kind);
    u->title = (char *)units[i].title;
    u->since = org__ts(a, units[i].since_us);
    m->units[m->n_units++] = u;
  }
  return m;
}

static bool people__not_found(eh_err_t *err) {
  return eh_err_set(err, EH_NOT_FOUND, "campus_id", "人员不存在", "no such person");
}

/* --- GetPersonUnits ----------------------------------------------------------------------- */

void org_get_person_units(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                          eh_err_t *err) {
  arena_t *a = call->arena;
  const Ehall__Org__V1__GetPersonUnitsRequest *in =
      (const Ehall__Org__V1__GetPersonUnitsRequest *)req;
  if (!org_units_campus_id_valid(in->campus_id)) {
    people__not_found(err);
    return;
  }
  store_pg_conn_t *conn = store_pg_acquire(a, call->pg, call->deadline_ms, err);
  if (conn == NULL)
    return;
  store_org_account_t acc;
  bool found = false;
  store_org_person_unit_t *units = NULL;
  size_t n = 0;
  if (!store_org_account_get(a, conn, in->campus_id, &acc, &found, err))
    return;
  if (!found) {
    people__not_found(err);
    return;
  }
  if (!store_org_person_units(a, conn, acc.id, &units, &n, err))
    return;
  store_pg_release(conn);

  bool ok = call->principal.actor == CALL_APP; /* the method table required org.read */
  if (!ok && call->principal.actor == CALL_USER) {
    ok = call->principal.account_id == acc.id;
    if (!ok && !org_caller_is_hr(call, &ok, err))
      return;
    for (size_t i = 0; !ok && i < n; i++)
      if (!org_caller_admins_unit(call, units[i].unit.code, &ok, err))
        return;
  }
  if (!ok) {
    people__not_found(err);
    return;
  }
  *resp = &people__message(a, &acc, units, n)->base;
}

/* --- SetPersonUnits ----------------------------------------------------------------------- */

typedef struct people_set {
  call_t *call;
  const char *campus_id;
  const char **codes, **titles;
  size_t n;
  store_org_account_t acc;
  store_org_person_unit_t *units;
  size_t n_units;
} people_set_t;

static bool people__set_tx(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  people_set_t *s = ud;
  /* Under the tree's lock: no unit named here closes meanwhile. */
  if (!store_org_tree_lock_tx(a, conn, err))
    return false;
  bool found = false;
  if (!store_org_account_get(a, conn, s->campus_id, &s->acc, &found, err))
    return false;
  if (!found)
    return people__not_found(err);
  for (size_t i = 0; i < s->n; i++) {
    store_org_unit_t u;
    if (!store_org_unit_get(a, conn, s->codes[i], false, &u, &found, err))
      return false;
    if (!found)
      return eh_err_set(err, EH_INVALID, "units", "单位 %s 不存在", "no unit %s", s->codes[i]);
    if (u.closed_us != 0)
      return eh_err_set(err, EH_INVALID, "units", "单位 %s 已关闭", "the unit %s is closed",
                        s->codes[i]);
  }
  const char **ids = arena_alloc(a, s->n * sizeof(*ids));
  for (size_t i = 0; i < s->n; i++)
    ids[i] = s->campus_id;
  if (!store_org_people_set_tx(a, conn, &s->campus_id, 1, ids, s->codes, s->titles, s->n, err) ||
      !store_org_accounts_unit_tx(a, conn, &s->campus_id, s->codes, 1, err))
    return false;
  size_t len = 16;
  for (size_t i = 0; i < s->n; i++)
    len += strlen(s->codes[i]) + 3;
  char *detail = arena_alloc(a, len + 16), *p = detail;
  p += sprintf(p, "{\"units\":[");
  for (size_t i = 0; i < s->n; i++)
    p += sprintf(p, "%s\"%s\"", i ? "," : "", s->codes[i]); /* codes: [A-Za-z0-9_.-] only */
  sprintf(p, "]}");
  if (!audit_append_tx(s->call, a, conn, AUDIT_ORG_PERSON_UNITS,
                       arena_printf(a, "person:%s", s->campus_id), detail, err))
    return false;
  s->acc.org_unit = s->codes[0];
  return store_org_person_units(a, conn, s->acc.id, &s->units, &s->n_units, err);
}

void org_set_person_units(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                          eh_err_t *err) {
  arena_t *a = call->arena;
  const Ehall__Org__V1__SetPersonUnitsRequest *in =
      (const Ehall__Org__V1__SetPersonUnitsRequest *)req;
  bool ok = false;
  if (!org_caller_is_hr(call, &ok, err))
    return;
  if (!ok) {
    org_denied(err, "只有大厅管理员和人事处管理员可以调整人员所属单位",
               "only hall admins and the HR unit's admins may set people's units");
    return;
  }
  if (!org_units_campus_id_valid(in->campus_id)) {
    people__not_found(err);
    return;
  }
  if (in->n_units == 0 || in->n_units > PEOPLE_MAX_UNITS) {
    eh_err_set(err, EH_INVALID, "units", "须为 1–20 个单位：人员不能没有所属单位",
               "give 1–20 units: a person always belongs to a unit");
    return;
  }
  people_set_t s = {.call = call, .campus_id = in->campus_id, .n = in->n_units};
  s.codes = arena_alloc(a, in->n_units * sizeof(char *));
  s.titles = arena_alloc(a, in->n_units * sizeof(char *));
  for (size_t i = 0; i < in->n_units; i++) {
    const char *code = in->units[i]->unit_code ? in->units[i]->unit_code : "";
    const char *title = in->units[i]->title ? in->units[i]->title : "";
    if (!org_units_code_valid(code))
      return (void)eh_err_set(err, EH_INVALID, "units", "单位代码无效", "invalid unit code");
    if (!org_units_title_valid(title))
      return (void)eh_err_set(err, EH_INVALID, "units", "职务最多 64 个字符",
                              "the title has at most 64 characters");
    for (size_t j = 0; j < i; j++)
      if (strcmp(s.codes[j], code) == 0)
        return (void)eh_err_set(err, EH_INVALID, "units", "单位 %s 重复", "unit %s repeats", code);
    s.codes[i] = code;
    s.titles[i] = title;
  }
  if (!store_pg_tx(a, call->pg, call->deadline_ms, people__set_tx, &s, err))
    return;
  LOG_INFO(ORG_MODULE, "person units set account=%" PRId64 " units=%zu", s.acc.id, s.n);
  *resp = &people__message(a, &s.acc, s.units, s.n_units)->base;
}
