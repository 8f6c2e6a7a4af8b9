/*
 * org_import.c — HR's org import: the ImportOrg RPC (hall and HR admins) and `ehall-core import
 * org FILE [apply]` / `ehall-core import members GROUP FILE [apply]` (org.h). Parse and check
 * (org_import_rules) → load the whole tree and every current membership in a few queries →
 * diff in memory → with apply, write the diff with set-based statements in ONE transaction
 * under the tree's advisory lock, with one audit row. The diff is recomputed inside that
 * transaction, so what is applied is exactly what the digest names. Never logs a name or a
 * line of the file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/common/log.h"
#include "core/config.h"
#include "core/identity/audit.h"
#include "core/org/org.h"
#include "core/org/org_import_rules.h"
#include "core/org/org_internal.h"
#include "core/org/units_rules.h"
#include "core/store/org_store.h"
#include "core/store/pg.h"

typedef struct import_run {
  call_t *call;
  bool apply;
  const char *expected_digest;
  org_import_file_t file;
  size_t parse_errors; /* errors after parsing (a retried transaction starts again from here) */
  org_import_diff_t diff;
  const char *digest; /* "" while there are errors */
  bool applied;
} import_run_t;

/* Loads the tree, diffs the file against it; errors land in r->file.csv. */
static bool import__diff(arena_t *a, store_pg_conn_t *conn, import_run_t *r, eh_err_t *err) {
  r->file.csv.n_errors = r->parse_errors;
  r->digest = "";
  store_org_tree_unit_t *units;
  store_org_membership_t *members;
  size_t n_units, n_members;
  if (!store_org_tree_load(a, conn, &units, &n_units, &members, &n_members, err))
    return false;
  const char **ids = arena_alloc(a, (r->file.n_people + 1) * sizeof(*ids));
  for (size_t i = 0; i < r->file.n_people; i++)
    ids[i] = r->file.people[i].campus_id; /* repeats are harmless in = ANY */
  store_org_admin_t *accounts;
  size_t n_accounts;
  if (!store_org_accounts_named(a, conn, ids, r->file.n_people, &accounts, &n_accounts, err))
    return false;

  org_tree_unit_t *tu = arena_alloc(a, (n_units + 1) * sizeof(*tu));
  for (size_t i = 0; i < n_units; i++)
    tu[i] = (org_tree_unit_t){units[i].code,        units[i].name, units[i].name_en,
                              units[i].parent_code, units[i].kind, units[i].closed};
  org_tree_membership_t *tm = arena_alloc(a, (n_members + 1) * sizeof(*tm));
  for (size_t i = 0; i < n_members; i++)
    tm[i] = (org_tree_membership_t){members[i].campus_id, members[i].unit_code, members[i].title};
  org_tree_account_t *ta = arena_alloc(a, (n_accounts + 1) * sizeof(*ta));
  for (size_t i = 0; i < n_accounts; i++)
    ta[i] = (org_tree_account_t){accounts[i].campus_id, accounts[i].name};
  org_tree_t tree = {tu, n_units, tm, n_members, ta, n_accounts};
  if (org_import_diff(a, &r->file, &tree, &r->diff))
    r->digest = org__digest(a, r->diff.canonical, r->diff.canonical_len);
  return true;
}

static bool import__preview_tx(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  return import__diff(a, conn, ud, err);
}

/* The units of one change kind (and, for ADDED, one depth). */
typedef struct unit_cols {
  const char **codes, **names, **names_en, **parents;
  int *kinds;
  size_t n;
} unit_cols_t;

