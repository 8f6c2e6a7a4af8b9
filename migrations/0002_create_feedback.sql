-- 0002_create_feedback.sql — 意见反馈: what users send through the feedback form. The checks
-- repeat the rules of core/feedback/feedback_rules.c so that no other path can store a row the
-- form would refuse. Forward only: once landed, never edit this file; add a new numbered one.
CREATE TABLE feedback (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- ehall.feedback.v1.FeedbackCategory: 1 suggestion, 2 problem, 3 praise, 4 other.
  category smallint NOT NULL CHECK (category BETWEEN 1 AND 4),
  -- Trimmed text; personal data, never logged.
  content text NOT NULL CHECK (char_length(content) BETWEEN 5 AND 2000),
  -- An email or phone the user chose to leave ('' when none); personal data, never logged.
  contact text NOT NULL DEFAULT '' CHECK (char_length(contact) <= 100),
  -- The page the user was on ('' when unknown).
  page text NOT NULL DEFAULT '' CHECK (char_length(page) <= 200),
  -- The caller's address as the core saw it (forwarded by a trusted gateway), for abuse review.
  client_ip inet,
  -- x-request-id of the submitting call, to find it in the logs.
  request_id text,
  -- The submitting account. NULL for now: filled once identity exists (submission needs no
  -- login, so it stays NULL for anonymous feedback even then).
  account_id bigint,
  -- Handling state, moved by staff: new → read → handled.
  status text NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'read', 'handled')),
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Staff read the newest first.
CREATE INDEX feedback_created_at_idx ON feedback (created_at);
