-- 0010_create_booking.sql — appointment booking (core/forms, core/store/booking_store.c): each
-- bookable service's rules, its weekly templates and closed days, the hall's holiday calendar,
-- slots with their capacity, bookings and waitlists. Forward only: once landed, never edit.
--
-- Correctness is decided here, never in Redis: a seat is taken by the conditional
-- `UPDATE booking_slots SET booked = booked + 1 WHERE booked < capacity` in the transaction
-- that inserts the booking, `booked <= capacity` is a CHECK, and one person holds at most one
-- live booking per slot (a partial unique index). Redis only answers "sold out" sooner.

-- Days that differ from the usual Monday–Friday week (法定节假日 and 调休): workday false on a
-- holiday, true on a weekend day worked instead. Kept by hall admins; approvals' working-day
-- timers read it too.
CREATE TABLE hall_calendar (
  day date PRIMARY KEY,
  workday boolean NOT NULL,
  name text NOT NULL DEFAULT '' CHECK (char_length(name) <= 32),
  updated_by bigint REFERENCES accounts (id),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- A service's booking rules; a bookable service without a row uses the defaults below.
CREATE TABLE booking_settings (
  service_id bigint PRIMARY KEY REFERENCES services (id),
  -- Booking closes this many minutes before a slot starts; cancelling and rescheduling too.
  book_cutoff_minutes integer NOT NULL DEFAULT 30 CHECK (book_cutoff_minutes BETWEEN 0 AND 43200),
  cancel_cutoff_minutes integer NOT NULL DEFAULT 60
    CHECK (cancel_cutoff_minutes BETWEEN 0 AND 43200),
  -- Live (not yet ended) bookings one person may hold for this service at once.
  max_active integer NOT NULL DEFAULT 1 CHECK (max_active BETWEEN 1 AND 20),
  -- Bookings one person may make for this service per calendar week (Monday first); 0: no limit.
  max_per_week integer NOT NULL DEFAULT 0 CHECK (max_per_week BETWEEN 0 AND 50),
  -- Slots open for booking at most this many days ahead.
  open_days_ahead integer NOT NULL DEFAULT 14 CHECK (open_days_ahead BETWEEN 1 AND 365),
  waitlist boolean NOT NULL DEFAULT true,
  -- A seat held for an application waiting for approval is released after this long.
  hold_minutes integer NOT NULL DEFAULT 2880 CHECK (hold_minutes BETWEEN 5 AND 43200),
  updated_by bigint REFERENCES accounts (id),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Weekly templates: "every Tuesday 09:00–09:30 at 行政楼 101, 5 seats". Slots are generated from
-- them for a range of days, skipping holidays and the service's closed days.
CREATE TABLE booking_templates (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  service_id bigint NOT NULL REFERENCES services (id),
  weekday smallint NOT NULL CHECK (weekday BETWEEN 1 AND 7), -- ISO: 1 Monday … 7 Sunday
  start_time time NOT NULL,
  end_time time NOT NULL CHECK (end_time > start_time),
  location text NOT NULL DEFAULT '' CHECK (char_length(location) <= 64),
  capacity integer NOT NULL CHECK (capacity BETWEEN 1 AND 10000),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX booking_templates_service_idx ON booking_templates (service_id);

CREATE TABLE booking_closures (
  service_id bigint NOT NULL REFERENCES services (id),
  day date NOT NULL,
  reason text NOT NULL DEFAULT '' CHECK (char_length(reason) <= 64),
  PRIMARY KEY (service_id, day)
);

CREATE TABLE booking_slots (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  service_id bigint NOT NULL REFERENCES services (id),
  starts_at timestamptz NOT NULL,
  ends_at timestamptz NOT NULL,
  location text NOT NULL DEFAULT '' CHECK (char_length(location) <= 64),
  capacity integer NOT NULL CHECK (capacity BETWEEN 0 AND 100000),
  booked integer NOT NULL DEFAULT 0 CHECK (booked >= 0),
  -- 1 open, 2 closed by staff (its bookings stay; nobody new gets in).
  state smallint NOT NULL DEFAULT 1 CHECK (state IN (1, 2)),
  created_by bigint REFERENCES accounts (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (ends_at > starts_at),
  CONSTRAINT booking_slots_not_oversold CHECK (booked <= capacity),
  UNIQUE (service_id, starts_at, location)
);
CREATE INDEX booking_slots_start_idx ON booking_slots (starts_at);

CREATE TABLE bookings (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  slot_id bigint NOT NULL REFERENCES booking_slots (id),
  service_id bigint NOT NULL REFERENCES services (id),
  account_id bigint NOT NULL REFERENCES accounts (id),
  -- ehall.forms.v1.BookingState: 1 held (for an application awaiting approval), 2 booked,
  -- 3 checked in, 4 cancelled by the person, 5 released (hold expired, application rejected or
  -- withdrawn), 6 cancelled by staff (slot closed).
  state smallint NOT NULL CHECK (state BETWEEN 1 AND 6),
  -- The application the seat is held for (forms issue); no foreign key until that table exists.
  application_id bigint,
  hold_expires_at timestamptz,
  -- Shown as a number and a QR code; staff check in with it.
  checkin_code text NOT NULL CHECK (checkin_code ~ '^[0-9]{8}$'),
  from_waitlist boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  ended_at timestamptz,
  checked_in_at timestamptz,
  checked_in_by bigint REFERENCES accounts (id)
);
-- One live booking per person and slot; live check-in codes are unique.
CREATE UNIQUE INDEX bookings_one_per_slot ON bookings (slot_id, account_id) WHERE state IN (1, 2, 3);
CREATE UNIQUE INDEX bookings_live_code ON bookings (checkin_code) WHERE state IN (1, 2);
CREATE INDEX bookings_account_idx ON bookings (account_id, service_id) WHERE state IN (1, 2, 3);
CREATE INDEX bookings_slot_idx ON bookings (slot_id);
CREATE INDEX bookings_hold_idx ON bookings (hold_expires_at) WHERE state = 1;

CREATE TABLE booking_waitlist (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  slot_id bigint NOT NULL REFERENCES booking_slots (id),
  account_id bigint NOT NULL REFERENCES accounts (id),
  -- 1 waiting, 2 promoted (booking_id), 3 left, 4 expired (the slot began or closed).
  state smallint NOT NULL DEFAULT 1 CHECK (state BETWEEN 1 AND 4),
  booking_id bigint REFERENCES bookings (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  ended_at timestamptz
);
CREATE UNIQUE INDEX booking_waitlist_one ON booking_waitlist (slot_id, account_id) WHERE state = 1;
CREATE INDEX booking_waitlist_queue ON booking_waitlist (slot_id, id) WHERE state = 1;
CREATE INDEX booking_waitlist_account ON booking_waitlist (account_id) WHERE state = 1;

-- Takes one seat of slot p_slot (of service p_service) for p_account, in ONE statement a caller
-- runs on its own (autocommit: the slot's row lock is then held only until the server commits,
-- never across a round trip to the client) or inside its own transaction. First a
-- transaction-level advisory lock on (service, person), so one person's bookings of a service
-- run one at a time; then, under READ COMMITTED with a fresh snapshot, his live bookings are
-- counted and the seat is taken by the conditional update that re-checks `booked < capacity`
-- on the row the previous holder committed. Returns the booking and the seats left, or no row
-- when refused (the caller asks why). p_state: 1 held (for hold_minutes), 2 booked.
CREATE FUNCTION booking_claim(p_slot bigint, p_service bigint, p_account bigint, p_state smallint,
                              p_code text, p_from_waitlist boolean, p_tz text)
RETURNS TABLE (booking_id bigint, seats_left integer, starts_us bigint, ends_us bigint,
               slot_day text, slot_time text, slot_location text, slot_capacity integer,
               slot_booked integer, cancel_cutoff integer, created_us bigint)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('ehall.booking.' || p_service || '.' || p_account, 0));
  RETURN QUERY
  WITH r AS (
    SELECT coalesce(b.book_cutoff_minutes, 30) AS cutoff, coalesce(b.max_active, 1) AS max_active,
           coalesce(b.max_per_week, 0) AS max_week, coalesce(b.open_days_ahead, 14) AS ahead,
           coalesce(b.hold_minutes, 2880) AS hold,
           coalesce(b.cancel_cutoff_minutes, 60) AS cancel_cutoff
    FROM (VALUES (1)) v LEFT JOIN booking_settings b ON b.service_id = p_service),
  t AS (SELECT s.starts_at FROM booking_slots s WHERE s.id = p_slot),
  m AS (
    SELECT count(*) FILTER (WHERE k.slot_id = p_slot) AS here,
           count(*) FILTER (WHERE s.ends_at > now()) AS active,
           count(*) FILTER (WHERE date_trunc('week', s.starts_at AT TIME ZONE p_tz)
                                  = (SELECT date_trunc('week', t.starts_at AT TIME ZONE p_tz) FROM t))
             AS week
    FROM bookings k JOIN booking_slots s ON s.id = k.slot_id
    WHERE k.account_id = p_account AND k.service_id = p_service AND k.state IN (1, 2, 3)),
  c AS (
    UPDATE booking_slots s SET booked = s.booked + 1, updated_at = now() FROM r, m
    WHERE s.id = p_slot AND s.service_id = p_service AND s.state = 1 AND s.booked < s.capacity
      AND s.starts_at > now() + make_interval(mins => r.cutoff)
      AND s.starts_at < ((now() AT TIME ZONE p_tz)::date + r.ahead + 1)::timestamp AT TIME ZONE p_tz
      AND m.here = 0 AND m.active < r.max_active AND (r.max_week = 0 OR m.week < r.max_week)
    RETURNING s.id, s.capacity - s.booked AS remaining, r.hold, r.cancel_cutoff, s.starts_at,
              s.ends_at, s.location, s.capacity, s.booked),
  ins AS (
    INSERT INTO bookings (slot_id, service_id, account_id, state, checkin_code, from_waitlist,
                          hold_expires_at)
    SELECT c.id, p_service, p_account, p_state, p_code, p_from_waitlist,
           CASE WHEN p_state = 1 THEN now() + make_interval(mins => c.hold) END
    FROM c RETURNING bookings.id, bookings.created_at)
  -- What the caller answers with, so a booking costs no second statement.
  SELECT ins.id, c.remaining, (extract(epoch FROM c.starts_at) * 1000000)::bigint,
         (extract(epoch FROM c.ends_at) * 1000000)::bigint,
         to_char(c.starts_at AT TIME ZONE p_tz, 'YYYY-MM-DD'),
         to_char(c.starts_at AT TIME ZONE p_tz, 'HH24:MI') || '-' ||
           to_char(c.ends_at AT TIME ZONE p_tz, 'HH24:MI'),
         c.location, c.capacity, c.booked, c.cancel_cutoff,
         (extract(epoch FROM ins.created_at) * 1000000)::bigint
  FROM ins, c;
END
$$;