static void import__cols(arena_t *a, const org_import_diff_t *d, int change, int depth,
                         unit_cols_t *c) {
  size_t cap = d->n_units + 1;
  c->codes = arena_alloc(a, cap * sizeof(char *));
  c->names = arena_alloc(a, cap * sizeof(char *));
  c->names_en = arena_alloc(a, cap * sizeof(char *));
  c->parents = arena_alloc(a, cap * sizeof(char *));
  c->kinds = arena_alloc(a, cap * sizeof(int));
  c->n = 0;
  for (size_t i = 0; i < d->n_units; i++) {
    const org_unit_change_t *u = &d->units[i];
    if (u->change != change || (depth >= 0 && u->depth != depth))
      continue;
    c->codes[c->n] = u->code;
    c->names[c->n] = u->name;
    c->names_en[c->n] = u->name_en;
    c->parents[c->n] = u->parent;
    c->kinds[c->n] = u->kind;
    c->n++;
  }
}

static int import__count(const org_import_diff_t *d, int change) {
  int n = 0;
  for (size_t i = 0; i < d->n_units; i++)
    n += d->units[i].change == change;
  return n;
}

static bool import__apply_tx(arena_t *a, store_pg_conn_t *conn, void *ud, eh_err_t *err) {
  import_run_t *r = ud;
  r->applied = false;
  if (!store_org_tree_lock_tx(a, conn, err) || !import__diff(a, conn, r, err))
    return false;
  if (r->file.csv.n_errors > 0)
    return true; /* the report says why; nothing was written */
  if (r->expected_digest != NULL && *r->expected_digest != '\0' &&
      strcmp(r->expected_digest, r->digest) != 0)
    return eh_err_set(err, EH_CONFLICT, NULL, "数据已变化，请重新预览",
                      "the data changed since the preview: preview again");
  const org_import_diff_t *d = &r->diff;
  unit_cols_t c;
  /* Close first (the one open university may be replaced), then reopen, then add parents
   * before children, then rename and move (a move may go under an added unit). */
  import__cols(a, d, ORG_CHANGE_CLOSED, -1, &c);
  if (!store_org_units_set_closed_tx(a, conn, c.codes, c.n, true, err))
    return false;
  import__cols(a, d, ORG_CHANGE_REOPENED, -1, &c);
  if (!store_org_units_set_closed_tx(a, conn, c.codes, c.n, false, err))
    return false;
  for (int depth = 0;; depth++) {
    import__cols(a, d, ORG_CHANGE_ADDED, depth, &c);
    if (c.n == 0)
      break;
    if (!store_org_units_insert_tx(a, conn, c.codes, c.names, c.names_en, c.kinds, c.parents, c.n,
                                   err))
      return false;
  }
  import__cols(a, d, ORG_CHANGE_RENAMED, -1, &c);
  if (!store_org_units_rename_tx(a, conn, c.codes, c.names, c.names_en, c.n, err))
    return false;
  import__cols(a, d, ORG_CHANGE_MOVED, -1, &c);
  if (!store_org_units_reparent_tx(a, conn, c.codes, c.parents, c.n, err))
    return false;

  size_t n_rows = 0;
  for (size_t i = 0; i < d->n_people; i++)
    n_rows += d->people[i].n;
  const char **ids = arena_alloc(a, (d->n_people + 1) * sizeof(char *));
  const char **row_ids = arena_alloc(a, (n_rows + 1) * sizeof(char *));
  const char **row_units = arena_alloc(a, (n_rows + 1) * sizeof(char *));
  const char **row_titles = arena_alloc(a, (n_rows + 1) * sizeof(char *));
  size_t k = 0;
  for (size_t i = 0; i < d->n_people; i++) {
    const org_person_change_t *p = &d->people[i];
    ids[i] = p->campus_id;
    for (size_t j = 0; j < p->n; j++, k++) {
      row_ids[k] = p->campus_id;
      row_units[k] = p->units[j];
      row_titles[k] = p->titles[j];
    }
  }
  if (!store_org_people_set_tx(a, conn, ids, d->n_people, row_ids, row_units, row_titles, n_rows,
                               err) ||
      !store_org_accounts_unit_tx(a, conn, d->person_ids, d->person_first_units, d->n_persons, err))
    return false;

  const char *detail = arena_printf(
      a,
      "{\"rows\":%zu,\"added\":%d,\"renamed\":%d,\"moved\":%d,\"closed\":%d,\"reopened\":%d,"
      "\"people_changed\":%zu,\"units_unchanged\":%d,\"people_unchanged\":%d,"
      "\"encoding\":\"%s\",\"digest\":\"%s\"}",
      r->file.csv.n_records, import__count(d, ORG_CHANGE_ADDED),
      import__count(d, ORG_CHANGE_RENAMED), import__count(d, ORG_CHANGE_MOVED),
      import__count(d, ORG_CHANGE_CLOSED), import__count(d, ORG_CHANGE_REOPENED), d->n_people,
      d->units_unchanged, d->people_unchanged, r->file.csv.encoding ? r->file.csv.encoding : "",
      r->digest);
  if (!audit_append_tx(r->call, a, conn, AUDIT_ORG_IMPORT, "org", detail, err))
    return false;
  r->applied = true;
  return true;
}

