-- 0006_create_mail_and_resets.sql — the hall's outgoing mail (queued in the transaction that
-- decided to send it, delivered by core/identity/mailer.c) and password-reset links. Mail
-- bodies hold codes and reset links: personal data and secrets, never logged. Forward only:
-- once landed, never edit this file; add a new numbered one.
CREATE TABLE mail_outbox (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- One recipient, lower-cased; personal data, never logged.
  to_addr text NOT NULL CHECK (char_length(to_addr) BETWEEN 3 AND 254),
  -- Plain UTF-8; the sender encodes it (RFC 2047) when it builds the message.
  subject text NOT NULL CHECK (char_length(subject) BETWEEN 1 AND 200),
  -- Plain UTF-8 text; the sender sends it base64-encoded.
  body text NOT NULL CHECK (octet_length(body) <= 65536),
  created_at timestamptz NOT NULL DEFAULT now(),
  -- Delivery tries so far; after the sender's limit the row stays, failed, for an operator.
  attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  -- Not before this time (backoff after a refusal; claimed rows are pushed ahead too, so a
  -- core that dies mid-send only delays the mail).
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  -- NULL until the SMTP server accepted the message.
  sent_at timestamptz,
  -- The last refusal as libcurl / the server put it (status and text, never the address or
  -- the body).
  last_error text CHECK (last_error IS NULL OR char_length(last_error) <= 500)
);

-- The sender's claim: pending rows in due order.
CREATE INDEX mail_outbox_pending_idx ON mail_outbox (next_attempt_at) WHERE sent_at IS NULL;

CREATE TABLE password_resets (
  -- Lower-case hex SHA-256 of the link's token; the token itself is never stored.
  token_hash text PRIMARY KEY CHECK (token_hash ~ '^[0-9a-f]{64}$'),
  account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  -- Set once, by the one conditional UPDATE that consumes the link.
  used_at timestamptz,
  -- Who asked (the client IP as the core saw it), for abuse review.
  requested_ip inet,
  CHECK (expires_at > created_at)
);

CREATE INDEX password_resets_account_idx ON password_resets (account_id);
