-- Demo data for `./dev up` (not a migration: the migrator reads only migrations/NNNN_*.sql).
-- Idempotent: running it twice changes nothing. Later issues add their own files here.
INSERT INTO hall_settings (key, value) VALUES
  ('hall.name', '网上办事大厅'),
  ('hall.name_en', 'Online Service Hall')
ON CONFLICT (key) DO NOTHING;