static Ehall__Org__V1__OrgImportReport *import__report(arena_t *a, const import_run_t *r) {
  Ehall__Org__V1__OrgImportReport *rep = arena_alloc(a, sizeof(*rep));
  ehall__org__v1__org_import_report__init(rep);
  csv_file_t *f = (csv_file_t *)&r->file.csv;
  rep->encoding = (char *)(f->encoding ? f->encoding : "");
  rep->rows = (int32_t)f->n_records;
  const org_import_diff_t *d = &r->diff;
  rep->unit_changes = arena_alloc(a, (d->n_units + 1) * sizeof(*rep->unit_changes));
  for (size_t i = 0; i < d->n_units; i++) {
    Ehall__Org__V1__UnitChange *u = arena_alloc(a, sizeof(*u));
    ehall__org__v1__unit_change__init(u);
    u->change = (Ehall__Org__V1__UnitChange__Change)d->units[i].change;
    u->code = (char *)d->units[i].code;
    u->name = (char *)d->units[i].name;
    u->old_value = (char *)d->units[i].old_value;
    u->new_value = (char *)d->units[i].new_value;
    rep->unit_changes[rep->n_unit_changes++] = u;
  }
  rep->person_changes = arena_alloc(a, (d->n_people + 1) * sizeof(*rep->person_changes));
  for (size_t i = 0; i < d->n_people; i++) {
    const org_person_change_t *p = &d->people[i];
    Ehall__Org__V1__PersonChange *m = arena_alloc(a, sizeof(*m));
    ehall__org__v1__person_change__init(m);
    m->campus_id = (char *)p->campus_id;
    m->name = (char *)p->name;
    m->old_units = (char **)p->old_units;
    m->n_old_units = p->n_old;
    m->new_units = (char **)p->new_units;
    m->n_new_units = p->n_new;
    rep->person_changes[rep->n_person_changes++] = m;
  }
  rep->diff_digest = (char *)r->digest;
  rep->applied = r->applied;
  rep->units_unchanged = d->units_unchanged;
  rep->people_unchanged = d->people_unchanged;
  return rep;
}

bool org__org_import(call_t *call, const uint8_t *csv, size_t len, bool apply,
                     const char *expected_digest, Ehall__Org__V1__OrgImportReport **out,
                     eh_err_t *err) {
  arena_t *a = call->arena;
  import_run_t r = {.call = call, .apply = apply, .expected_digest = expected_digest, .digest = ""};
  if (org_import_parse(a, (const char *)csv, len, ORG_IMPORT_MAX_BYTES, ORG_IMPORT_MAX_ROWS,
                       &r.file)) {
    r.parse_errors = r.file.csv.n_errors;
    bool ok = apply ? store_pg_tx(a, call->pg, call->deadline_ms, import__apply_tx, &r, err)
                    : store_pg_tx_iso(a, call->pg, call->deadline_ms, STORE_PG_REPEATABLE_READ,
                                      import__preview_tx, &r, err);
    if (!ok)
      return false;
  }
  Ehall__Org__V1__OrgImportReport *rep = import__report(a, &r);
  size_t n_errors = r.file.csv.n_errors;
  org__row_errors(a, call, csv_errors_sorted(&r.file.csv), n_errors, &rep->errors, &rep->n_errors);
  if (r.applied)
    LOG_INFO(ORG_MODULE, "org imported rows=%d unit_changes=%zu people_changed=%zu", rep->rows,
             rep->n_unit_changes, rep->n_person_changes);
  *out = rep;
  return true;
}

