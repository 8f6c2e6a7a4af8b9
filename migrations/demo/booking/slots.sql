-- slots.sql — demo appointment slots, run by `./dev up` after the demo catalogue on every start
-- (idempotent): weekly templates for each published booking service that has none yet (what a
-- department would set on its booking page), the slots of the next 14 days from them (a
-- department runs GenerateSlots; these are the same rows), and the New Year holiday.
BEGIN;

INSERT INTO hall_calendar (day, workday, name) VALUES ('2027-01-01', false, '元旦')
ON CONFLICT (day) DO NOTHING;

-- Mornings and afternoons on weekdays; counselling in 50-minute sessions for 2 people.
INSERT INTO booking_templates (service_id, weekday, start_time, end_time, location, capacity)
SELECT s.id, d, t.start_time, t.end_time, t.location, t.capacity
FROM services s
JOIN service_versions v ON v.service_id = s.id AND v.state = 2
CROSS JOIN generate_series(1, 5) AS d
CROSS JOIN LATERAL (VALUES
  (time '09:00', time '10:00', coalesce(v.guide #>> '{locations,0,place}', '服务大厅'),
   CASE WHEN s.code LIKE '%counselling%' THEN 2 ELSE 10 END),
  (time '14:30', time '15:30', coalesce(v.guide #>> '{locations,0,place}', '服务大厅'),
   CASE WHEN s.code LIKE '%counselling%' THEN 2 ELSE 10 END)) AS t(start_time, end_time, location, capacity)
WHERE s.state = 2 AND v.guide ->> 'mode' IN ('HANDLING_MODE_BOOKING', 'HANDLING_MODE_BOTH')
  AND NOT EXISTS (SELECT 1 FROM booking_templates x WHERE x.service_id = s.id);

INSERT INTO booking_slots (service_id, starts_at, ends_at, location, capacity)
SELECT t.service_id, (d.day + t.start_time) AT TIME ZONE 'Asia/Shanghai',
       (d.day + t.end_time) AT TIME ZONE 'Asia/Shanghai', t.location, t.capacity
FROM booking_templates t
CROSS JOIN LATERAL (SELECT g::date AS day FROM generate_series(
  (now() AT TIME ZONE 'Asia/Shanghai')::date, (now() AT TIME ZONE 'Asia/Shanghai')::date + 14,
  '1 day') g) d
WHERE extract(isodow FROM d.day) = t.weekday
  AND NOT EXISTS (SELECT 1 FROM hall_calendar h WHERE h.day = d.day AND NOT h.workday)
  AND NOT EXISTS (SELECT 1 FROM booking_closures c WHERE c.service_id = t.service_id AND c.day = d.day)
  AND (d.day + t.start_time) AT TIME ZONE 'Asia/Shanghai' > now()
ON CONFLICT (service_id, starts_at, location) DO NOTHING;

COMMIT;
