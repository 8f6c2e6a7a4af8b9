"""test_booking.py — appointment booking against the real core, gateway, PostgreSQL and Redis:
book, sold out (from PostgreSQL and from the Redis tickets, whose count the first attempt seeds
from PostgreSQL), the waitlist promoted by a cancellation and by a larger capacity, per-person
limits, reschedule (a full target leaves
the old booking), cut-offs, slots generated from weekly templates around holidays and closed
days, resize never below what is booked, closing, check-in, the .ics file, idempotent booking,
bad input naming its fields with nothing saved, who may see and change what, and the gateway
repeating a full slot's refusal (and nothing else) to other people for a second.
"""
import json
import unittest

import grpc

import harness
from booking_fixtures import HALL_TZ, Bk, day, fields
from catalog_fixtures import Refusals
from identity_fixtures import psql

SC = grpc.StatusCode


class BookingTest(Refusals, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.c = Bk()
        cls.pb = cls.c.fpb

    @classmethod
    def tearDownClass(cls):
        cls.c.close()

    def student(self):
        return self.c.person(self.c.tree.K1)

    # --- booking, sold out, the waitlist -----------------------------------------------------

    def test_last_seat_waitlist_and_promotion(self):
        c, pb = self.c, self.pb
        code = c.bookable()
        s = c.slot(code, capacity=1)
        a_id, a = self.student()
        b_id, b = self.student()
        got = c.book(code, s.id, a)
        self.assertEqual(got.state, pb.BOOKING_STATE_BOOKED)
        self.assertRegex(got.checkin_code, r"^[0-9]{8}$")
        self.assertTrue(got.can_cancel)
        self.assertEqual((got.slot.day, got.slot.time, got.slot.location),
                         (day(1), "10:00-10:30", "行政楼 101"))
        # Full: PostgreSQL says so the first time, the Redis tickets the next; same answer.
        for _ in range(2):
            e = self.refused(SC.RESOURCE_EXHAUSTED, c.book, code, s.id, b)
            self.assertIn("已约满", e.details())
            self.assertEqual(fields(e), ["slot_id"])
        listed = c.booking.ListSlots(pb.ListSlotsRequest(service_code=code), metadata=b,
                                     timeout=10)
        mine = [x for x in listed.slots if x.id == s.id][0]
        self.assertEqual((mine.remaining, mine.bookable, mine.waitlist_open), (0, False, True))
        w = c.booking.JoinWaitlist(pb.JoinWaitlistRequest(service_code=code, slot_id=s.id),
                                   metadata=b, timeout=10)
        self.assertEqual((w.position, w.state), (1, 1))
        # What each of them sees in the list: his booking, his place in the queue, the count.
        def listed_as(md):
            r = c.booking.ListSlots(pb.ListSlotsRequest(service_code=code), metadata=md,
                                    timeout=10)
            x = [y for y in r.slots if y.id == s.id][0]
            return (x.my_booking_id, x.my_waitlist_id, x.waiting, x.booked, x.capacity)
        self.assertEqual(listed_as(a), (got.id, "", 1, 1, 1))
        self.assertEqual(listed_as(b), ("", w.id, 1, 1, 1))
        self.refused(SC.ALREADY_EXISTS, c.booking.JoinWaitlist,
                     pb.JoinWaitlistRequest(service_code=code, slot_id=s.id), metadata=b,
                     timeout=10)
        # A cancellation hands the seat to the first person waiting, in its transaction.
        cancelled = c.booking.CancelBooking(pb.CancelBookingRequest(id=got.id), metadata=a,
                                            timeout=10)
        self.assertEqual(cancelled.state, pb.BOOKING_STATE_CANCELLED)
        bm = c.my_bookings(b)
        self.assertEqual(len(bm.bookings), 1)
        self.assertTrue(bm.bookings[0].from_waitlist)
        self.assertEqual(bm.bookings[0].slot.id, s.id)
        self.assertEqual(len(bm.waitlist), 0)
        self.assertEqual(c.slot_row(s.id), ["1", "1", "1"])
        # The canceller cannot get back in (full again), and his booking is history.
        self.refused(SC.RESOURCE_EXHAUSTED, c.book, code, s.id, a)
        self.assertEqual(len(c.my_bookings(a).bookings), 0)
        self.assertEqual([x.state for x in c.my_bookings(a, past=True).bookings],
                         [pb.BOOKING_STATE_CANCELLED])

    def test_larger_capacity_promotes_and_closing_stops_booking(self):
        c, pb = self.c, self.pb
        code = c.bookable()
        s = c.slot(code, capacity=1)
        _, a = self.student()
        _, b = self.student()
        _, d = self.student()
        c.book(code, s.id, a)
        c.booking.JoinWaitlist(pb.JoinWaitlistRequest(service_code=code, slot_id=s.id),
                               metadata=b, timeout=10)
        e = self.refused(SC.FAILED_PRECONDITION, c.badmin.UpdateSlot,
                         pb.UpdateSlotRequest(slot_id=s.id, resize=True, capacity=0),
                         metadata=c.d_md, timeout=10)
        self.assertEqual(fields(e), ["capacity"])
        r = c.badmin.UpdateSlot(pb.UpdateSlotRequest(slot_id=s.id, resize=True, capacity=3),
                                metadata=c.d_md, timeout=10)
        self.assertEqual((r.capacity, r.booked), (3, 2))  # b came off the waitlist
        self.assertTrue(c.my_bookings(b).bookings[0].from_waitlist)
        c.badmin.UpdateSlot(pb.UpdateSlotRequest(slot_id=s.id, state=pb.SLOT_STATE_CLOSED),
                            metadata=c.d_md, timeout=10)
        e = self.refused(SC.FAILED_PRECONDITION, c.book, code, s.id, d)
        self.assertIn("停止预约", e.details())
        # Closing keeps the bookings made.
        self.assertEqual(c.slot_row(s.id), ["3", "2", "2"])

    def test_limits_per_person(self):
        c, pb = self.c, self.pb
        code = c.bookable(max_active=1)
        s1, s2 = c.slot(code, capacity=5), c.slot(code, start="11:00", end="11:30", capacity=5)
        _, a = self.student()
        c.book(code, s1.id, a)
        e = self.refused(SC.ALREADY_EXISTS, c.book, code, s1.id, a)
        self.assertEqual(fields(e), ["slot_id"])
        e = self.refused(SC.RESOURCE_EXHAUSTED, c.book, code, s2.id, a)
        self.assertEqual(fields(e), ["quota"])
        # Weekly: two live bookings allowed, one a week.
        code = c.bookable(max_active=2, max_per_week=1)
        w1 = c.slot(code, plus=1, capacity=5)
        w2 = c.slot(code, plus=1, start="15:00", end="15:30", capacity=5)
        c.book(code, w1.id, a)
        e = self.refused(SC.RESOURCE_EXHAUSTED, c.book, code, w2.id, a)
        self.assertIn("每周", e.details())
        self.assertEqual(c.slot_row(w2.id)[1], "0")

    def test_reschedule_moves_and_a_full_target_keeps_the_old(self):
        c, pb = self.c, self.pb
        code = c.bookable()
        s1 = c.slot(code, capacity=2)
        s2 = c.slot(code, start="14:00", end="14:30", capacity=1)
        _, a = self.student()
        _, b = self.student()
        mine = c.book(code, s1.id, a)
        moved = c.booking.RescheduleBooking(pb.RescheduleBookingRequest(id=mine.id, slot_id=s2.id),
                                            metadata=a, timeout=10)
        self.assertEqual((moved.slot.id, moved.state), (s2.id, pb.BOOKING_STATE_BOOKED))
        self.assertEqual(c.slot_row(s1.id)[1:], ["0", "0"])
        # b's move to the (now full) s2 fails and leaves his s1 booking as it was.
        hers = c.book(code, s1.id, b)
        self.refused(SC.RESOURCE_EXHAUSTED, c.booking.RescheduleBooking,
                     pb.RescheduleBookingRequest(id=hers.id, slot_id=s2.id), metadata=b,
                     timeout=10)
        self.assertEqual([x.id for x in c.my_bookings(b).bookings], [hers.id])
        self.assertEqual(c.slot_row(s1.id)[1:], ["1", "1"])
        self.assertEqual(c.slot_row(s2.id)[1:], ["1", "1"])

    def test_cut_offs_and_horizon(self):
        c, pb = self.c, self.pb
        code = c.bookable(open_days_ahead=3, cancel_cutoff_minutes=60 * 24 * 3)
        far = c.slot(code, plus=10, capacity=5)
        near = c.slot(code, plus=1, capacity=5)
        _, a = self.student()
        e = self.refused(SC.FAILED_PRECONDITION, c.book, code, far.id, a)
        self.assertIn("尚未开放", e.details())
        got = c.book(code, near.id, a)
        # Cancelling closes three days before: already past for tomorrow's slot.
        self.assertFalse(got.can_cancel)
        e = self.refused(SC.FAILED_PRECONDITION, c.booking.CancelBooking,
                         pb.CancelBookingRequest(id=got.id), metadata=a, timeout=10)
        self.assertIn("截止", e.details())
        # A slot that has begun is past the booking cut-off.
        begun = c.badmin.CreateSlot(pb.CreateSlotRequest(
            service_code=code, day=day(0), start_time="00:00", end_time="23:59", location="x",
            capacity=5), metadata=c.d_md, timeout=10)
        e = self.refused(SC.FAILED_PRECONDITION, c.book, code, begun.id, a)
        self.assertIn("截止", e.details())

    def test_idempotent_book(self):
        c = self.c
        code = c.bookable(max_active=3)
        s = c.slot(code, capacity=3)
        _, a = self.student()
        first = c.book(code, s.id, a, key="book-" + s.id)
        again = c.book(code, s.id, a, key="book-" + s.id)
        self.assertEqual(first.id, again.id)
        self.assertEqual(c.slot_row(s.id)[1:], ["1", "1"])

    def test_expired_hold_goes_to_the_waitlist(self):
        """A seat held for an application awaiting approval is released when the hold runs out
        (the expiry worker, within booking.hold_poll_ms), to the first person waiting."""
        c, pb = self.c, self.pb
        code = c.bookable()
        s = c.slot(code, capacity=1)
        a_id, a = self.student()
        _, b = self.student()
        psql(c.dsn, "WITH s AS (UPDATE booking_slots SET booked = booked + 1 WHERE id = :'v1'"
                    " RETURNING id, service_id) INSERT INTO bookings (slot_id, service_id,"
                    " account_id, state, checkin_code, hold_expires_at) SELECT s.id,"
                    " s.service_id, (SELECT id FROM accounts WHERE campus_id = :'v2'), 1,"
                    " :'v3', now() + interval '1 hour' FROM s",
             s.id, a_id, "9" + s.id.zfill(7)[-7:])
        self.assertEqual([x.state for x in c.my_bookings(a).bookings], [pb.BOOKING_STATE_HELD])
        c.booking.JoinWaitlist(pb.JoinWaitlistRequest(service_code=code, slot_id=s.id),
                               metadata=b, timeout=10)
        psql(c.dsn, "UPDATE bookings SET hold_expires_at = now() - interval '1 second'"
                    " WHERE slot_id = :'v1' AND state = 1", s.id)
        promoted = harness.wait_for(lambda: c.my_bookings(b).bookings, timeout=30)
        self.assertEqual([(x.slot.id, x.from_waitlist) for x in promoted], [(s.id, True)])
        self.assertEqual([x.state for x in c.my_bookings(a, past=True).bookings],
                         [pb.BOOKING_STATE_RELEASED])
        self.assertEqual(c.slot_row(s.id), ["1", "1", "1"])

    # --- what departments do -----------------------------------------------------------------

    def test_generate_from_templates_around_holidays_and_closed_days(self):
        c, pb = self.c, self.pb
        code = c.bookable()
        first, last = day(20), day(33)  # two whole weeks
        holiday, closed = day(22), day(23)
        tpl = [pb.BookingTemplate(weekday=w, start_time="09:00", end_time="09:30",
                                  location="行政楼 101", capacity=4) for w in range(1, 8)]
        tpl.append(pb.BookingTemplate(weekday=3, start_time="14:00", end_time="15:00",
                                      location="行政楼 102", capacity=2))
        r = c.badmin.UpdateBookingSettings(pb.UpdateBookingSettingsRequest(
            service_code=code, rules=pb.BookingRules(
                book_cutoff_minutes=30, cancel_cutoff_minutes=60, max_active=1,
                open_days_ahead=60, waitlist=True, hold_minutes=60),
            templates=tpl, closed_days=[pb.ClosedDay(day=closed, reason="设备检修")]),
            metadata=c.d_md, timeout=10)
        self.assertEqual((len(r.templates), [d.day for d in r.closed_days]), (8, [closed]))
        c.badmin.SaveHoliday(pb.SaveHolidayRequest(day=holiday, workday=False, name="测试假日"),
                             metadata=c.hall_md, timeout=10)
        try:
            g = c.badmin.GenerateSlots(pb.GenerateSlotsRequest(service_code=code, from_day=first,
                                                               to_day=last),
                                       metadata=c.d_md, timeout=30)
            # Holidays already in the calendar (the demo's 元旦) are skipped as well.
            others = [r[0] for r in psql(c.dsn, "SELECT day::text FROM hall_calendar WHERE"
                                                " NOT workday AND day BETWEEN :'v1' AND :'v2'"
                                                " AND day <> :'v3'", first, last, holiday)]
            skipped = {holiday, closed, *others}
            self.assertEqual(sorted(g.skipped_days), sorted(skipped))
            # Every day left gets one 09:00 slot, and the Wednesdays a 14:00 one too.
            import datetime
            left = [day(i) for i in range(20, 34) if day(i) not in skipped]
            wednesdays = sum(1 for d in left if datetime.date.fromisoformat(d).isoweekday() == 3)
            self.assertEqual(g.created, len(left) + wednesdays)
            again = c.badmin.GenerateSlots(pb.GenerateSlotsRequest(
                service_code=code, from_day=first, to_day=last), metadata=c.d_md, timeout=30)
            self.assertEqual((again.created, again.existing), (0, g.created))
            listed = c.badmin.ListServiceSlots(pb.ListServiceSlotsRequest(
                service_code=code, from_day=first, to_day=last), metadata=c.d_md, timeout=10)
            self.assertEqual(len(listed.slots), g.created)
            self.assertNotIn(holiday, {s.day for s in listed.slots})
        finally:
            c.badmin.SaveHoliday(pb.SaveHolidayRequest(day=holiday, remove=True),
                                 metadata=c.hall_md, timeout=10)
        self.assertIn("booking.slots.generate", [x[0] for x in psql(
            c.dsn, "SELECT action FROM audit_log WHERE target = :'v1'", f"service:{code}")])

    def test_a_new_holiday_closes_that_days_unbooked_slots(self):
        """Slots generated before a day became a holiday: those nobody booked are closed, those
        with bookings stay open (their bookings kept) and are counted for their staff; other
        days are untouched, and saving it again closes nothing more."""
        c, pb = self.c, self.pb
        code = c.bookable(open_days_ahead=60)
        h = day(41)
        free = c.slot(code, plus=41, capacity=2)
        taken = c.slot(code, plus=41, start="11:00", end="11:30", capacity=2)
        other = c.slot(code, plus=42, capacity=2)
        _, a = self.student()
        c.book(code, taken.id, a)

        def states():
            return [psql(c.dsn, "SELECT state FROM booking_slots WHERE id = :'v1'", s.id)[0][0]
                    for s in (free, taken, other)]
        # The day's open slots of every service, booked or not (an earlier run on the same
        # database may have left some there): what the holiday must close and count.
        open_ones = psql(c.dsn, "SELECT count(*) FILTER (WHERE NOT b), count(*) FILTER (WHERE b)"
                                " FROM (SELECT EXISTS (SELECT 1 FROM bookings k WHERE k.slot_id"
                                " = s.id AND k.state IN (1, 2, 3)) AS b FROM booking_slots s"
                                " WHERE s.state = 1 AND (s.starts_at AT TIME ZONE :'v2')::date"
                                " = :'v1'::date) x", h, str(HALL_TZ))[0]
        self.assertTrue(int(open_ones[0]) >= 1 and int(open_ones[1]) >= 1, open_ones)
        try:
            r = c.badmin.SaveHoliday(pb.SaveHolidayRequest(day=h, workday=False, name="临时闭馆"),
                                     metadata=c.hall_md, timeout=10)
            self.assertEqual((r.slots_closed, r.slots_with_bookings),
                             tuple(int(x) for x in open_ones))
            self.assertEqual(states(), ["2", "1", "1"])
            _, b = self.student()
            e = self.refused(SC.FAILED_PRECONDITION, c.book, code, free.id, b)
            self.assertIn("停止预约", e.details())
            self.assertEqual([x.slot.id for x in c.my_bookings(a).bookings], [taken.id])
            again = c.badmin.SaveHoliday(pb.SaveHolidayRequest(day=h, workday=False,
                                                               name="临时闭馆"),
                                         metadata=c.hall_md, timeout=10)
            self.assertEqual((again.slots_closed, again.slots_with_bookings),
                             (0, int(open_ones[1])))
            detail = psql(c.dsn, "SELECT detail::text FROM audit_log WHERE target = :'v1'"
                                 " ORDER BY id DESC LIMIT 1", f"day:{h}")[0][0]
            self.assertIn(f'"slots_with_bookings": {open_ones[1]}', detail)
            # A make-up workday closes nothing and reopens nothing.
            w = c.badmin.SaveHoliday(pb.SaveHolidayRequest(day=h, workday=True, name="调休"),
                                     metadata=c.hall_md, timeout=10)
            self.assertEqual((w.slots_closed, w.slots_with_bookings), (0, 0))
            self.assertEqual(states(), ["2", "1", "1"])
        finally:
            c.badmin.SaveHoliday(pb.SaveHolidayRequest(day=h, remove=True),
                                 metadata=c.hall_md, timeout=10)

    def test_bad_settings_name_every_field_and_save_nothing(self):
        c, pb = self.c, self.pb
        code = c.bookable()
        before = c.badmin.GetBookingSettings(pb.GetBookingSettingsRequest(service_code=code),
                                             metadata=c.d_md, timeout=10)
        e = self.refused(SC.INVALID_ARGUMENT, c.badmin.UpdateBookingSettings,
                         pb.UpdateBookingSettingsRequest(
                             service_code=code,
                             rules=pb.BookingRules(max_active=0, open_days_ahead=14,
                                                   hold_minutes=60),
                             templates=[pb.BookingTemplate(weekday=8, start_time="10:00",
                                                           end_time="09:00", location="x",
                                                           capacity=0)],
                             closed_days=[pb.ClosedDay(day="2026-02-30")]),
                         metadata=c.d_md, timeout=10)
        self.assertEqual(sorted(fields(e)), sorted([
            "rules.max_active", "templates[0].end_time", "templates[0].capacity",
            "templates[0].weekday", "closed_days[0].day"]))
        after = c.badmin.GetBookingSettings(pb.GetBookingSettingsRequest(service_code=code),
                                            metadata=c.d_md, timeout=10)
        self.assertEqual(before, after)
        # Through HTTP: an unknown field and a wrong type are refused by the transcoder.
        gw = harness.env("EHALL_TEST_GATEWAY_URL")
        hdr = {"authorization": c.d_md[0][1], "content-type": "application/json"}
        st, _, body = harness.http("PUT", f"{gw}/api/v1/admin/services/{code}/booking",
                                   json.dumps({"rules": {"maxActive": "many"}}), hdr)
        self.assertEqual(st, 400, body)
        st, _, body = harness.http("PUT", f"{gw}/api/v1/admin/services/{code}/booking",
                                   json.dumps({"rules": {}, "colour": "red"}), hdr)
        self.assertEqual(st, 400, body)
        self.assertIn("colour", body.decode())

    def test_check_in_today(self):
        c, pb = self.c, self.pb
        code = c.bookable()
        today = c.badmin.CreateSlot(pb.CreateSlotRequest(
            service_code=code, day=day(0), start_time="00:00", end_time="23:59", location="柜台",
            capacity=5), metadata=c.d_md, timeout=10)
        tomorrow = c.slot(code, capacity=5)
        a_id, a = self.student()
        # Today's slot is past its cut-off for the API; its booking is made as the rush would
        # have made it earlier (the claim's own SQL effect).
        psql(c.dsn, "WITH s AS (UPDATE booking_slots SET booked = booked + 1 WHERE id = :'v1'"
                    " RETURNING id, service_id) INSERT INTO bookings (slot_id, service_id,"
                    " account_id, state, checkin_code) SELECT s.id, s.service_id,"
                    " (SELECT id FROM accounts WHERE campus_id = :'v2'), 2, :'v3' FROM s",
             today.id, a_id, "7" + today.id.zfill(7)[-7:])
        code_today = "7" + today.id.zfill(7)[-7:]
        # Another department's admin: as if the code did not exist.
        self.refused(SC.NOT_FOUND, c.badmin.CheckIn, pb.CheckInRequest(code=code_today),
                     metadata=c.e_md, timeout=10)
        self.refused(SC.PERMISSION_DENIED, c.badmin.CheckIn, pb.CheckInRequest(code=code_today),
                     metadata=a, timeout=10)
        got = c.badmin.CheckIn(pb.CheckInRequest(code=code_today), metadata=c.d_md, timeout=10)
        self.assertEqual((got.state, got.person_campus_id), (pb.BOOKING_STATE_CHECKED_IN, a_id))
        again = c.badmin.CheckIn(pb.CheckInRequest(code=code_today), metadata=c.d_md, timeout=10)
        self.assertEqual(again.id, got.id)
        # Tomorrow's booking cannot be checked in today.
        _, b = self.student()
        later = c.book(code, tomorrow.id, b)
        e = self.refused(SC.FAILED_PRECONDITION, c.badmin.CheckIn,
                         pb.CheckInRequest(code=later.checkin_code), metadata=c.d_md, timeout=10)
        self.assertIn("不是今天", e.details())
        self.refused(SC.INVALID_ARGUMENT, c.badmin.CheckIn, pb.CheckInRequest(code="12ab"),
                     metadata=c.d_md, timeout=10)
        day_list = c.badmin.ListDayBookings(pb.ListDayBookingsRequest(service_code=code),
                                            metadata=c.d_md, timeout=10)
        self.assertEqual(([b.person_campus_id for b in day_list.bookings], day_list.checked_in),
                         ([a_id], 1))
        # E's admin sees none of D's bookings in his own day list.
        e_list = c.badmin.ListDayBookings(pb.ListDayBookingsRequest(), metadata=c.e_md,
                                          timeout=10)
        self.assertNotIn(got.id, [x.id for x in e_list.bookings])

    # --- who may do what -------------------------------------------------------------------------

    def test_nobody_touches_another_persons_booking(self):
        c, pb = self.c, self.pb
        code = c.bookable()
        s = c.slot(code, capacity=1)
        _, a = self.student()
        _, b = self.student()
        _, w = self.student()
        mine = c.book(code, s.id, a)
        entry = c.booking.JoinWaitlist(pb.JoinWaitlistRequest(service_code=code, slot_id=s.id),
                                       metadata=w, timeout=10)
        for fn, req in ((c.booking.GetBooking, pb.GetBookingRequest(id=mine.id)),
                        (c.booking.CancelBooking, pb.CancelBookingRequest(id=mine.id)),
                        (c.booking.RescheduleBooking,
                         pb.RescheduleBookingRequest(id=mine.id, slot_id=s.id)),
                        (c.booking.GetBookingCalendar, pb.GetBookingCalendarRequest(id=mine.id)),
                        (c.booking.LeaveWaitlist, pb.LeaveWaitlistRequest(id=entry.id))):
            self.refused(SC.NOT_FOUND, fn, req, metadata=b, timeout=10)
        self.assertEqual(c.my_bookings(a).bookings[0].state, pb.BOOKING_STATE_BOOKED)
        self.assertEqual(len(c.my_bookings(w).waitlist), 1)
        self.refused(SC.NOT_FOUND, c.booking.GetBooking, pb.GetBookingRequest(id="abc"),
                     metadata=a, timeout=10)
        self.refused(SC.UNAUTHENTICATED, c.book, code, s.id, ())
        # Staff of another department: no settings, slots or changes of D's service.
        for fn, req in ((c.badmin.GetBookingSettings, pb.GetBookingSettingsRequest(service_code=code)),
                        (c.badmin.ListServiceSlots, pb.ListServiceSlotsRequest(service_code=code)),
                        (c.badmin.CreateSlot, pb.CreateSlotRequest(
                            service_code=code, day=day(2), start_time="10:00", end_time="11:00",
                            location="x", capacity=1))):
            self.refused(SC.PERMISSION_DENIED, fn, req, metadata=c.e_md, timeout=10)
        self.refused(SC.NOT_FOUND, c.badmin.UpdateSlot,
                     pb.UpdateSlotRequest(slot_id=s.id, resize=True, capacity=9),
                     metadata=c.e_md, timeout=10)
        self.refused(SC.PERMISSION_DENIED, c.badmin.SaveHoliday,
                     pb.SaveHolidayRequest(day=day(3), name="x"), metadata=c.d_md, timeout=10)
        self.assertEqual(c.slot_row(s.id)[0], "1")

    def test_a_slot_answers_only_through_its_own_service(self):
        """A full slot of one service is not reported as "full" when named through another
        service's address (the Redis count is kept per service and slot): no such slot."""
        c = self.c
        code, other = c.bookable(), c.bookable()
        s = c.slot(code, capacity=1)
        _, a = self.student()
        _, b = self.student()
        c.book(code, s.id, a)
        self.refused(SC.RESOURCE_EXHAUSTED, c.book, code, s.id, b)  # the count is now 0
        e = self.refused(SC.NOT_FOUND, c.book, other, s.id, b)
        self.assertEqual(fields(e), ["slot_id"])

    def test_first_attempt_seeds_the_count_from_postgresql(self):
        """With no count in Redis, an attempt counts the seats PostgreSQL has committed, keeps
        that count (less its own ticket) and books; a seat taken meanwhile elsewhere is counted
        at the next seeding; none left is answered from the count."""
        c = self.c
        code = c.bookable()
        s = c.slot(code, capacity=3)
        svc = psql(c.dsn, "SELECT id FROM services WHERE code = :'v1'", code)[0][0]
        key = f"ehall:booking:tickets:{svc}:{s.id}"
        self.assertEqual(harness.redis_cli("EXISTS", key), "0")
        _, a = self.student()
        c.book(code, s.id, a)
        self.assertEqual(harness.redis_cli("GET", key), "2")
        self.assertLessEqual(int(harness.redis_cli("TTL", key)), 5)
        # The count is seeded before the claim: a first attempt refused for the person's own
        # limit (one live booking) still leaves the whole count, its ticket given back.
        s3 = c.slot(code, start="15:00", end="15:30", capacity=3)
        e = self.refused(SC.RESOURCE_EXHAUSTED, c.book, code, s3.id, a)
        self.assertEqual(fields(e), ["quota"])
        self.assertEqual(harness.redis_cli("GET", f"ehall:booking:tickets:{svc}:{s3.id}"), "3")
        # A seat PostgreSQL gave away without Redis knowing (capacity lowered by hand, the count
        # forgotten as a resize would): the next attempt counts again.
        psql(c.dsn, "UPDATE booking_slots SET capacity = 2 WHERE id = :'v1'", s.id)
        harness.redis_cli("DEL", key)
        _, b = self.student()
        c.book(code, s.id, b)
        self.assertEqual(harness.redis_cli("GET", key), "0")
        _, d = self.student()
        e = self.refused(SC.RESOURCE_EXHAUSTED, c.book, code, s.id, d)
        self.assertIn("已约满", e.details())
        self.assertEqual(c.slot_row(s.id), ["2", "2", "2"])
        # A closed slot is never counted: the claim names the reason.
        s2 = c.slot(code, start="11:00", end="11:30", capacity=3)
        c.badmin.UpdateSlot(self.pb.UpdateSlotRequest(slot_id=s2.id,
                                                      state=self.pb.SLOT_STATE_CLOSED),
                            metadata=c.d_md, timeout=10)
        e = self.refused(SC.FAILED_PRECONDITION, c.book, code, s2.id, d)
        self.assertIn("停止预约", e.details())
        self.assertEqual(harness.redis_cli("EXISTS", f"ehall:booking:tickets:{svc}:{s2.id}"), "0")

    def test_service_must_take_appointments_and_be_offered(self):
        c, pb = self.c, self.pb
        online = c.create(mode=c.pb.HANDLING_MODE_ONLINE)
        _, a = self.student()
        e = self.refused(SC.FAILED_PRECONDITION, c.booking.ListSlots,
                         pb.ListSlotsRequest(service_code=online), metadata=a, timeout=10)
        self.assertEqual(fields(e), ["service_code"])
        staff_only = c.create(mode=c.pb.HANDLING_MODE_BOOKING, audience=c.pb.AUDIENCE_STAFF)
        s = c.slot(staff_only, capacity=3)
        self.refused(SC.NOT_FOUND, c.book, staff_only, s.id, a)
        self.assertEqual(c.slot_row(s.id)[1], "0")

    # --- HTTP -------------------------------------------------------------------------------------

    def test_http_sold_out_and_calendar(self):
        c, pb = self.c, self.pb
        code = c.bookable()
        s = c.slot(code, capacity=1, location="行政楼 101; 东区, 一层")
        _, a = self.student()
        _, b = self.student()
        gw = harness.env("EHALL_TEST_GATEWAY_URL")
        ha = {"authorization": a[0][1], "content-type": "application/json"}
        hb = {"authorization": b[0][1], "content-type": "application/json"}
        url = f"{gw}/api/v1/services/{code}/slots/{s.id}:book"
        st, _, body = harness.http("POST", url, "{}", ha)
        self.assertEqual(st, 200, body)
        booking = json.loads(body)
        st, _, body = harness.http("POST", url, "{}", hb)
        self.assertEqual(st, 429, body)
        err = json.loads(body)
        self.assertIn("已约满", err["message"])
        self.assertIn("slot", body.decode())
        st, h, ics = harness.http("GET", f"{gw}/api/v1/me/bookings/{booking['id']}/calendar.ics",
                                  headers=ha)
        self.assertEqual(st, 200, ics)
        self.assertTrue(h["content-type"].startswith("text/calendar"))
        text = ics.decode()
        self.assertIn("BEGIN:VEVENT", text)
        self.assertIn("LOCATION:行政楼 101\\; 东区\\, 一层", text.replace("\r\n ", ""))
        # 10:00 in Shanghai is 02:00 UTC.
        self.assertIn("DTSTART:" + day(1).replace("-", "") + "T020000Z", text)
        st, _, _ = harness.http("GET", f"{gw}/api/v1/me/bookings/{booking['id']}/calendar.ics",
                                headers=hb)
        self.assertEqual(st, 404)

    def test_gateway_repeats_a_full_slot_to_others_and_nothing_else(self):
        c = self.c
        code = c.bookable(max_active=1)
        full = c.slot(code, capacity=1)
        other = c.slot(code, start="11:00", end="11:30", capacity=5)
        _, a = self.student()
        _, b = self.student()
        _, d = self.student()
        gw = harness.env("EHALL_TEST_GATEWAY_URL")

        def book(slot, md, extra=None):
            h = {"content-type": "application/json"}
            if md is not None:
                h["authorization"] = md[0][1]
            h.update(extra or {})
            return harness.http("POST", f"{gw}/api/v1/services/{code}/slots/{slot.id}:book",
                                "{}", h)

        st, h, body = book(full, a)
        self.assertEqual(st, 200, body)
        self.assertIsNone(h.get("x-cache"))
        # The core says full and marks it as the same for everyone: the gateway keeps it ...
        st, h_first, first = book(full, b)
        self.assertEqual((st, h_first.get("x-cache")), (429, "MISS"), first)
        self.assertIn("已约满", json.loads(first)["message"])
        # ... and repeats it to the next person asking for that slot, byte for byte.
        st, h, again = book(full, d)
        self.assertEqual((st, h.get("x-cache")), (429, "HIT"), again)
        self.assertEqual(json.loads(again), json.loads(first))
        self.assertEqual(h.get("retry-after"), h_first.get("retry-after"))
        # A press re-sent after its answer was lost (Cache-Control: no-cache) asks the core.
        st, h, body = book(full, d, {"cache-control": "no-cache", "idempotency-key": "re-sent-1"})
        self.assertEqual((st, h.get("x-cache")), (429, None), body)
        self.assertIn("已约满", json.loads(body)["message"])
        # Nobody signed in: the core answers (sign in first), never the repeat.
        st, h, body = book(full, None)
        self.assertEqual(st, 401, body)
        self.assertIsNone(h.get("x-cache"))
        # Another slot is another request; a refusal of the person (his limit) is never shared.
        st, h, body = book(other, a)
        self.assertEqual((st, h.get("x-cache")), (429, None), body)
        self.assertIn("quota", body.decode())
        st, h, body = book(other, b)
        self.assertEqual(st, 200, body)
        # The repeat lasts a second: then the core answers again (and still says full).
        self.assertTrue(harness.wait_for(lambda: book(full, d)[1].get("x-cache") != "HIT",
                                         timeout=5))
        self.assertEqual(c.slot_row(full.id)[1], "1")


if __name__ == "__main__":
    unittest.main()
