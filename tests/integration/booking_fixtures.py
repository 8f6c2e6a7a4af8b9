"""booking_fixtures.py — what the booking tests share: the generated ehall.forms.v1 modules, a
bookable service of the catalogue fixtures' department D with slots made through the admin
API, days in the hall's time zone, and the error details a page reads. Not a test file itself.
"""
import datetime
import importlib
import zoneinfo

import harness
from catalog_fixtures import Cat

HALL_TZ = zoneinfo.ZoneInfo("Asia/Shanghai")


def booking_modules():
    harness.grpc_modules()
    return (importlib.import_module("ehall.forms.v1.booking_pb2"),
            importlib.import_module("ehall.forms.v1.booking_pb2_grpc"))


def day(plus=0):
    """The hall's date today + plus, as "YYYY-MM-DD"."""
    return (datetime.datetime.now(HALL_TZ).date() + datetime.timedelta(days=plus)).isoformat()


def violations(err):
    """{field: description} of a refusal's violations."""
    st = harness.grpc_status_details(err)
    out = {}
    m = harness.grpc_modules()
    for d in (st.details if st is not None else []):
        br = m.error_details_pb2.BadRequest()
        if d.Unpack(br):
            out.update({v.field: v.description for v in br.field_violations})
    return out


def fields(err):
    """The field names of a refusal's violations (what a page marks)."""
    st = harness.grpc_status_details(err)
    out = []
    if st is None:
        return out
    m = harness.grpc_modules()
    for d in st.details:
        br = m.error_details_pb2.BadRequest()
        if d.Unpack(br):
            out += [v.field for v in br.field_violations]
    return out


class Bk(Cat):
    """The catalogue fixtures plus the booking stubs and bookable services of D."""

    def __init__(self):
        super().__init__()
        self.fpb, fpbg = booking_modules()
        self.booking = fpbg.BookingStub(self.channel)
        self.badmin = fpbg.BookingAdminStub(self.channel)

    def bookable(self, **rules):
        """A published booking service of D with the rules given (others: defaults)."""
        code = self.create(mode=self.pb.HANDLING_MODE_BOOKING, name="测试预约")
        if rules:
            r = dict(book_cutoff_minutes=30, cancel_cutoff_minutes=60, max_active=1,
                     max_per_week=0, open_days_ahead=14, waitlist=True, hold_minutes=2880)
            r.update(rules)
            self.badmin.UpdateBookingSettings(self.fpb.UpdateBookingSettingsRequest(
                service_code=code, rules=self.fpb.BookingRules(**r)), metadata=self.d_md,
                timeout=10)
        return code

    def slot(self, code, plus=1, start="10:00", end="10:30", capacity=1, location="行政楼 101"):
        return self.badmin.CreateSlot(self.fpb.CreateSlotRequest(
            service_code=code, day=day(plus), start_time=start, end_time=end,
            location=location, capacity=capacity), metadata=self.d_md, timeout=10)

    def book(self, code, slot_id, md, key=None):
        meta = list(md) + ([("idempotency-key", key)] if key else [])
        return self.booking.BookSlot(self.fpb.BookSlotRequest(service_code=code, slot_id=slot_id),
                                     metadata=meta, timeout=10)

    def my_bookings(self, md, past=False):
        return self.booking.ListMyBookings(self.fpb.ListMyBookingsRequest(include_past=past),
                                           metadata=md, timeout=10)

    def slot_row(self, slot_id):
        from identity_fixtures import psql
        return psql(self.dsn, "SELECT capacity, booked, (SELECT count(*) FROM bookings k"
                              " WHERE k.slot_id = s.id AND k.state IN (1, 2, 3))"
                              " FROM booking_slots s WHERE id = :'v1'", slot_id)[0]
