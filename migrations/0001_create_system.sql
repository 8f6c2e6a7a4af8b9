-- 0001_create_system.sql — hall-wide settings the System service reads (name shown on every
-- page). Forward only: once landed, never edit this file; add a new numbered one instead.
CREATE TABLE hall_settings (
  key text PRIMARY KEY,
  value text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

INSERT INTO hall_settings (key, value) VALUES
  ('hall.name', '网上办事大厅'),
  ('hall.name_en', 'Online Service Hall');
