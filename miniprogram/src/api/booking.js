// Calls of ehall.forms.v1 Booking and BookingAdmin (预约办理) as the gateway exposes them over
// HTTP/JSON, with proto3 JSON's defaults filled in (absent fields, int64 as strings, enums as
// names) so pages never test for undefined. It must never show UI and never reshape a reply
// beyond those defaults; display labels and day helpers are shared below for the pages.
import { apiRequest, fieldErrorsOf, newUuid, CODE_RESOURCE_EXHAUSTED } from './request.js'

export const PAGE_BOOKING_SLOTS = '/pages/booking/slots'
export const PAGE_BOOKING_MINE = '/pages/booking/mine'
export const PAGE_BOOKING_STAFF = '/pages/booking/staff'

export const BOOKING_STATE_LABELS = {
  BOOKING_STATE_HELD: { zh: '待审核', en: 'On hold' },
  BOOKING_STATE_BOOKED: { zh: '已预约', en: 'Booked' },
  BOOKING_STATE_CHECKED_IN: { zh: '已签到', en: 'Checked in' },
  BOOKING_STATE_CANCELLED: { zh: '已取消', en: 'Cancelled' },
  BOOKING_STATE_RELEASED: { zh: '已释放', en: 'Released' },
  BOOKING_STATE_CLOSED: { zh: '已取消（部门关闭时段）', en: 'Closed by the department' },
}

// WaitlistEntry.state: 1 waiting, 2 promoted, 3 left, 4 expired.
export const WAITLIST_WAITING = 1

const WEEKDAYS = ['日', '一', '二', '三', '四', '五', '六']

// ---- days ("2026-12-01", the hall's calendar days) ------------------------------------------------
// Plain date arithmetic in UTC, so the device's own time zone never shifts a day.

function dayParts(day) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day || '')
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : null
}

// "周一" … "周日" of a day; '' when it is not a day.
export function weekdayOf(day) {
  const p = dayParts(day)
  if (!p) return ''
  return '周' + WEEKDAYS[new Date(Date.UTC(p[0], p[1] - 1, p[2])).getUTCDay()]
}

// 1 (Monday) … 7 (Sunday), as BookingTemplate.weekday counts; 0 when it is not a day.
export function isoWeekdayOf(day) {
  const p = dayParts(day)
  if (!p) return 0
  return new Date(Date.UTC(p[0], p[1] - 1, p[2])).getUTCDay() || 7
}

// The day n days after day (n may be negative).
export function addDays(day, n) {
  const p = dayParts(day)
  if (!p) return day
  const d = new Date(Date.UTC(p[0], p[1] - 1, p[2] + n))
  const mm = String(d.getUTCMonth() + 1).padStart(2, '0')
  const dd = String(d.getUTCDate()).padStart(2, '0')
  return `${d.getUTCFullYear()}-${mm}-${dd}`
}

// "12月1日 周二" for a day header.
export function dayLabel(day) {
  const p = dayParts(day)
  return p ? `${p[1]}月${p[2]}日 ${weekdayOf(day)}` : day || '—'
}

// The rules a person needs before booking, in one line:
// "每人限约 1 个 · 每周限 2 次 · 开始前 30 分钟截止 · 开始前 60 分钟可取消".
export function rulesLine(r) {
  if (!r) return ''
  const parts = [`每人限约 ${r.maxActive} 个`]
  if (r.maxPerWeek > 0) parts.push(`每周限 ${r.maxPerWeek} 次`)
  parts.push(`开始前 ${r.bookCutoffMinutes} 分钟截止`)
  parts.push(`开始前 ${r.cancelCutoffMinutes} 分钟后不可取消`)
  if (r.openDaysAhead > 0) parts.push(`提前 ${r.openDaysAhead} 天开放`)
  return parts.join(' · ')
}

// True when err is BookSlot's "this slot is full" (HTTP 429 with a violation on slot_id), as
// opposed to the person's own limit (429 on quota) or anything else.
export function isSlotFull(err) {
  return !!err && err.code === CODE_RESOURCE_EXHAUSTED && 'slot_id' in fieldErrorsOf(err)
}