/* ---- the RPC ------------------------------------------------------------------------------- */

void org_import_org(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                    eh_err_t *err) {
  const Ehall__Org__V1__ImportOrgRequest *in = (const Ehall__Org__V1__ImportOrgRequest *)req;
  bool ok = false;
  if (!org_caller_is_hr(call, &ok, err))
    return;
  if (!ok) {
    org_denied(err, "只有大厅管理员和人事处管理员可以导入组织机构",
               "only hall admins and the HR unit's admins may import the org tree");
    return;
  }
  if (in->csv.len == 0) {
    eh_err_set(err, EH_INVALID, "csv", "请提供 CSV 文件", "the CSV file is required");
    return;
  }
  if (in->csv.len > ORG_IMPORT_MAX_BYTES) {
    eh_err_set(err, EH_INVALID, "csv", "文件不能超过 8 MiB", "the file must not exceed 8 MiB");
    return;
  }
  Ehall__Org__V1__OrgImportReport *rep;
  if (org__org_import(call, in->csv.data, in->csv.len, in->apply, in->expected_digest, &rep, err))
    *resp = &rep->base;
}

/* ---- the command line ---------------------------------------------------------------------- */

static const char *const change_names[] = {"", "added", "renamed", "moved", "closed", "reopened"};

static void import__print_errors(Ehall__Org__V1__ImportRowError **e, size_t n) {
  for (size_t i = 0; i < n; i++)
    printf("line %d: %s: %s\n", e[i]->line, e[i]->column[0] ? e[i]->column : "-", e[i]->reason);
}

static void import__print_list(const char *prefix, char **v, size_t n) {
  printf("%s", prefix);
  for (size_t i = 0; i < n; i++)
    printf("%s%s", i ? ";" : "", v[i]);
}

static int import__print_org(const Ehall__Org__V1__OrgImportReport *rep) {
  printf("encoding: %s\nrows: %d\n", rep->encoding[0] ? rep->encoding : "unknown", rep->rows);
  for (size_t i = 0; i < rep->n_unit_changes; i++) {
    const Ehall__Org__V1__UnitChange *u = rep->unit_changes[i];
    printf("unit %s: %s %s", change_names[u->change], u->code, u->name);
    if ((int)u->change == ORG_CHANGE_RENAMED)
      printf(" (was %s)", u->old_value);
    else if ((int)u->change == ORG_CHANGE_MOVED)
      printf(" (%s -> %s)", u->old_value, u->new_value);
    printf("\n");
  }
  for (size_t i = 0; i < rep->n_person_changes; i++) {
    const Ehall__Org__V1__PersonChange *p = rep->person_changes[i];
    printf("person moved: %s", p->campus_id);
    import__print_list(" ", p->old_units, p->n_old_units);
    import__print_list(" -> ", p->new_units, p->n_new_units);
    printf("\n");
  }
  printf("units changed: %zu, unchanged: %d\npeople changed: %zu, unchanged: %d\n",
         rep->n_unit_changes, rep->units_unchanged, rep->n_person_changes, rep->people_unchanged);
  if (rep->n_errors > 0) {
    printf("errors: nothing applied\n");
    import__print_errors(rep->errors, rep->n_errors);
    return 1;
  }
  printf("digest: %s\n%s\n", rep->diff_digest,
         rep->applied ? "applied" : "preview: nothing changed (add \"apply\" to apply)");
  return 0;
}

