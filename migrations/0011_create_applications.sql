-- 0011_create_applications.sql — online applications (core/forms, core/store/forms_store.c):
-- every version of each service's form, applications (drafts included) with their values and
-- the form version they started with, their timeline, and attached files. Forward only: once
-- landed, never edit this file.
--
-- Files live in PostgreSQL (bytea, ≤ 512 KiB each): one backup of the database holds every
-- application with its attachments, a file is written in the transaction that records it, and
-- at this size TOAST stores them compressed outside the row.

CREATE TABLE form_versions (
  service_id bigint NOT NULL REFERENCES services (id),
  version integer NOT NULL CHECK (version >= 1),
  -- The proto3 JSON of ehall.forms.v1.FormDefinition, validated by the core before it is stored.
  form jsonb NOT NULL,
  created_by bigint REFERENCES accounts (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (service_id, version)
);

CREATE SEQUENCE application_serial_seq;

CREATE TABLE applications (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  service_id bigint NOT NULL REFERENCES services (id),
  account_id bigint NOT NULL REFERENCES accounts (id),
  form_version integer NOT NULL,
  -- ehall.forms.v1.ApplicationState: 1 draft, 2 submitted, 3 in review, 4 returned for
  -- amendment, 5 approved, 6 rejected, 7 withdrawn.
  state smallint NOT NULL CHECK (state BETWEEN 1 AND 7),
  data jsonb NOT NULL DEFAULT '{}',
  -- 办件编号, given at the first submission.
  serial text UNIQUE,
  booking_id bigint REFERENCES bookings (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  submitted_at timestamptz,
  ended_at timestamptz,
  FOREIGN KEY (service_id, form_version) REFERENCES form_versions (service_id, version),
  CHECK ((state = 1) = (serial IS NULL))
);
CREATE UNIQUE INDEX applications_one_draft ON applications (account_id, service_id) WHERE state = 1;
CREATE INDEX applications_mine ON applications (account_id, id DESC);
CREATE INDEX applications_previous ON applications (account_id, service_id, submitted_at DESC)
  WHERE state > 1;
CREATE INDEX applications_running ON applications (service_id, form_version) WHERE state IN (2, 3, 4);

ALTER TABLE bookings ADD CONSTRAINT bookings_application_fk
  FOREIGN KEY (application_id) REFERENCES applications (id);

CREATE TABLE application_events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  application_id bigint NOT NULL REFERENCES applications (id),
  at timestamptz NOT NULL DEFAULT now(),
  -- "submitted", "withdrawn", "returned", "resubmitted", and the approvals' actions later.
  action text NOT NULL CHECK (action ~ '^[a-z_]{1,32}$'),
  actor_id bigint REFERENCES accounts (id),
  acting_for_id bigint REFERENCES accounts (id),
  note text NOT NULL DEFAULT '' CHECK (char_length(note) <= 2000)
);
CREATE INDEX application_events_app_idx ON application_events (application_id, id);

CREATE TABLE application_files (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_id bigint NOT NULL REFERENCES accounts (id),
  service_id bigint NOT NULL REFERENCES services (id),
  name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 128),
  content_type text NOT NULL CHECK (char_length(content_type) BETWEEN 1 AND 100),
  size integer NOT NULL CHECK (size BETWEEN 1 AND 524288),
  sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  data bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX application_files_owner_idx ON application_files (account_id, created_at);
