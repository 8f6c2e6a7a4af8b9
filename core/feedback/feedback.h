/*
 * feedback.h — the ehall.feedback.v1.Feedback area (意见反馈): anyone may tell the hall what
 * to improve. Handlers have the call_unary_fn shape (core/common/call.h); they never include
 * grpc or libpq headers and never log what the user wrote or how to reach them.
 */
#ifndef EHALL_FEEDBACK_FEEDBACK_H
#define EHALL_FEEDBACK_FEEDBACK_H

#include <protobuf-c/protobuf-c.h>

#include "core/common/call.h"
#include "core/common/status.h"

/* SubmitFeedback: validate and normalise (feedback_rules.h) → one INSERT → receipt with the
 * new id, PostgreSQL's creation time and a thank-you text in the caller's language. INVALID
 * with field violations for a bad form; UNAVAILABLE when PostgreSQL does not answer.
 * Replays of one idempotency key are answered by core/rpc before this runs. */
void feedback_submit(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                     eh_err_t *err);

#endif
