-- 0005_create_audit_log.sql — the append-only audit log (core/store/audit_store.c). Each row
-- carries the hash of the previous row and a SHA-256 over its own canonical text, so an edited
-- row breaks the chain at that row; audit_head keeps the last id and hash, so deleting the
-- newest rows is detected too. `ehall-core audit verify` walks it. Forward only: never edit
-- this file once landed.
--
-- id is NOT an identity column: ids are given by the appender (audit_head.last_id + 1 under
-- pg_advisory_xact_lock), because a sequence leaves holes when a transaction rolls back, and
-- a hole must mean a deleted row.
CREATE TABLE audit_log (
  id bigint PRIMARY KEY CHECK (id > 0),
  at timestamptz NOT NULL,
  -- A campus id, "app:<client id>", "anonymous" or "cli".
  actor text NOT NULL CHECK (char_length(actor) BETWEEN 1 AND 128),
  action text NOT NULL CHECK (action ~ '^[a-z_]+(\.[a-z_]+)*$'),
  -- The object acted on ("account:<campus id>", "app:<client id>"), '' when none.
  target text NOT NULL DEFAULT '' CHECK (char_length(target) <= 256),
  client_ip inet,
  request_id text NOT NULL DEFAULT '' CHECK (char_length(request_id) <= 128),
  -- Never a password, token, code, ID-card number or full email (core/identity/audit.h).
  detail jsonb NOT NULL DEFAULT '{}',
  prev_hash text NOT NULL CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
  hash text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$')
);

CREATE INDEX audit_log_at_idx ON audit_log (at);
CREATE INDEX audit_log_target_idx ON audit_log (target, id);

-- One row: the newest id and its hash (0 and 64 zeros while the log is empty).
CREATE TABLE audit_head (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  last_id bigint NOT NULL,
  hash text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$')
);
INSERT INTO audit_head (last_id, hash) VALUES (0, repeat('0', 64));

-- Append-only: rows are never changed or removed (a superuser can still disable the trigger;
-- the hash chain and the head are what catch that).
CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the audit log is append-only (% on %)', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'check_violation';
END
$$;

CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
-- The head moves forward only; it is never removed.
CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
  FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