// ---- normalising proto3 JSON ----------------------------------------------------------------

const str = (v) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v))
const int = (v) => Number(v || 0) || 0
const list = (v) => (Array.isArray(v) ? v : [])
// An int64 id: proto3 JSON leaves out 0, and "0" means none.
const id = (v) => (str(v) === '0' ? '' : str(v))
const enc = encodeURIComponent

export function normSlot(s) {
  s = s || {}
  return {
    id: id(s.id),
    serviceCode: str(s.serviceCode),
    startsAt: str(s.startsAt),
    endsAt: str(s.endsAt),
    day: str(s.day),
    time: str(s.time),
    location: str(s.location),
    capacity: int(s.capacity),
    booked: int(s.booked),
    remaining: int(s.remaining),
    state: s.state || 'SLOT_STATE_OPEN',
    bookable: s.bookable === true,
    waitlistOpen: s.waitlistOpen === true,
    waiting: int(s.waiting),
    myBookingId: id(s.myBookingId),
    myWaitlistId: id(s.myWaitlistId),
  }
}

function normRules(r) {
  r = r || {}
  return {
    bookCutoffMinutes: int(r.bookCutoffMinutes),
    cancelCutoffMinutes: int(r.cancelCutoffMinutes),
    maxActive: int(r.maxActive),
    maxPerWeek: int(r.maxPerWeek),
    openDaysAhead: int(r.openDaysAhead),
    waitlist: r.waitlist === true,
    holdMinutes: int(r.holdMinutes),
  }
}

export function normBooking(b) {
  b = b || {}
  return {
    id: id(b.id),
    serviceCode: str(b.serviceCode),
    serviceName: str(b.serviceName),
    slot: normSlot(b.slot),
    state: b.state || 'BOOKING_STATE_UNSPECIFIED',
    checkinCode: str(b.checkinCode),
    createdAt: str(b.createdAt),
    endedAt: str(b.endedAt),
    checkedInAt: str(b.checkedInAt),
    fromWaitlist: b.fromWaitlist === true,
    canCancel: b.canCancel === true,
    cancelUntil: str(b.cancelUntil),
    personCampusId: str(b.personCampusId),
    personName: str(b.personName),
    ownerUnitName: str(b.ownerUnitName),
  }
}

export function normWaitlist(w) {
  w = w || {}
  return {
    id: id(w.id),
    slot: normSlot(w.slot),
    serviceName: str(w.serviceName),
    position: int(w.position),
    state: int(w.state),
    bookingId: id(w.bookingId),
    createdAt: str(w.createdAt),
  }
}

// ---- Booking (a signed-in person) ------------------------------------------------------------------

// { serviceCode, serviceName, slots, rules } from today (or fromDay) up to the horizon.
export async function listSlots(serviceCode, { fromDay = '', toDay = '' } = {}) {
  const data = {}
  if (fromDay) data.fromDay = fromDay
  if (toDay) data.toDay = toDay
  const r = (await apiRequest({ method: 'GET', path: `/api/v1/services/${enc(serviceCode)}/slots`, data })) || {}
  return {
    serviceCode: str(r.serviceCode),
    serviceName: str(r.serviceName),
    slots: list(r.slots).map(normSlot),
    rules: normRules(r.rules),
  }
}

// One seat; key makes a retried press answer the first booking instead of a second one. A press
// re-sent with the same key (resend: its first answer was lost) asks with Cache-Control:
// no-cache, so the gateway never repeats another person's "full" for it and the first answer
// comes back.
export async function bookSlot(serviceCode, slotId, key = newUuid(), { resend = false } = {}) {
  const headers = { 'idempotency-key': key }
  if (resend) headers['cache-control'] = 'no-cache'
  return normBooking(await apiRequest({
    method: 'POST',
    path: `/api/v1/services/${enc(serviceCode)}/slots/${enc(slotId)}:book`,
    data: {},
    headers,
  }))
}

