/*
 * forms.h — applications and appointment booking (ehall.forms.v1): forms, drafts and
 * applications (applications.c; form_admin.c for the departments; form_rules.c the pure part)
 * and booking (booking.c for the people who book, booking_admin.c for the departments that run
 * the slots, booking_rules.c the pure part). Handlers have the call_unary_fn shape
 * (core/common/call.h); core/rpc's method table lists them.
 *
 * Access, checked here for every object: a person sees and changes only his own drafts,
 * applications, files, bookings and waitlist entries (another's answers NOT_FOUND, as a missing one
 * does); slots are listed for the people a published bookable service is offered to (the
 * catalogue's audience rules); settings, slots, a day's bookings and check-in belong to the admins
 * of the service's owning unit (or a unit above it) and hall admins; the holiday calendar is
 * changed by hall admins. Every change a department makes is audited (AUDIT_BOOKING_*).
 */
#ifndef EHALL_FORMS_FORMS_H
#define EHALL_FORMS_FORMS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/common/call.h"

struct core_config;

/* The booking expiry worker (holds.c): releases expired holds and stale waitlist entries. */
bool forms_start(const struct core_config *cfg, struct store_pg_pool *pg,
                 struct store_redis_pool *redis);
void forms_stop(void);

/* --- for approvals (core/approvals registers its hooks at start; none: no service has a
 * process, and a submission is simply "submitted") ------------------------------------------- */

struct store_pg_conn;
typedef struct forms_process_hooks {
  /* Inside the submission's transaction, before a seat is taken: the process version new
   * submissions of the service start on (*version 0: none; a seat is then booked, not held). */
  bool (*version)(arena_t *a, struct store_pg_conn *conn, int64_t service_id, int *version,
                  eh_err_t *err);
  /* After the application is stored as submitted (first time: version is the one above;
   * resubmitted after a return: 0, it keeps its own): starts its process. */
  bool (*start)(call_t *call, struct store_pg_conn *conn, int64_t app_id, int version,
                eh_err_t *err);
  /* Withdrawn by the applicant: ends its open steps and tasks. */
  bool (*stop)(call_t *call, struct store_pg_conn *conn, int64_t app_id, eh_err_t *err);
} forms_process_hooks_t;

/* Set once at start, before serving. */
void forms_set_process_hooks(const forms_process_hooks_t *hooks);

/* The file attachment_id of owner_id as an HTTP body (google.api.HttpBody, in a); NOT_FOUND on
 * field when it is not his. */
bool forms_attachment_body(arena_t *a, struct store_pg_conn *conn, int64_t attachment_id,
                           int64_t owner_id, const char *field, ProtobufCMessage **body,
                           eh_err_t *err);

/* An application's seat when its process ends: approved, a held seat becomes booked; not
 * approved, a held or booked seat is released and given to the waitlist. *slot_id: the slot
 * whose Redis tickets the caller should forget after commit (0: none). */
bool forms_booking_settle(arena_t *a, struct store_pg_conn *conn, int64_t booking_id, bool approved,
                          const char *tz, int64_t *slot_id, eh_err_t *err);

#define AUDIT_BOOKING_SETTINGS "booking.settings.save"
#define AUDIT_BOOKING_GENERATE "booking.slots.generate"
#define AUDIT_BOOKING_SLOT_CREATE "booking.slot.create"
#define AUDIT_BOOKING_SLOT_UPDATE "booking.slot.update"
#define AUDIT_BOOKING_HOLIDAY "booking.holiday.save"
#define AUDIT_FORMS_SAVE "forms.form.save"

/* --- ehall.forms.v1.Forms (applications.c) --------------------------------------------------- */
void forms_get_apply_form(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                          eh_err_t *err);
void forms_save_draft(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                      eh_err_t *err);
void forms_discard_draft(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                         eh_err_t *err);
void forms_submit_application(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                              eh_err_t *err);
void forms_resubmit_application(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                                eh_err_t *err);
void forms_withdraw_application(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                                eh_err_t *err);
void forms_list_my_applications(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                                eh_err_t *err);
void forms_get_application(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                           eh_err_t *err);
void forms_upload_attachment(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                             eh_err_t *err);
void forms_get_attachment(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                          eh_err_t *err);

/* --- ehall.forms.v1.FormAdmin (form_admin.c) ------------------------------------------------- */
void forms_get_form(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                    eh_err_t *err);
void forms_save_form(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                     eh_err_t *err);
void forms_list_form_versions(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                              eh_err_t *err);

/* --- ehall.forms.v1.Booking (booking.c) ------------------------------------------------------ */
void forms_list_slots(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                      eh_err_t *err);
void forms_book_slot(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                     eh_err_t *err);
void forms_join_waitlist(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                         eh_err_t *err);
void forms_leave_waitlist(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                          eh_err_t *err);
void forms_list_my_bookings(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                            eh_err_t *err);
void forms_get_booking(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                       eh_err_t *err);
void forms_cancel_booking(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                          eh_err_t *err);
void forms_reschedule_booking(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                              eh_err_t *err);
void forms_get_booking_calendar(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                                eh_err_t *err);

/* --- ehall.forms.v1.BookingAdmin (booking_admin.c) ------------------------------------------- */
void forms_get_booking_settings(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                                eh_err_t *err);
void forms_update_booking_settings(call_t *call, const ProtobufCMessage *req,
                                   ProtobufCMessage **resp, eh_err_t *err);
void forms_generate_slots(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                          eh_err_t *err);
void forms_create_slot(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                       eh_err_t *err);
void forms_update_slot(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                       eh_err_t *err);
void forms_list_service_slots(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                              eh_err_t *err);
void forms_list_day_bookings(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                             eh_err_t *err);
void forms_check_in(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                    eh_err_t *err);
void forms_list_holidays(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                         eh_err_t *err);
void forms_save_holiday(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                        eh_err_t *err);

#endif
