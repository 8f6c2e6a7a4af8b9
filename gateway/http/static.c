/*
 * static.c — what the gateway serves without the core: the H5 build (with the single-page
 * app fallback to index.html), /metrics and /openapi.json.
 *
 * Never serves a file outside static.dir (http_static_path refuses dot segments, backslashes
 * and broken escapes before any file is opened) and never lists a directory.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gateway/http/internal.h"
#include "gateway/http/util.h"

static const char http__csp[] =
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob: https:; font-src 'self' data:; connect-src 'self'; "
    "media-src 'self' blob:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; "
    "form-action 'self'";

void http__metrics(http_req_t *hr) {
  http_server_t *s = hr->t->srv;
  size_t len;
  char *text = metrics_render(s->metrics, hr->arena, &len);
  /* The core's health as the gateway's Watch stream last saw it (what /healthz answers). */
  text = arena_printf(hr->arena,
                      "%s# HELP ehall_core_serving 1 if the core's health Watch last said SERVING\n"
                      "# TYPE ehall_core_serving gauge\nehall_core_serving %d\n"
                      "# HELP ehall_core_watch_reconnects_total Health Watch streams re-opened\n"
                      "# TYPE ehall_core_watch_reconnects_total counter\n"
                      "ehall_core_watch_reconnects_total %llu\n",
                      text, client_core_health(s->client) == CLIENT_CORE_SERVING,
                      (unsigned long long)client_health_watch_reconnects(s->client));
  http__send(hr, 200, "text/plain; version=0.0.4; charset=utf-8", text, strlen(text));
}

void http__openapi(http_req_t *hr) {
  http_server_t *s = hr->t->srv;
  pthread_mutex_lock(&s->openapi_lock);
  if (s->openapi == NULL) {
    arena_t *a = arena_create(0);
    size_t len = 0;
    char *doc = routes_openapi_json(s->routes, a, "ehall", s->cfg.version, &len);
    if (doc != NULL) {
      s->openapi = malloc(len + 1);
      if (s->openapi == NULL)
        abort();
      memcpy(s->openapi, doc, len + 1);
      s->openapi_len = len;
    }
    arena_destroy(a);
  }
  pthread_mutex_unlock(&s->openapi_lock);
  if (s->openapi == NULL) {
    HTTP_ERR(hr, 500, EH_INTERNAL, "服务内部错误", "internal error");
    return;
  }
  http__send_json(hr, 200, s->openapi, s->openapi_len);
}

static bool http__send_file(http_req_t *hr, const char *rel) {
  http_server_t *s = hr->t->srv;
  char *full = arena_printf(hr->arena, "%s/%s", s->cfg.static_dir, rel);
  struct stat st;
  if (stat(full, &st) != 0 || !S_ISREG(st.st_mode))
    return false;
  h2o_req_t *req = hr->req;
  http__header(req, "cache-control",
               http_static_is_immutable(rel) ? "public, max-age=31536000, immutable" : "no-cache");
  if (strcmp(http_content_type(rel), "text/html; charset=utf-8") == 0)
    http__header(req, "content-security-policy", http__csp);
  const char *ct = http_content_type(rel);
  http__sending = hr;
  int rc = h2o_file_send(req, 200, "OK", full, h2o_iovec_init(ct, strlen(ct)), 0);
  http__sending = NULL;
  return rc == 0;
}

void http__static(http_req_t *hr) {
  h2o_req_t *req = hr->req;
  hr->label = HTTP_LABEL_STATIC;
  if (!h2o_memis(req->method.base, req->method.len, H2O_STRLIT("GET")) &&
      !h2o_memis(req->method.base, req->method.len, H2O_STRLIT("HEAD"))) {
    http__header(req, "allow", "GET, HEAD");
    HTTP_ERR(hr, 405, EH_UNIMPLEMENTED, "该地址不支持此请求方法", "this path does not accept this method");
    return;
  }
  size_t plen = req->query_at != SIZE_MAX ? req->query_at : req->path.len;
  char *rel = http_static_path(hr->arena, req->path.base, plen);
  if (rel == NULL) {
    hr->label = HTTP_LABEL_NONE;
    HTTP_ERR(hr, 404, EH_NOT_FOUND, "未找到该页面", "no such page");
    return;
  }
  if (http__send_file(hr, rel))
    return;
  /* SPA fallback: a path without an extension is a client-side route. */
  const char *last = strrchr(rel, '/');
  last = last ? last + 1 : rel;
  if (strchr(last, '.') == NULL && http__send_file(hr, "index.html"))
    return;
  hr->label = HTTP_LABEL_NONE;
  HTTP_ERR(hr, 404, EH_NOT_FOUND, "未找到该页面", "no such page");
}