static int import__print_members(const Ehall__Org__V1__MembersImportReport *rep) {
  static const char *const kinds[] = {"", "added", "removed", "scopes changed"};
  printf("encoding: %s\nrows: %d\n", rep->encoding && rep->encoding[0] ? rep->encoding : "unknown",
         rep->rows);
  for (size_t i = 0; i < rep->n_changes; i++) {
    const Ehall__Org__V1__MemberChange *c = rep->changes[i];
    printf("member %s: %s", c->change >= 1 && c->change <= 3 ? kinds[c->change] : "changed",
           c->campus_id);
    import__print_list(" ", c->old_scopes, c->n_old_scopes);
    import__print_list(" -> ", c->new_scopes, c->n_new_scopes);
    printf("\n");
  }
  printf("changed: %zu, unchanged: %d\n", rep->n_changes, rep->unchanged);
  if (rep->n_errors > 0) {
    printf("errors: nothing applied\n");
    import__print_errors(rep->errors, rep->n_errors);
    return 1;
  }
  printf("digest: %s\n%s\n", rep->diff_digest ? rep->diff_digest : "",
         rep->applied ? "applied" : "preview: nothing changed (add \"apply\" to apply)");
  return 0;
}

int org_cli_import(const struct core_config *cfg, int argc, char **argv) {
  bool members = argc > 0 && strcmp(argv[0], "members") == 0;
  int need = members ? 3 : 2; /* words before the optional "apply" */
  bool apply = argc == need + 1 && strcmp(argv[need], "apply") == 0;
  if (argc < need || argc > need + 1 || (argc == need + 1 && !apply) ||
      (members && !org_units_code_valid(argv[1]))) {
    fprintf(stderr, "usage: ehall-core import org FILE [apply]\n"
                    "       ehall-core import members GROUP FILE [apply]\n");
    return 2;
  }
  const char *path = argv[need - 1];
  size_t max = members ? ORG_MEMBERS_MAX_BYTES : ORG_IMPORT_MAX_BYTES;
  size_t len = 0;
  char *data = csv_read_file(path, max, &len);
  if (data == NULL) {
    fprintf(stderr, "ehall-core import: cannot read %s\n", path);
    return 2;
  }
  if (len > max) {
    fprintf(stderr, "ehall-core import: %s is larger than %zu MiB\n", path, max >> 20);
    free(data);
    return 2;
  }
  store_pg_pool_t *pg = store_pg_pool_create(cfg->pg_dsn, 1, 5000);
  call_t call = {
      .arena = arena_create(0),
      .method = members ? "cli:import-members" : "cli:import-org",
      .language = "zh-CN",
      .deadline_ms = INT64_MAX,
      .pg = pg,
      .cfg = cfg,
  }; /* principal anonymous: the audit row's actor is "cli" */
  eh_err_t err = EH_ERR_INIT;
  int rc;
  bool ok;
  if (members) {
    Ehall__Org__V1__MembersImportReport *rep = NULL;
    ok = org__members_import(&call, argv[1], (const uint8_t *)data, len, apply, NULL, &rep, &err);
    rc = ok ? import__print_members(rep) : 1;
  } else {
    Ehall__Org__V1__OrgImportReport *rep = NULL;
    ok = org__org_import(&call, (const uint8_t *)data, len, apply, NULL, &rep, &err);
    rc = ok ? import__print_org(rep) : 1;
  }
  if (!ok) {
    fprintf(stderr, "import failed: %s (%s)\n", err.message, err.message_en);
    if (err.detail[0] != '\0')
      LOG_ERROR(ORG_MODULE, "import failed status=%s detail=%s", eh_status_name(err.code),
                err.detail);
  }
  arena_destroy(call.arena);
  store_pg_pool_destroy(pg);
  free(data);
  return rc;
}
