-- 0008_create_org.sql — the org tree (maintained by HR), people's units, approver groups with
-- scoped members, department admins' units and dated delegations (core/org, core/store/
-- org_store.c and group_store.c). Forward only: once landed, never edit this file.
--
-- History: people's units and group scopes are never deleted. Ending one sets valid_to; the
-- open row has valid_to NULL. So "who served class X on date D" is a range query. Units are
-- closed (closed_at), never deleted.

CREATE TABLE org_units (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code text NOT NULL UNIQUE CHECK (code ~ '^[A-Za-z0-9_.-]{1,64}$'),
  name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 64),
  name_en text NOT NULL DEFAULT '' CHECK (char_length(name_en) <= 128),
  -- ehall.org.v1.UnitKind: 1 university, 2 college, 3 department, 4 major, 5 class.
  kind smallint NOT NULL CHECK (kind BETWEEN 1 AND 5),
  parent_id bigint REFERENCES org_units (id),
  -- Ids from the root down to this unit itself (kept by the store when a unit moves), so
  -- resolution walks up a path without recursion.
  path bigint[] NOT NULL,
  closed_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((parent_id IS NULL) = (kind = 1)),
  CHECK (path[array_length(path, 1)] = id)
);
CREATE INDEX org_units_parent_idx ON org_units (parent_id);
CREATE INDEX org_units_path_idx ON org_units USING gin (path);
-- At most one open university.
CREATE UNIQUE INDEX org_units_one_root ON org_units ((true)) WHERE kind = 1 AND closed_at IS NULL;

-- Which units a person belongs to (a student to a class; staff to one or more departments).
CREATE TABLE person_units (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_id bigint NOT NULL REFERENCES accounts (id),
  unit_id bigint NOT NULL REFERENCES org_units (id),
  title text NOT NULL DEFAULT '' CHECK (char_length(title) <= 64),
  valid_from timestamptz NOT NULL DEFAULT now(),
  valid_to timestamptz,
  CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
CREATE UNIQUE INDEX person_units_current ON person_units (account_id, unit_id) WHERE valid_to IS NULL;
CREATE INDEX person_units_account_idx ON person_units (account_id, valid_from);
CREATE INDEX person_units_unit_idx ON person_units (unit_id) WHERE valid_to IS NULL;

CREATE TABLE approver_groups (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9_]{1,64}$'),
  name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 64),
  name_en text NOT NULL DEFAULT '' CHECK (char_length(name_en) <= 128),
  description text NOT NULL DEFAULT '' CHECK (char_length(description) <= 500),
  -- The department that maintains the membership.
  owner_unit_id bigint NOT NULL REFERENCES org_units (id),
  builtin boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- One row per (member, scope) and period: the member serves the scope unit and everything
-- under it, unless someone nearer on the path serves the same group.
CREATE TABLE group_scopes (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  group_id bigint NOT NULL REFERENCES approver_groups (id),
  account_id bigint NOT NULL REFERENCES accounts (id),
  unit_id bigint NOT NULL REFERENCES org_units (id),
  valid_from timestamptz NOT NULL DEFAULT now(),
  valid_to timestamptz,
  CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
CREATE UNIQUE INDEX group_scopes_current ON group_scopes (group_id, account_id, unit_id) WHERE valid_to IS NULL;
CREATE INDEX group_scopes_unit_idx ON group_scopes (group_id, unit_id, valid_from);
CREATE INDEX group_scopes_account_idx ON group_scopes (account_id, group_id);

-- Out of office: from hands their approvals to delegate for the days start_date..end_date
-- (Asia/Shanghai, both included), for one group or (group_id NULL) all.
CREATE TABLE delegations (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  from_account_id bigint NOT NULL REFERENCES accounts (id),
  to_account_id bigint NOT NULL REFERENCES accounts (id),
  group_id bigint REFERENCES approver_groups (id),
  start_date date NOT NULL,
  end_date date NOT NULL,
  reason text NOT NULL DEFAULT '' CHECK (char_length(reason) <= 200),
  created_by bigint NOT NULL REFERENCES accounts (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  -- Ended early by hand; the row stays (history).
  ended_at timestamptz,
  CHECK (from_account_id <> to_account_id),
  CHECK (end_date >= start_date)
);
CREATE INDEX delegations_from_idx ON delegations (from_account_id, end_date);
CREATE INDEX delegations_to_idx ON delegations (to_account_id, end_date);

-- The built-in groups of the original hall and the departments that maintain them are demo /
-- deployment data (they need the HR tree's department units): see migrations/demo/.
