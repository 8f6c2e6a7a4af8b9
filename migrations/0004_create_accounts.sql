-- 0004_create_accounts.sql — campus accounts (学号/工号), their roles and credentials. Org
-- units are plain codes until the org issue adds their table. Forward only: once landed, never
-- edit this file; add a new numbered one.
CREATE TABLE accounts (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  campus_id text NOT NULL UNIQUE CHECK (campus_id ~ '^[A-Za-z0-9_.-]{1,32}$'),
  name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 64),
  -- ehall.identity.v1.AccountKind: 1 student, 2 staff.
  kind smallint NOT NULL CHECK (kind IN (1, 2)),
  org_unit text NOT NULL DEFAULT '' CHECK (char_length(org_unit) <= 64),
  -- The bound email (lower-cased), NULL when none; personal data, never logged.
  email text CHECK (email IS NULL OR (char_length(email) BETWEEN 3 AND 254 AND email = lower(email))),
  phone text NOT NULL DEFAULT '' CHECK (char_length(phone) <= 32),
  -- ehall.identity.v1.AccountStatus: 1 active, 2 locked, 3 disabled, 4 graduated.
  status smallint NOT NULL DEFAULT 1 CHECK (status BETWEEN 1 AND 4),
  -- core/identity/password.h formats: our PBKDF2, or a legacy hash until the first login.
  password_hash text NOT NULL CHECK (char_length(password_hash) BETWEEN 1 AND 512),
  -- An initial (ID-card) or imported password that must be changed before anything else.
  must_change_password boolean NOT NULL DEFAULT true,
  -- HMAC-SHA256 (identity.pepper) of the ID-card number; the number itself is never stored.
  idcard_hmac text UNIQUE,
  -- The bound WeChat user of the mini-program; never leaves the core.
  wechat_openid text UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  last_login_at timestamptz,
  password_changed_at timestamptz
);

CREATE UNIQUE INDEX accounts_email_key ON accounts (email) WHERE email IS NOT NULL;
CREATE INDEX accounts_org_unit_idx ON accounts (org_unit);

CREATE TABLE account_roles (
  account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  role text NOT NULL CHECK (role IN ('student', 'staff', 'dept_admin', 'hall_admin')),
  -- dept_admin: the org unit administered; '' for the other roles.
  org_unit text NOT NULL DEFAULT '' CHECK ((role = 'dept_admin') = (org_unit <> '')),
  PRIMARY KEY (account_id, role, org_unit)
);
