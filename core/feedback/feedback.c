/*
 * feedback.c — SubmitFeedback: decide (feedback_rules) → save (feedback_store) → receipt.
 * Never includes grpc or libpq headers; never logs content or contact (personal data).
 */
#include "core/common/pbtime.h"
#include "core/feedback/feedback.h"

#include <arpa/inet.h>
#include <string.h>

#include "core/common/log.h"
#include "core/feedback/feedback_rules.h"
#include "core/store/feedback_store.h"
#include "ehall/feedback/v1/feedback.pb-c.h"
#include "google/protobuf/timestamp.pb-c.h"

/* The address goes into an inet column: anything that is not a plain IP (a unix-socket peer)
 * is stored as NULL rather than failing the user's submission. */
static const char *feedback__ip_or_null(const char *ip) {
  unsigned char buf[sizeof(struct in6_addr)];
  if (ip == NULL || *ip == '\0')
    return NULL;
  if (inet_pton(AF_INET, ip, buf) == 1 || inet_pton(AF_INET6, ip, buf) == 1)
    return ip;
  return NULL;
}

void feedback_submit(call_t *call, const ProtobufCMessage *req, ProtobufCMessage **resp,
                     eh_err_t *err) {
  arena_t *a = call->arena;
  const Ehall__Feedback__V1__SubmitFeedbackRequest *in =
      (const Ehall__Feedback__V1__SubmitFeedbackRequest *)req;
  feedback_submission_t sub = {
      .category = (int)in->category,
      .content = in->content,
      .contact = in->contact,
      .page = in->page,
  };
  feedback_submission_t clean;
  if (!feedback_rules_normalize(a, &sub, &clean, err))
    return;

  store_feedback_row_t row = {
      .category = clean.category,
      .content = clean.content,
      .contact = clean.contact,
      .page = clean.page,
      .client_ip = feedback__ip_or_null(call->client_ip),
      .request_id = call->request_id,
  };
  store_feedback_receipt_t rec;
  if (!store_feedback_insert(a, call->pg, call->deadline_ms, &row, &rec, err))
    return;
  /* The id and category only: enough to find the row, nothing the user wrote. */
  LOG_INFO("feedback", "feedback stored id=%s category=%d", rec.id, clean.category);

  Ehall__Feedback__V1__FeedbackReceipt *out = arena_alloc(a, sizeof(*out));
  ehall__feedback__v1__feedback_receipt__init(out);
  out->id = (char *)rec.id;
  out->create_time = pbtime_from_us(a, rec.create_unix_us);
  out->message = (char *)feedback_rules_thanks(call->language);
  *resp = &out->base;
}
