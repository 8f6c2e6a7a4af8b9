/*
 * errors.c — eh_err_t → gRPC status, message and google.rpc.Status details (see errors.h).
 */
#include "core/rpc/errors.h"

#include <string.h>

#include "google/protobuf/any.pb-c.h"
#include "google/rpc/error_details.pb-c.h"
#include "google/rpc/status.pb-c.h"

static Google__Protobuf__Any *rpc__any(arena_t *a, const char *type_url, const ProtobufCMessage *m) {
  Google__Protobuf__Any *any = arena_alloc(a, sizeof(*any));
  google__protobuf__any__init(any);
  any->type_url = (char *)type_url;
  any->value.len = protobuf_c_message_get_packed_size(m);
  any->value.data = arena_alloc(a, any->value.len + 1);
  protobuf_c_message_pack(m, any->value.data);
  return any;
}

void rpc_error_reply_build(arena_t *a, const eh_err_t *err, const char *language,
                           rpc_error_reply_t *out) {
  bool en = language != NULL && strcmp(language, "en") == 0;
  eh_status_t code = err->code == EH_OK ? EH_INTERNAL : err->code;
  const char *zh = err->message[0] ? err->message : "服务器内部错误";
  const char *eng = err->message_en[0] ? err->message_en : "internal server error";
  out->grpc_code = eh_status_to_grpc(code);
  out->message = en ? eng : zh;

  Google__Protobuf__Any **details = arena_alloc(a, 3 * sizeof(*details));
  size_t nd = 0;
  if (err->nfields > 0) {
    Google__Rpc__BadRequest *br = arena_alloc(a, sizeof(*br));
    google__rpc__bad_request__init(br);
    br->n_field_violations = (size_t)err->nfields;
    br->field_violations = arena_alloc(a, (size_t)err->nfields * sizeof(*br->field_violations));
    for (int i = 0; i < err->nfields; i++) {
      Google__Rpc__BadRequest__FieldViolation *fv = arena_alloc(a, sizeof(*fv));
      google__rpc__bad_request__field_violation__init(fv);
      fv->field = (char *)err->fields[i].field;
      fv->description = (char *)(en ? err->fields[i].message_en : err->fields[i].message);
      br->field_violations[i] = fv;
    }
    details[nd++] = rpc__any(a, "type.googleapis.com/google.rpc.BadRequest", &br->base);
  }
  /* RetryInfo only where a retry is expected to work after the delay (rate limits): the gateway
   * turns it into an HTTP Retry-After header. */
  Google__Protobuf__Duration delay = GOOGLE__PROTOBUF__DURATION__INIT;
  Google__Rpc__RetryInfo ri = GOOGLE__RPC__RETRY_INFO__INIT;
  if (err->retry_after_ms > 0) {
    delay.seconds = err->retry_after_ms / 1000;
    delay.nanos = (int32_t)(err->retry_after_ms % 1000) * 1000000;
    ri.retry_delay = &delay;
    details[nd++] = rpc__any(a, "type.googleapis.com/google.rpc.RetryInfo", &ri.base);
  }
  Google__Rpc__LocalizedMessage lm = GOOGLE__RPC__LOCALIZED_MESSAGE__INIT;
  lm.locale = "en";
  lm.message = (char *)eng;
  details[nd++] = rpc__any(a, "type.googleapis.com/google.rpc.LocalizedMessage", &lm.base);

  Google__Rpc__Status st = GOOGLE__RPC__STATUS__INIT;
  st.code = out->grpc_code;
  st.message = (char *)out->message;
  st.n_details = nd;
  st.details = details;
  out->details_len = protobuf_c_message_get_packed_size(&st.base);
  out->details = arena_alloc(a, out->details_len + 1);
  protobuf_c_message_pack(&st.base, out->details);
}

bool rpc_error_reply_from_status(arena_t *a, const uint8_t *status, size_t len,
                                 rpc_error_reply_t *out) {
  ProtobufCAllocator alloc = arena_pb_allocator(a);
  Google__Rpc__Status *st = google__rpc__status__unpack(&alloc, len, status);
  if (st == NULL || st->code <= 0 || st->code > 16)
    return false;
  out->grpc_code = st->code;
  out->message = arena_strdup(a, st->message ? st->message : "");
  out->details = arena_alloc(a, len + 1);
  memcpy(out->details, status, len);
  out->details_len = len;
  return true;
}