export async function joinWaitlist(serviceCode, slotId, key = newUuid()) {
  return normWaitlist(await apiRequest({
    method: 'POST',
    path: `/api/v1/services/${enc(serviceCode)}/slots/${enc(slotId)}:waitlist`,
    data: {},
    headers: { 'idempotency-key': key },
  }))
}

export async function leaveWaitlist(waitlistId) {
  return normWaitlist(await apiRequest({ method: 'DELETE', path: `/api/v1/me/waitlist/${enc(waitlistId)}` }))
}

// { bookings, waitlist }: upcoming bookings first, then (with includePast) ended ones.
export async function listMyBookings({ includePast = false } = {}) {
  const data = includePast ? { includePast: true } : {}
  const r = (await apiRequest({ method: 'GET', path: '/api/v1/me/bookings', data })) || {}
  return { bookings: list(r.bookings).map(normBooking), waitlist: list(r.waitlist).map(normWaitlist) }
}

export async function getBooking(bookingId) {
  return normBooking(await apiRequest({ method: 'GET', path: `/api/v1/me/bookings/${enc(bookingId)}` }))
}

export async function cancelBooking(bookingId, key = newUuid()) {
  return normBooking(await apiRequest({
    method: 'POST',
    path: `/api/v1/me/bookings/${enc(bookingId)}:cancel`,
    data: {},
    headers: { 'idempotency-key': key },
  }))
}

export async function rescheduleBooking(bookingId, slotId) {
  return normBooking(await apiRequest({
    method: 'POST',
    path: `/api/v1/me/bookings/${enc(bookingId)}:reschedule`,
    data: { slotId },
  }))
}

// The .ics file's path on the gateway (GetBookingCalendar). H5 links to it directly: the
// browser sends the session cookie with it, as with any same-origin GET.
export function bookingCalendarPath(bookingId) {
  return `/api/v1/me/bookings/${enc(bookingId)}/calendar.ics`
}

// ---- BookingAdmin (the owning department's admins) ---------------------------------------------------

// { day, bookings, checkedIn } of one day (default today, as the hall counts days).
export async function listDayBookings({ day = '', serviceCode = '' } = {}) {
  const data = {}
  if (day) data.day = day
  if (serviceCode) data.serviceCode = serviceCode
  const r = (await apiRequest({ method: 'GET', path: '/api/v1/admin/bookings', data })) || {}
  return { day: str(r.day), bookings: list(r.bookings).map(normBooking), checkedIn: int(r.checkedIn) }
}

export async function checkIn(code) {
  return normBooking(await apiRequest({ method: 'POST', path: '/api/v1/admin/bookings:checkin', data: { code } }))
}

// ---- BookingAdmin: settings and slots of one service (预约时段管理) ------------------------------

export const PAGE_BOOKING_MANAGE = '/pages/booking/manage'

export const SLOT_STATE_LABELS = {
  SLOT_STATE_OPEN: { zh: '开放', en: 'Open' },
  SLOT_STATE_CLOSED: { zh: '已停止', en: 'Closed' },
}

// ISO weekdays of BookingTemplate.weekday: 1 Monday … 7 Sunday.
export const ISO_WEEKDAY_LABELS = { 1: '周一', 2: '周二', 3: '周三', 4: '周四', 5: '周五', 6: '周六', 7: '周日' }

function normTemplate(t) {
  t = t || {}
  return {
    weekday: int(t.weekday),
    startTime: str(t.startTime),
    endTime: str(t.endTime),
    location: str(t.location),
    capacity: int(t.capacity),
  }
}

function normSettings(s) {
  s = s || {}
  return {
    serviceCode: str(s.serviceCode),
    serviceName: str(s.serviceName),
    rules: normRules(s.rules),
    templates: list(s.templates).map(normTemplate),
    closedDays: list(s.closedDays).map((d) => ({ day: str(d && d.day), reason: str(d && d.reason) })),
    updatedAt: str(s.updatedAt),
  }
}

export async function getBookingSettings(serviceCode) {
  return normSettings(await apiRequest({ method: 'GET', path: `/api/v1/admin/services/${enc(serviceCode)}/booking` }))
}

