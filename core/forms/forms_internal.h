/*
 * forms_internal.h — what booking.c and booking_admin.c share (booking_common.c).
 */
#ifndef EHALL_FORMS_FORMS_INTERNAL_H
#define EHALL_FORMS_FORMS_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/common/call.h"
#include "core/forms/booking_rules.h"
#include "core/store/booking_store.h"
#include "ehall/forms/v1/booking.pb-c.h"
#include "ehall/forms/v1/forms.pb-c.h"

/* How many waitlist entries one freed seat may try before it gives up (each refused one —
 * he reached his limits meanwhile — stays waiting). */
#define FORMS_PROMOTE_TRIES 20

bool forms__signed_in(call_t *call, eh_err_t *err);
/* A positive id from its decimal text; NOT_FOUND on `field` otherwise (a made-up id answers
 * as a missing one). */
bool forms__id(const char *s, const char *field, int64_t *id, eh_err_t *err);
const char *forms__tz(const call_t *call);
int64_t forms__now_us(void);
void forms__rules_from(const store_booking_rules_t *s, booking_rules_t *r);
Ehall__Forms__V1__BookingRules *forms__rules_pb(arena_t *a, const booking_rules_t *r);
Ehall__Forms__V1__Slot *forms__slot_pb(arena_t *a, const store_booking_slot_t *s,
                                       const booking_rules_t *r, int64_t now_us);
/* staff: the person's campus id and name are included. */
Ehall__Forms__V1__BookingInfo *forms__booking_pb(arena_t *a, const store_booking_t *b,
                                                 const booking_rules_t *r, int64_t now_us,
                                                 bool staff);
/* A fresh 8-digit check-in code in out[9]. */
void forms__checkin_code(char out[9]);
/* Inside a transaction that freed seats of slot_id: gives them to the people waiting, oldest
 * first (each under his own person lock, within his limits). *promoted counts them. */
bool forms__promote(arena_t *a, store_pg_conn_t *conn, int64_t slot_id, int64_t service_id,
                    const char *tz, int *promoted, eh_err_t *err);
/* Takes a seat (store_booking_claim: one statement, the person lock included), inside the
 * caller's transaction or alone; state BOOKING_HELD (for an application awaiting approval)
 * or BOOKING_BOOKED. got->id 0 and *facts filled when refused. */
bool forms__claim(arena_t *a, store_pg_conn_t *conn, int64_t slot_id, int64_t service_id,
                  int64_t account_id, int state, bool from_waitlist, const char *tz,
                  store_booking_t *got, int *remaining, booking_facts_t *facts, eh_err_t *err);

/* BookSlot's claim: the one statement alone on a connection (autocommit), so the slot's row
 * lock is never held across a round trip; run again on a check-in code clash or a deadlock.
 * The statement answers the booking itself, so a booking costs no second statement. */
bool forms__claim_now(call_t *call, int64_t slot_id, int64_t service_id, store_booking_t *got,
                      int *remaining, booking_facts_t *facts, eh_err_t *err);

/* A stored form definition (JSON) as its message; INTERNAL when it cannot be read. */
Ehall__Forms__V1__FormDefinition *forms__def_from_json(arena_t *a, const char *json, eh_err_t *err);

/* store_pg_tx, run again (a fresh check-in code) when a new booking's code clashed with a live
 * one (bookings_live_code; about 1 in 10^8 × live bookings). */
bool forms__tx(call_t *call, store_pg_tx_fn fn, void *ud, eh_err_t *err);

#endif
