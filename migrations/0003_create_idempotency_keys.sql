-- 0003_create_idempotency_keys.sql — the first answer of every state-changing call made with an
-- idempotency key, so a replay gets the same answer (core/rpc, core/store/idempotency_store.c).
-- Rows live 24 hours. Forward only: once landed, never edit this file; add a new numbered one.
CREATE TABLE idempotency_keys (
  scope text NOT NULL,          -- the caller: 'anon:<client ip>' until identity exists
  method text NOT NULL,         -- '/ehall.feedback.v1.Feedback/SubmitFeedback'
  key text NOT NULL,            -- the client's key: 1-128 chars of [A-Za-z0-9_.:-]
  request_hash bytea NOT NULL,  -- SHA-256 of the serialized request
  state smallint NOT NULL DEFAULT 0 CHECK (state IN (0, 1)), -- 0 pending, 1 done
  grpc_code int,                -- the answer's status (done rows)
  response bytea,               -- the serialized reply, or the google.rpc.Status of an error
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, method, key),
  CHECK (state = 0 OR grpc_code IS NOT NULL)
);

-- The sweeper deletes the oldest rows first.
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