// Replaces the rules, the weekly templates and the closed days at once; field errors come back
// at their paths ("rules.max_active", "templates[2].end_time", "closed_days[0].day").
export async function updateBookingSettings(serviceCode, { rules, templates, closedDays }) {
  return normSettings(await apiRequest({
    method: 'PUT',
    path: `/api/v1/admin/services/${enc(serviceCode)}/booking`,
    data: { rules, templates, closedDays },
  }))
}

// { created, existing, skippedDays } for the days fromDay … toDay.
export async function generateSlots(serviceCode, fromDay, toDay) {
  const r = (await apiRequest({
    method: 'POST',
    path: `/api/v1/admin/services/${enc(serviceCode)}/slots:generate`,
    data: { fromDay, toDay },
  })) || {}
  return { created: int(r.created), existing: int(r.existing), skippedDays: list(r.skippedDays).map(str) }
}

export async function createSlot(serviceCode, { day, startTime, endTime, location, capacity }) {
  return normSlot(await apiRequest({
    method: 'POST',
    path: `/api/v1/admin/services/${enc(serviceCode)}/slots`,
    data: { day, startTime, endTime, location, capacity },
  }))
}

// { capacity } resizes (never below what is booked: FAILED_PRECONDITION on `capacity`);
// { state: 'SLOT_STATE_CLOSED' | 'SLOT_STATE_OPEN' } closes or reopens.
export async function updateSlot(slotId, { capacity, state } = {}) {
  const data = {}
  if (capacity !== undefined) {
    data.resize = true
    data.capacity = capacity
  }
  if (state) data.state = state
  return normSlot(await apiRequest({ method: 'PATCH', path: `/api/v1/admin/slots/${enc(slotId)}`, data }))
}

// { serviceCode, serviceName, slots, rules }: every slot of the days fromDay … toDay (closed too).
export async function listServiceSlots(serviceCode, { fromDay = '', toDay = '' } = {}) {
  const data = {}
  if (fromDay) data.fromDay = fromDay
  if (toDay) data.toDay = toDay
  const r = (await apiRequest({ method: 'GET', path: `/api/v1/admin/services/${enc(serviceCode)}/slots`, data })) || {}
  return {
    serviceCode: str(r.serviceCode),
    serviceName: str(r.serviceName),
    slots: list(r.slots).map(normSlot),
    rules: normRules(r.rules),
  }
}

// ---- BookingAdmin: the hall's calendar (节假日与调休) -------------------------------------------------

export const PAGE_BOOKING_CALENDAR = '/pages/booking/calendar'

// slotsClosed / slotsWithBookings: what saving a holiday did to that day's open slots.
const normHoliday = (d) => ({
  day: str(d && d.day),
  workday: !!(d && d.workday === true),
  name: str(d && d.name),
  slotsClosed: int(d && d.slotsClosed),
  slotsWithBookings: int(d && d.slotsWithBookings),
})

// The hall's holiday calendar: [{ day, workday, name }] (workday: a weekend day worked, 调休).
export async function listHolidays({ fromDay = '', toDay = '' } = {}) {
  const data = {}
  if (fromDay) data.fromDay = fromDay
  if (toDay) data.toDay = toDay
  const r = (await apiRequest({ method: 'GET', path: '/api/v1/admin/calendar', data })) || {}
  return list(r.days).map(normHoliday)
}

// Puts day in the calendar (hall admins only): workday false a holiday, true a weekend day
// worked (调休上班). Field errors come back on "day" and "name"; others refuse with a message.
// A holiday closes that day's open slots nobody booked (slotsClosed) and leaves the booked ones
// open (slotsWithBookings) for their departments to move or cancel.
export async function saveHoliday(day, { workday, name }) {
  return normHoliday(await apiRequest({
    method: 'PUT',
    path: `/api/v1/admin/calendar/${enc(day)}`,
    data: { workday: !!workday, name: str(name) },
  }))
}

// Takes day out of the calendar: an ordinary day again (Mon–Fri work, Sat/Sun off).
export async function removeHoliday(day) {
  return normHoliday(await apiRequest({ method: 'PUT', path: `/api/v1/admin/calendar/${enc(day)}`, data: { remove: true } }))
}
