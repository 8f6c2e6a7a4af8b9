/*
 * reply.c — how every answer leaves the gateway: status line and headers, JSON bodies, and the
 * one error writer (a google.rpc.Status through the transcoder, so an error of the gateway,
 * of h2o and of the core all have one shape).
 *
 * Never writes a body that did not go through the transcoder or metrics_render, and never
 * lets h2o's own text error bodies out (http__replace_h2o_error).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/common/log.h"
#include "gateway/http/errors.h"
#include "gateway/http/internal.h"
#include "gateway/http/util.h"
#include "core/common/transcode.h"

const char *http__reason(int status) {
  switch (status) {
  case 200: return "OK";
  case 204: return "No Content";
  case 304: return "Not Modified";
  case 400: return "Bad Request";
  case 401: return "Unauthorized";
  case 403: return "Forbidden";
  case 404: return "Not Found";
  case 405: return "Method Not Allowed";
  case 408: return "Request Timeout";
  case 409: return "Conflict";
  case 413: return "Payload Too Large";
  case 415: return "Unsupported Media Type";
  case 417: return "Expectation Failed";
  case 429: return "Too Many Requests";
  case 431: return "Request Header Fields Too Large";
  case 499: return "Client Closed Request";
  case 501: return "Not Implemented";
  case 503: return "Service Unavailable";
  case 504: return "Gateway Timeout";
  default: return status < 500 ? "Client Error" : "Internal Server Error";
  }
}

/* h2o keeps the value by reference until the head is written, which may be after the caller's
 * frame is gone (a stack buffer such as an Allow list): copy it into the request's pool. */
void http__header(h2o_req_t *req, const char *name, const char *value) {
  h2o_iovec_t v = h2o_strdup(&req->pool, value, strlen(value));
  h2o_add_header_by_str(&req->pool, &req->res.headers, name, strlen(name), 1, NULL, v.base, v.len);
}

h2o_iovec_t http__req_header(h2o_req_t *req, const char *name, size_t len) {
  ssize_t i = h2o_find_header_by_str(&req->headers, name, len, -1);
  return i < 0 ? h2o_iovec_init(NULL, 0) : req->headers.entries[i].value;
}

void http__send(http_req_t *hr, int status, const char *ctype, const char *body, size_t len) {
  h2o_req_t *req = hr->req;
  req->res.status = status;
  req->res.reason = http__reason(status);
  if (ctype)
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, ctype, strlen(ctype));
  req->res.content_length = len;
  http__sending = hr;
  h2o_send_inline(req, body, len);
  http__sending = NULL;
}

void http__send_json(http_req_t *hr, int status, const char *json, size_t len) {
  http__send(hr, status, "application/json; charset=utf-8", json, len);
}

/* Prints `st`; a detail of a type the schema cannot print is dropped (code and message stay),
 * so this never fails. */
static char *http__status_json(arena_t *a, const http_server_t *s, const Google__Rpc__Status *st,
                               size_t *len) {
  eh_err_t perr = EH_ERR_INIT;
  char *json = transcode_pb_to_json(a, http_schema_get(s->schema), &st->base, len, &perr);
  if (json != NULL)
    return json;
  LOG_WARN("http", "error details not printable code=%d", st->code);
  Google__Rpc__Status bare = *st;
  bare.n_details = 0;
  bare.details = NULL;
  eh_err_clear(&perr);
  json = transcode_pb_to_json(a, http_schema_get(s->schema), &bare.base, len, &perr);
  if (json == NULL)
    abort(); /* google.rpc.Status without details always prints */
  return json;
}

void http__send_status(http_req_t *hr, int http_status, const Google__Rpc__Status *st) {
  size_t len = 0;
  char *json = http__status_json(hr->arena, hr->t->srv, st, &len);
  if (http_status == 429 || http_status == 503) {
    long long secs = http_error_retry_after_s(st);
    if (secs >= 0)
      http__header(hr->req, "retry-after", arena_printf(hr->arena, "%lld", secs));
  }
  http__send_json(hr, http_status, json, len);
}

void http__send_err_code(http_req_t *hr, int http_status, int grpc_code, const eh_err_t *err) {
  http__send_status(hr, http_status, http_error_status(hr->arena, grpc_code, err, hr->english));
}

void http__send_err(http_req_t *hr, int http_status, const eh_err_t *err) {
  http__send_err_code(hr, http_status, eh_status_to_grpc(err->code), err);
}

/* ---- h2o's own error responses ------------------------------------------------------- */

/* Drops the body h2o wrote and sends ours in its place, once, with h2o's final state. */
typedef struct http_json_ostream {
  h2o_ostream_t super;
  h2o_iovec_t body;
} http_json_ostream_t;

static void http__json_ostream_send(h2o_ostream_t *self, h2o_req_t *req, h2o_iovec_t *bufs,
                                    size_t bufcnt, h2o_send_state_t state) {
  http_json_ostream_t *o = (http_json_ostream_t *)self;
  (void)bufs;
  (void)bufcnt;
  if (h2o_send_state_is_in_progress(state) || o->body.base == NULL) {
    h2o_ostream_send_next(self, req, NULL, 0, state);
    return;
  }
  h2o_iovec_t body = o->body;
  o->body = h2o_iovec_init(NULL, 0);
  h2o_ostream_send_next(self, req, &body, 1, state);
}

static void http__arena_dispose(void *p) { arena_destroy(*(arena_t **)p); }

h2o_ostream_t **http__replace_h2o_error(http_server_t *s, h2o_req_t *req, h2o_ostream_t **slot) {
  arena_t **ap = h2o_mem_alloc_shared(&req->pool, sizeof(*ap), http__arena_dispose);
  *ap = arena_create(0);
  eh_err_t err = EH_ERR_INIT;
  int code = http_error_from_h2o(req->res.status, s->cfg.body_max_bytes, &err);
  h2o_iovec_t lang = http__req_header(req, H2O_STRLIT("accept-language"));
  bool english = lang.len >= 2 && strncasecmp(lang.base, "en", 2) == 0;
  size_t len = 0;
  char *json = http__status_json(*ap, s, http_error_status(*ap, code, &err, english), &len);

  /* h2o put its own reason and text/plain type there; ours replace them. */
  req->res.reason = http__reason(req->res.status);
  static const char ctype[] = "application/json; charset=utf-8";
  h2o_set_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, ctype, sizeof(ctype) - 1, 1);
  req->res.content_length = len;
  http_json_ostream_t *o = (http_json_ostream_t *)h2o_add_ostream(req, sizeof(*o), slot);
  o->super.do_send = http__json_ostream_send;
  o->body = h2o_iovec_init(json, len);
  return &o->super.next;
}
