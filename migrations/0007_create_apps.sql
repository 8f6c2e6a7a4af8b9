-- 0007_create_apps.sql — third-party campus apps (core/identity/apps.c): client credentials
-- created by a hall admin. Only the SHA-256 of the secret is kept (secrets are 32 random
-- bytes, so a plain hash is enough); tokens live in Redis. Forward only: never edit this file.
CREATE TABLE apps (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- "cli_" + 16 base64url characters (tokens start with "app_"; ids never look like one).
  client_id text NOT NULL UNIQUE CHECK (client_id ~ '^cli_[A-Za-z0-9_-]{16}$'),
  name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 64),
  -- From core/identity/apps_rules.c's published list.
  scopes text[] NOT NULL CHECK (cardinality(scopes) BETWEEN 1 AND 32),
  -- Empty: any address.
  allowed_ips cidr[] NOT NULL DEFAULT '{}' CHECK (cardinality(allowed_ips) <= 32),
  secret_hash text NOT NULL CHECK (secret_hash ~ '^[0-9a-f]{64}$'),
  -- The hall admin's campus id.
  created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);
