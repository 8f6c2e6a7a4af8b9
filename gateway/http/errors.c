/*
 * errors.c — eh_err_t → google.rpc.Status, h2o's own refusals → our messages, RetryInfo →
 * Retry-After. See errors.h. Pure: no I/O, no logging, nothing from h2o or gRPC.
 */
#include "gateway/http/errors.h"

#include <stdio.h>
#include <string.h>

#include "google/protobuf/duration.pb-c.h"
#include "google/rpc/error_details.pb-c.h"

static const char http__type_prefix[] = "type.googleapis.com/";

static Google__Protobuf__Any *http__any(arena_t *a, const ProtobufCMessage *m) {
  Google__Protobuf__Any *any = arena_alloc(a, sizeof(*any));
  google__protobuf__any__init(any);
  any->type_url = arena_printf(a, "%s%s", http__type_prefix, m->descriptor->name);
  any->value.len = protobuf_c_message_get_packed_size(m);
  any->value.data = arena_alloc(a, any->value.len + 1);
  protobuf_c_message_pack(m, any->value.data);
  return any;
}

Google__Rpc__Status *http_error_status(arena_t *a, int grpc_code, const eh_err_t *err,
                                       bool english) {
  Google__Rpc__Status *st = arena_alloc(a, sizeof(*st));
  google__rpc__status__init(st);
  st->code = grpc_code;
  st->message = (char *)(english ? err->message_en : err->message);
  st->details = arena_alloc(a, 3 * sizeof(*st->details));
  if (err->nfields > 0) {
    Google__Rpc__BadRequest *br = arena_alloc(a, sizeof(*br));
    google__rpc__bad_request__init(br);
    br->field_violations = arena_alloc(a, (size_t)err->nfields * sizeof(*br->field_violations));
    for (int i = 0; i < err->nfields; i++) {
      Google__Rpc__BadRequest__FieldViolation *fv = arena_alloc(a, sizeof(*fv));
      google__rpc__bad_request__field_violation__init(fv);
      fv->field = (char *)err->fields[i].field;
      fv->description = (char *)(english ? err->fields[i].message_en : err->fields[i].message);
      br->field_violations[br->n_field_violations++] = fv;
    }
    st->details[st->n_details++] = http__any(a, &br->base);
  }
  if (err->retry_after_ms > 0) {
    Google__Protobuf__Duration d;
    google__protobuf__duration__init(&d);
    d.seconds = err->retry_after_ms / 1000;
    d.nanos = (int32_t)(err->retry_after_ms % 1000) * 1000000;
    Google__Rpc__RetryInfo ri;
    google__rpc__retry_info__init(&ri);
    ri.retry_delay = &d;
    st->details[st->n_details++] = http__any(a, &ri.base);
  }
  Google__Rpc__LocalizedMessage lm;
  google__rpc__localized_message__init(&lm);
  lm.locale = "en";
  lm.message = (char *)err->message_en;
  st->details[st->n_details++] = http__any(a, &lm.base);
  return st;
}

long long http_error_retry_after_s(const Google__Rpc__Status *st) {
  static const char want[] = "google.rpc.RetryInfo";
  for (size_t i = 0; i < st->n_details; i++) {
    const Google__Protobuf__Any *any = st->details[i];
    if (any == NULL || any->type_url == NULL)
      continue;
    /* Any's type URL may have any host part: compare the name after the last '/'. */
    const char *slash = strrchr(any->type_url, '/');
    const char *name = slash ? slash + 1 : any->type_url;
    if (strcmp(name, want) != 0)
      continue;
    Google__Rpc__RetryInfo *ri = google__rpc__retry_info__unpack(NULL, any->value.len, any->value.data);
    if (ri == NULL)
      return -1;
    long long s = -1;
    if (ri->retry_delay != NULL && ri->retry_delay->seconds >= 0 && ri->retry_delay->nanos >= 0)
      s = (long long)ri->retry_delay->seconds + (ri->retry_delay->nanos > 0 ? 1 : 0);
    google__rpc__retry_info__free_unpacked(ri, NULL);
    return s;
  }
  return -1;
}

void http_error_size_text(size_t bytes, char *out, size_t cap) {
  if (bytes >= (1u << 20) && bytes % (1u << 20) == 0)
    snprintf(out, cap, "%zu MiB", bytes >> 20);
  else if (bytes >= 1024 && bytes % 1024 == 0)
    snprintf(out, cap, "%zu KiB", bytes >> 10);
  else
    snprintf(out, cap, "%zu B", bytes);
}

int http_error_from_h2o(int http_status, size_t body_max_bytes, eh_err_t *err) {
  char limit[32];
  switch (http_status) {
  case 413:
    http_error_size_text(body_max_bytes, limit, sizeof(limit));
    eh_err_set(err, EH_RESOURCE_EXHAUSTED, NULL, "请求体过大（上限 %s）",
               "the request body is too large (limit %s)", limit);
    break;
  case 408:
    eh_err_set(err, EH_DEADLINE, NULL, "请求体发送超时", "the request body did not arrive in time");
    break;
  case 417:
    eh_err_set(err, EH_INVALID, NULL, "不支持该 Expect 请求头", "this Expect header is not supported");
    break;
  default:
    if (http_status >= 500) {
      eh_err_set(err, EH_INTERNAL, NULL, "服务内部错误", "internal error");
      break;
    }
    /* A broken chunked body, a bad Content-Length, an unknown Transfer-Encoding. */
    eh_err_set(err, EH_INVALID, NULL, "请求格式无效", "the request is malformed");
    break;
  }
  return eh_status_to_grpc(err->code);
}
