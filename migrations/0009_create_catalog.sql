-- 0009_create_catalog.sql — the service catalogue (core/catalog, core/store/catalog_store.c):
-- categories and themes, services owned by departments, every version of every guide, the
-- template files guides offer, people's favourites and recently viewed services, and the
-- catalogue's generation, which every replica's caches compare against. Forward only: once
-- landed, never edit this file.
--
-- A guide version's content is the proto3 JSON of ehall.catalog.v1.Guide (validated by the
-- core before it is stored); name and the published flag are copied out for listing and for
-- the one-published and one-draft indexes. Versions are never deleted.

CREATE TABLE catalog_categories (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9][a-z0-9-]{1,31}$'),
  -- ehall.catalog.v1.CategoryKind: 1 category (分类), 2 theme (主题).
  kind smallint NOT NULL CHECK (kind IN (1, 2)),
  name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 16),
  name_en text NOT NULL CHECK (char_length(name_en) BETWEEN 1 AND 48),
  icon text NOT NULL DEFAULT '' CHECK (char_length(icon) <= 32),
  sort_order integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE services (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9][a-z0-9-]{1,63}$'),
  owner_unit_id bigint NOT NULL REFERENCES org_units (id),
  -- ehall.catalog.v1.ServiceState: 1 draft (never published), 2 published, 3 unpublished.
  state smallint NOT NULL DEFAULT 1 CHECK (state BETWEEN 1 AND 3),
  -- Applications made through the service (the forms issue counts them); with views (kept in
  -- Redis, see core/catalog) they make the hot list.
  applications bigint NOT NULL DEFAULT 0 CHECK (applications >= 0),
  created_by bigint REFERENCES accounts (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz
);
CREATE INDEX services_owner_idx ON services (owner_unit_id);

CREATE TABLE service_versions (
  service_id bigint NOT NULL REFERENCES services (id),
  version integer NOT NULL CHECK (version > 0),
  -- ehall.catalog.v1.VersionState: 1 draft, 2 published, 3 superseded, 4 discarded.
  state smallint NOT NULL CHECK (state BETWEEN 1 AND 4),
  name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 64),
  guide jsonb NOT NULL CHECK (jsonb_typeof(guide) = 'object'),
  created_by bigint REFERENCES accounts (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_by bigint REFERENCES accounts (id),
  updated_at timestamptz NOT NULL DEFAULT now(),
  published_by bigint REFERENCES accounts (id),
  published_at timestamptz,
  retired_at timestamptz,
  PRIMARY KEY (service_id, version),
  CHECK ((state = 2) <= (published_at IS NOT NULL)),
  CHECK ((state IN (3, 4)) = (retired_at IS NOT NULL))
);
-- At most one open draft and one published version per service: two editors racing to start
-- a draft, or two publishes, cannot both win.
CREATE UNIQUE INDEX service_versions_one_draft ON service_versions (service_id) WHERE state = 1;
CREATE UNIQUE INDEX service_versions_one_published ON service_versions (service_id) WHERE state = 2;

-- Template files (表格下载), content-addressed: a file's id is the SHA-256 of its bytes, stored
-- once per department that uploaded them (the department's admins may fetch their own files
-- before any guide offers them). In PostgreSQL, so a backup of the database holds them (they
-- are small: ≤ 512 KiB each).
CREATE TABLE service_templates (
  sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  content_type text NOT NULL CHECK (char_length(content_type) BETWEEN 1 AND 128),
  size integer NOT NULL CHECK (size BETWEEN 1 AND 524288),
  content bytea NOT NULL CHECK (octet_length(content) = size),
  owner_unit_id bigint NOT NULL REFERENCES org_units (id),
  uploaded_by bigint REFERENCES accounts (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (sha256, owner_unit_id)
);

CREATE TABLE service_favourites (
  account_id bigint NOT NULL REFERENCES accounts (id),
  service_id bigint NOT NULL REFERENCES services (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, service_id)
);

-- Recently viewed services; the store keeps the newest 20 per person.
CREATE TABLE service_recent (
  account_id bigint NOT NULL REFERENCES accounts (id),
  service_id bigint NOT NULL REFERENCES services (id),
  viewed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, service_id)
);
CREATE INDEX service_recent_newest_idx ON service_recent (account_id, viewed_at DESC);

-- One row: bumped in every transaction that changes what the catalogue serves (publish,
-- unpublish, a category saved). A replica whose cache was built at an older generation
-- rebuilds it (core/catalog/README.md).
CREATE TABLE catalog_generation (
  one boolean PRIMARY KEY DEFAULT true CHECK (one),
  generation bigint NOT NULL DEFAULT 1 CHECK (generation > 0),
  changed_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO catalog_generation DEFAULT VALUES;
