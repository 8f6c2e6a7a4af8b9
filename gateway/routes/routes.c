/*
 * routes.c — builds the HTTP routes from the google.api.http rules in the embedded descriptor
 * set and matches request lines against them.
 *
 * Path templates follow google/api/http.proto: literal segments, `*`, `**` (last only),
 * `{var}`, `{var=pattern}` and a `:verb` suffix. Matching scans the compiled templates of the
 * request's method (dozens to a few hundred; each costs a handful of memcmp) and keeps the most
 * specific match, segment by segment from the left: a literal beats `*`, `*` beats `**`, and
 * a template with a verb beats one without. This file must never allocate outside the routes'
 * arena at start-up nor write to routes_t after routes_create returns.
 */
#include "gateway/routes/routes.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "core/common/log.h"
#include "core/common/text.h"
#include "gateway/routes/routes_internal.h"

/* ---------- maps ---------- */

static size_t routes__hash(const routes__map_t *m, const void *key) {
  uint64_t h = 1469598103934665603ull;
  if (m->by_string) {
    for (const unsigned char *s = key; *s; s++)
      h = (h ^ *s) * 1099511628211ull;
  } else {
    h = (uint64_t)(uintptr_t)key * 0x9e3779b97f4a7c15ull;
    h ^= h >> 29;
  }
  return (size_t)h;
}

static bool routes__key_eq(const routes__map_t *m, const void *a, const void *b) {
  return m->by_string ? strcmp(a, b) == 0 : a == b;
}

void routes__map_init(routes__map_t *m, arena_t *a, bool by_string) {
  m->cap = 64;
  m->n = 0;
  m->by_string = by_string;
  m->keys = arena_zalloc(a, m->cap * sizeof(*m->keys));
  m->vals = arena_zalloc(a, m->cap * sizeof(*m->vals));
}

static void routes__map_insert(routes__map_t *m, const void *key, const void *val) {
  size_t i = routes__hash(m, key) & (m->cap - 1);
  while (m->keys[i] != NULL) {
    if (routes__key_eq(m, m->keys[i], key)) {
      m->vals[i] = val;
      return;
    }
    i = (i + 1) & (m->cap - 1);
  }
  m->keys[i] = key;
  m->vals[i] = val;
  m->n++;
}

void routes__map_put(routes__map_t *m, arena_t *a, const void *key, const void *val) {
  if ((m->n + 1) * 2 > m->cap) { /* keep it at most half full; the old arrays stay in the arena */
    routes__map_t old = *m;
    m->cap *= 2;
    m->n = 0;
    m->keys = arena_zalloc(a, m->cap * sizeof(*m->keys));
    m->vals = arena_zalloc(a, m->cap * sizeof(*m->vals));
    for (size_t i = 0; i < old.cap; i++)
      if (old.keys[i] != NULL)
        routes__map_insert(m, old.keys[i], old.vals[i]);
  }
  routes__map_insert(m, key, val);
}

const void *routes__map_get(const routes__map_t *m, const void *key) {
  size_t i = routes__hash(m, key) & (m->cap - 1);
  while (m->keys[i] != NULL) {
    if (routes__key_eq(m, m->keys[i], key))
      return m->vals[i];
    i = (i + 1) & (m->cap - 1);
  }
  return NULL;
}

/* ---------- indexing the descriptor set ---------- */

/* "  The hall's name.\n  Second line.\n" → "The hall's name.\nSecond line." */
static const char *routes__comment_clean(arena_t *a, const char *c) {
  size_t n = strlen(c);
  char *out = arena_alloc(a, n + 1), *o = out;
  const char *p = c;
  while (*p) {
    const char *eol = strchr(p, '\n');
    size_t len = eol ? (size_t)(eol - p) : strlen(p);
    if (len > 0 && p[0] == ' ')
      p++, len--;
    memcpy(o, p, len);
    o += len;
    *o++ = '\n';
    p += len;
    if (*p == '\n')
      p++;
  }
  while (o > out && (o[-1] == '\n' || o[-1] == ' ' || o[-1] == '\t'))
    o--;
  *o = '\0';
  return out;
}

static void routes__index_message(routes_t *r, const char *scope, const routes__msgproto_t *mp) {
  if (mp->name == NULL)
    return;
  routes__msg_t *m = arena_zalloc(r->arena, sizeof(*m));
  m->full_name = scope[0] ? arena_printf(r->arena, "%s.%s", scope, mp->name)
                          : arena_strdup(r->arena, mp->name);
  m->proto = mp;
  m->map_entry = mp->options != NULL && mp->options->has_map_entry && mp->options->map_entry;
  routes__map_put(&r->msgs, r->arena, m->full_name, m);
  for (size_t i = 0; i < mp->n_nested_type; i++)
    routes__index_message(r, m->full_name, mp->nested_type[i]);
}

/* Source locations name a node by path: message_type=4, nested_type=3, field=2, enum_type=4
 * (in a message) or 5 (in a file), enum value=2, service=6, method=2. */
static const void *routes__node_at(const routes__file_t *f, const int32_t *p, size_t n) {
  if (n < 2 || p[1] < 0)
    return NULL;
  size_t i = (size_t)p[1];
  if (p[0] == 6) {
    if (i >= f->n_service)
      return NULL;
    const routes__svcproto_t *s = f->service[i];
    if (n == 2)
      return s;
    if (n == 4 && p[2] == 2 && p[3] >= 0 && (size_t)p[3] < s->n_method)
      return s->method[p[3]];
    return NULL;
  }
  const routes__enumproto_t *e = NULL;
  if (p[0] == 5) {
    if (i >= f->n_enum_type)
      return NULL;
    e = f->enum_type[i];
    p += 2, n -= 2;
  } else if (p[0] == 4) {
    if (i >= f->n_message_type)
      return NULL;
    const routes__msgproto_t *m = f->message_type[i];
    p += 2, n -= 2;
    while (n >= 2 && p[1] >= 0) {
      size_t j = (size_t)p[1];
      if (p[0] == 3 && j < m->n_nested_type) {
        m = m->nested_type[j];
      } else if (p[0] == 2 && j < m->n_field) {
        return n == 2 ? m->field[j] : NULL;
      } else if (p[0] == 4 && j < m->n_enum_type) {
        e = m->enum_type[j];
        p += 2, n -= 2;
        break;
      } else {
        return NULL;
      }
      p += 2, n -= 2;
    }
    if (e == NULL)
      return n == 0 ? m : NULL;
  } else {
    return NULL;
  }
  if (n == 0)
    return e;
  if (n == 2 && p[0] == 2 && p[1] >= 0 && (size_t)p[1] < e->n_value)
    return e->value[p[1]];
  return NULL;
}

static void routes__index_file(routes_t *r, const routes__file_t *f) {
  const char *pkg = f->package ? f->package : "";
  for (size_t i = 0; i < f->n_message_type; i++)
    routes__index_message(r, pkg, f->message_type[i]);
  if (f->source_code_info == NULL)
    return;
  for (size_t i = 0; i < f->source_code_info->n_location; i++) {
    const Ehall__Gateway__Shadow__SourceCodeInfo__Location *l = f->source_code_info->location[i];
    if (l->leading_comments == NULL || l->leading_comments[0] == '\0')
      continue;
    const void *node = routes__node_at(f, l->path, l->n_path);
    if (node != NULL)
      routes__map_put(&r->comments, r->arena, node,
                      routes__comment_clean(r->arena, l->leading_comments));
  }
}

/* ---------- path templates ---------- */

static bool routes__is_ident(const char *s, size_t n) {
  if (n == 0 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_'))
    return false;
  for (size_t i = 1; i < n; i++)
    if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
          (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
      return false;
  return true;
}

/* A literal is any run of characters that a template does not reserve (':' only starts the
 * verb, so "/v1/a:b/c" is refused rather than guessed at). */
static bool routes__is_literal(const char *s, size_t n) {
  if (n == 0)
    return false;
  for (size_t i = 0; i < n; i++)
    if (s[i] == '{' || s[i] == '}' || s[i] == '*' || s[i] == '/' || s[i] == '=' || s[i] == ':' ||
        s[i] == '?' || s[i] == '#' || (unsigned char)s[i] <= ' ')
      return false;
  return true;
}

/* Parses the segments (literals, wildcards, {var}s) in s[0..n) into rt->segs (capacity checked by
 * the caller). Returns false on a syntax error; `why` says which. */
static bool routes__parse_segments(arena_t *a, routes__route_t *rt, const char *s, size_t n,
                                   bool in_var, const char **why) {
  size_t i = 0;
  for (;;) {
    size_t j = i;
    if (i < n && s[i] == '{') {
      if (in_var)
        return *why = "nested variable", false;
      const char *close = memchr(s + i, '}', n - i);
      if (close == NULL)
        return *why = "unclosed '{'", false;
      size_t inner = (size_t)(close - (s + i)) - 1;
      const char *v = s + i + 1;
      const char *eq = memchr(v, '=', inner);
      size_t fplen = eq ? (size_t)(eq - v) : inner;
      /* Field path: idents joined by dots. */
      for (size_t k = 0, st = 0; k <= fplen; k++) {
        if (k == fplen || v[k] == '.') {
          if (!routes__is_ident(v + st, k - st))
            return *why = "bad field path in variable", false;
          st = k + 1;
        }
      }
      if (rt->nvars == ROUTE_MAX_VARS)
        return *why = "too many variables", false;
      routes__var_t *var = &rt->vars[rt->nvars++];
      var->field_path = arena_strndup(a, v, fplen);
      var->start = rt->nsegs;
      if (eq) {
        size_t plen = inner - fplen - 1;
        if (plen == 0)
          return *why = "empty variable pattern", false;
        if (!routes__parse_segments(a, rt, eq + 1, plen, true, why))
          return false;
        var->pattern = arena_strndup(a, eq + 1, plen);
      } else {
        rt->segs[rt->nsegs++] = (routes__seg_t){.kind = ROUTES__SEG_STAR};
      }
      var->end = rt->nsegs;
      var->multi = var->end - var->start > 1 || rt->segs[var->end - 1].kind == ROUTES__SEG_DSTAR;
      j = (size_t)(close - s) + 1;
    } else {
      while (j < n && s[j] != '/')
        j++;
      routes__seg_t seg = {.kind = ROUTES__SEG_LITERAL, .lit = s + i, .len = j - i};
      if (j - i == 1 && s[i] == '*')
        seg.kind = ROUTES__SEG_STAR;
      else if (j - i == 2 && s[i] == '*' && s[i + 1] == '*')
        seg.kind = ROUTES__SEG_DSTAR;
      else if (!routes__is_literal(s + i, j - i))
        return *why = j == i ? "empty segment" : "bad literal segment", false;
      rt->segs[rt->nsegs++] = seg;
    }
    if (rt->nsegs >= 2 && rt->segs[rt->nsegs - 2].kind == ROUTES__SEG_DSTAR)
      return *why = "'**' must be the last segment", false;
    if (j == n)
      return true;
    if (s[j] != '/')
      return *why = "expected '/'", false;
    i = j + 1;
    if (i == n)
      return *why = "trailing '/'", false;
  }
}

static bool routes__parse_template(arena_t *a, routes__route_t *rt, const char *t,
                                   const char **why) {
  size_t n = strlen(t);
  if (n < 2 || t[0] != '/')
    return *why = "must start with '/' and have a segment", false;
  /* The verb is after the last ':' that follows the last '/' outside braces. */
  int depth = 0;
  size_t last_slash = 0, colon = 0;
  for (size_t i = 0; i < n; i++) {
    if (t[i] == '{')
      depth++;
    else if (t[i] == '}')
      depth--;
    else if (depth == 0 && t[i] == '/')
      last_slash = i, colon = 0;
    else if (depth == 0 && t[i] == ':')
      colon = i;
    if (depth < 0 || depth > 1)
      return *why = "unbalanced braces", false;
  }
  if (depth != 0)
    return *why = "unbalanced braces", false;
  size_t body_len = n;
  if (colon > last_slash) {
    rt->verb = arena_strdup(a, t + colon + 1);
    rt->verb_len = n - colon - 1;
    if (!routes__is_literal(rt->verb, rt->verb_len))
      return *why = "bad verb", false;
    body_len = colon;
  }
  size_t cap = 2;
  for (size_t i = 0; i < n; i++)
    cap += t[i] == '/';
  rt->segs = arena_zalloc(a, cap * sizeof(*rt->segs));
  if (!routes__parse_segments(a, rt, t + 1, body_len - 1, false, why))
    return false;
  rt->dstar = rt->segs[rt->nsegs - 1].kind == ROUTES__SEG_DSTAR;
  for (int i = 0; i < rt->nvars; i++)
    for (int j = 0; j < i; j++)
      if (strcmp(rt->vars[i].field_path, rt->vars[j].field_path) == 0)
        return *why = "variable bound twice", false;
  return true;
}

static const char *routes__shape(arena_t *a, const routes__route_t *rt) {
  size_t cap = 16 + strlen(rt->m.http_method) + rt->verb_len;
  for (int i = 0; i < rt->nsegs; i++)
    cap += rt->segs[i].len + 3;
  char *s = arena_alloc(a, cap), *o = s;
  o += sprintf(o, "%s ", rt->m.http_method);
  for (int i = 0; i < rt->nsegs; i++) {
    *o++ = '/';
    if (rt->segs[i].kind == ROUTES__SEG_LITERAL)
      memcpy(o, rt->segs[i].lit, rt->segs[i].len), o += rt->segs[i].len;
    else
      o += sprintf(o, "%s", rt->segs[i].kind == ROUTES__SEG_STAR ? "*" : "**");
  }
  if (rt->verb)
    o += sprintf(o, ":%s", rt->verb);
  *o = '\0';
  return s;
}

/* Follows a field path ("parent.name") through `msg`; NULL if a part does not exist or a
 * non-last part is not a singular message. */
const ProtobufCFieldDescriptor *routes__field_path(const ProtobufCMessageDescriptor *msg,
                                                   const char *path) {
  char part[128];
  const ProtobufCFieldDescriptor *f = NULL;
  while (msg != NULL) {
    const char *dot = strchr(path, '.');
    size_t n = dot ? (size_t)(dot - path) : strlen(path);
    if (n == 0 || n >= sizeof(part))
      return NULL;
    memcpy(part, path, n);
    part[n] = '\0';
    f = protobuf_c_message_descriptor_get_field_by_name(msg, part);
    if (f == NULL)
      return NULL;
    if (dot == NULL)
      return f;
    if (f->type != PROTOBUF_C_TYPE_MESSAGE || f->label == PROTOBUF_C_LABEL_REPEATED)
      return NULL;
    msg = f->descriptor;
    path = dot + 1;
  }
  return NULL;
}

static bool routes__add(routes_t *r, const routes__svcproto_t *svc, const char *svc_full,
                        const routes__methodproto_t *mp, const ProtobufCMethodDescriptor *md,
                        const Google__Api__HttpRule *rule, int binding, eh_err_t *err) {
  const char *name = arena_printf(r->arena, "%s.%s", svc_full, mp->name);
  const char *verb = NULL, *tmpl = NULL;
  switch (rule->pattern_case) {
  case GOOGLE__API__HTTP_RULE__PATTERN_GET:
    verb = "GET", tmpl = rule->get;
    break;
  case GOOGLE__API__HTTP_RULE__PATTERN_PUT:
    verb = "PUT", tmpl = rule->put;
    break;
  case GOOGLE__API__HTTP_RULE__PATTERN_POST:
    verb = "POST", tmpl = rule->post;
    break;
  case GOOGLE__API__HTTP_RULE__PATTERN_DELETE:
    verb = "DELETE", tmpl = rule->delete_;
    break;
  case GOOGLE__API__HTTP_RULE__PATTERN_PATCH:
    verb = "PATCH", tmpl = rule->patch;
    break;
  case GOOGLE__API__HTTP_RULE__PATTERN_CUSTOM:
    if (rule->custom != NULL && rule->custom->kind != NULL &&
        routes__is_literal(rule->custom->kind, strlen(rule->custom->kind)))
      verb = rule->custom->kind, tmpl = rule->custom->path;
    break;
  default:
    break;
  }
  if (verb == NULL || tmpl == NULL)
    return eh_err_set(err, EH_INVALID, NULL, "方法 %s 的 HTTP 规则缺少方法或路径",
                      "method %s: HTTP rule has no method or path", name);
  if (binding > 0 && rule->n_additional_bindings > 0)
    return eh_err_set(err, EH_INVALID, NULL, "方法 %s 的附加绑定不能再嵌套",
                      "method %s: additional bindings must not nest", name);

  routes__route_t *rt = &r->routes[r->nroutes];
  memset(rt, 0, sizeof(*rt));
  const char *why = NULL;
  if (!routes__parse_template(r->arena, rt, tmpl, &why))
    return eh_err_set(err, EH_INVALID, NULL, "方法 %s 的路径模板 \"%s\" 无效：%s",
                      "method %s: bad path template \"%s\": %s", name, tmpl, why);
  rt->m.http_method = arena_strdup(r->arena, verb);
  rt->m.path_template = arena_strdup(r->arena, tmpl);
  rt->m.grpc_path = arena_printf(r->arena, "/%s/%s", svc_full, mp->name);
  rt->m.input = md->input;
  rt->m.output = md->output;
  rt->m.body = rule->body && rule->body[0] ? arena_strdup(r->arena, rule->body) : NULL;
  rt->m.response_body = rule->response_body && rule->response_body[0]
                            ? arena_strdup(r->arena, rule->response_body)
                            : NULL;
  for (int i = 0; i < rt->nvars; i++) {
    const ProtobufCFieldDescriptor *f = routes__field_path(md->input, rt->vars[i].field_path);
    if (f == NULL || f->label == PROTOBUF_C_LABEL_REPEATED ||
        (f->type == PROTOBUF_C_TYPE_MESSAGE &&
         strncmp(((const ProtobufCMessageDescriptor *)f->descriptor)->name, "google.protobuf.",
                 16) != 0))
      return eh_err_set(err, EH_INVALID, NULL, "方法 %s 的路径变量 %s 不是请求消息中的单值字段",
                        "method %s: path variable %s is not a singular field of the request", name,
                        rt->vars[i].field_path);
  }
  if (rt->m.body && strcmp(rt->m.body, "*") != 0 &&
      protobuf_c_message_descriptor_get_field_by_name(md->input, rt->m.body) == NULL)
    return eh_err_set(err, EH_INVALID, NULL, "方法 %s 的 body 字段 %s 不在请求消息中",
                      "method %s: body field %s is not a top-level field of the request", name,
                      rt->m.body);
  if (rt->m.response_body &&
      protobuf_c_message_descriptor_get_field_by_name(md->output, rt->m.response_body) == NULL)
    return eh_err_set(err, EH_INVALID, NULL, "方法 %s 的 response_body 字段 %s 不在响应消息中",
                      "method %s: response_body field %s is not a top-level field of the reply",
                      name, rt->m.response_body);
  rt->shape = routes__shape(r->arena, rt);
  rt->service = svc_full;
  rt->service_short = svc->name;
  rt->method_name = mp->name;
  rt->comment = routes__map_get(&r->comments, mp);
  rt->binding = binding;
  r->nroutes++;
  for (size_t i = 0; binding == 0 && i < rule->n_additional_bindings; i++)
    if (!routes__add(r, svc, svc_full, mp, md, rule->additional_bindings[i], (int)i + 1, err))
      return false;
  return true;
}

static bool routes__build(routes_t *r, const ProtobufCServiceDescriptor *const *services,
                          size_t nservices, eh_err_t *err) {
  size_t cap = 0;
  for (size_t fi = 0; fi < r->set->n_file; fi++)
    for (size_t si = 0; si < r->set->file[fi]->n_service; si++)
      for (size_t mi = 0; mi < r->set->file[fi]->service[si]->n_method; mi++) {
        const routes__methodproto_t *mp = r->set->file[fi]->service[si]->method[mi];
        if (mp->options && mp->options->http)
          cap += 1 + mp->options->http->n_additional_bindings;
      }
  r->routes = arena_zalloc(r->arena, (cap + 1) * sizeof(*r->routes));

  for (size_t fi = 0; fi < r->set->n_file; fi++) {
    const routes__file_t *f = r->set->file[fi];
    for (size_t si = 0; si < f->n_service; si++) {
      const routes__svcproto_t *svc = f->service[si];
      const char *svc_full = f->package && f->package[0]
                                 ? arena_printf(r->arena, "%s.%s", f->package, svc->name)
                                 : svc->name;
      const ProtobufCServiceDescriptor *sd = NULL;
      for (size_t k = 0; k < nservices && sd == NULL; k++)
        if (services[k] != NULL && strcmp(services[k]->name, svc_full) == 0)
          sd = services[k];
      for (size_t mi = 0; mi < svc->n_method; mi++) {
        const routes__methodproto_t *mp = svc->method[mi];
        if (mp->options == NULL || mp->options->http == NULL)
          continue;
        const ProtobufCMethodDescriptor *md =
            sd ? protobuf_c_service_descriptor_get_method_by_name(sd, mp->name) : NULL;
        if (md == NULL)
          return eh_err_set(err, EH_INVALID, NULL, "方法 %s.%s 有 HTTP 规则，但其服务未链接",
                            "method %s.%s has an HTTP rule but its service is not linked", svc_full,
                            mp->name);
        if (mp->input_type == NULL || strcmp(mp->input_type + 1, md->input->name) != 0 ||
            mp->output_type == NULL || strcmp(mp->output_type + 1, md->output->name) != 0)
          return eh_err_set(err, EH_INVALID, NULL, "方法 %s.%s 的描述集与链接的代码不一致",
                            "method %s.%s: descriptor set and linked code disagree", svc_full,
                            mp->name);
        if ((mp->has_client_streaming && mp->client_streaming) ||
            (mp->has_server_streaming && mp->server_streaming))
          return eh_err_set(err, EH_INVALID, NULL, "流式方法 %s.%s 不能映射为 HTTP",
                            "streaming method %s.%s cannot have an HTTP rule", svc_full, mp->name);
        if (!routes__add(r, svc, svc_full, mp, md, mp->options->http, 0, err))
          return false;
      }
    }
  }

  routes__map_t shapes;
  routes__map_init(&shapes, r->arena, true);
  for (size_t i = 0; i < r->nroutes; i++) {
    const routes__route_t *other = routes__map_get(&shapes, r->routes[i].shape);
    if (other != NULL)
      return eh_err_set(err, EH_INVALID, NULL, "方法 %s 与 %s 的路由冲突：%s %s",
                        "method %s conflicts with %s: %s %s", r->routes[i].m.grpc_path,
                        other->m.grpc_path, r->routes[i].m.http_method,
                        r->routes[i].m.path_template);
    routes__map_put(&shapes, r->arena, r->routes[i].shape, &r->routes[i]);
  }
  return true;
}

routes_t *routes_create(const uint8_t *descriptor_set, size_t len,
                        const ProtobufCServiceDescriptor *const *services, size_t nservices,
                        eh_err_t *err) {
  arena_t *a = arena_create(64 * 1024);
  routes_t *r = arena_zalloc(a, sizeof(*r));
  r->arena = a;
  routes__map_init(&r->msgs, a, true);
  routes__map_init(&r->comments, a, false);
  routes__map_init(&r->registry, a, true);
  routes__map_init(&r->json_names, a, false);
  ProtobufCAllocator al = arena_pb_allocator(a);
  r->set = ehall__gateway__shadow__file_descriptor_set__unpack(&al, len, descriptor_set);
  if (r->set == NULL) {
    eh_err_set(err, EH_INVALID, NULL, "描述集无法解析", "the descriptor set cannot be parsed");
    goto fail;
  }
  for (size_t i = 0; i < r->set->n_file; i++)
    routes__index_file(r, r->set->file[i]);
  if (!routes__build(r, services, nservices, err) ||
      !routes__schema_build(r, services, nservices, err))
    goto fail;
  LOG_INFO("routes", "routes built routes=%zu messages=%zu", r->nroutes, r->registry.n);
  return r;
fail:
  arena_destroy(a);
  return NULL;
}

void routes_destroy(routes_t *r) {
  if (r != NULL)
    arena_destroy(r->arena);
}

size_t routes_count(const routes_t *r) {
  return r->nroutes;
}

const route_method_t *routes_at(const routes_t *r, size_t i) {
  return i < r->nroutes ? &r->routes[i].m : NULL;
}

size_t routes_index(const routes_t *r, const route_method_t *m) {
  /* m is the first member of its routes__route_t, which sits in r->routes. */
  const routes__route_t *rt = (const routes__route_t *)(const void *)m;
  assert(rt >= r->routes && rt < r->routes + r->nroutes);
  return (size_t)(rt - r->routes);
}

/* ---------- matching ---------- */

#define ROUTES__MAX_SEGS 64

typedef struct routes__pseg {
  const char *p;
  size_t len;
} routes__pseg_t;

/* Does `rt` match the split path? Fills `used` with the segments as the template sees them
 * (the last one shortened by the verb). */
static bool routes__try(const routes__route_t *rt, const routes__pseg_t *ps, int n,
                        routes__pseg_t *used) {
  if (rt->dstar ? n < rt->nsegs - 1 : n != rt->nsegs)
    return false;
  memcpy(used, ps, (size_t)n * sizeof(*ps));
  if (rt->verb) {
    routes__pseg_t *last = &used[n - 1];
    if (last->len < rt->verb_len + 1 || last->p[last->len - rt->verb_len - 1] != ':' ||
        memcmp(last->p + last->len - rt->verb_len, rt->verb, rt->verb_len) != 0)
      return false;
    last->len -= rt->verb_len + 1;
  }
  for (int i = 0; i < n; i++) {
    if (used[i].len == 0) /* "//" and a trailing slash match nothing */
      return false;
    if (i >= rt->nsegs - 1 && rt->dstar)
      continue;
    const routes__seg_t *s = &rt->segs[i];
    if (s->kind == ROUTES__SEG_LITERAL &&
        (s->len != used[i].len || memcmp(s->lit, used[i].p, s->len) != 0))
      return false;
  }
  return true;
}

/* < 0 when `a` is more specific than `b` for the same path. */
static int routes__cmp(const routes__route_t *a, const routes__route_t *b) {
  int n = a->nsegs > b->nsegs ? a->nsegs : b->nsegs;
  for (int i = 0; i < n; i++) {
    /* A template that ended (its ** took nothing, or it is shorter) ranks as a literal. */
    int ka = i < a->nsegs ? (int)a->segs[i].kind : 0;
    int kb = i < b->nsegs ? (int)b->segs[i].kind : 0;
    if (ka != kb)
      return ka - kb;
  }
  return (b->verb != NULL) - (a->verb != NULL);
}

/* Percent-decodes s[0..n) into the arena. `keep_slash`: %2F stays as the three characters (a
 * multi-segment variable, per http.proto). False on a bad escape, a NUL or invalid UTF-8. */
static const char *routes__decode(arena_t *a, const char *s, size_t n, bool keep_slash) {
  char *out = arena_alloc(a, n + 1), *o = out;
  for (size_t i = 0; i < n; i++) {
    if (s[i] != '%') {
      *o++ = s[i];
      continue;
    }
    if (i + 2 >= n)
      return NULL;
    int hi = text_hex_value(s[i + 1]), lo = text_hex_value(s[i + 2]);
    if (hi < 0 || lo < 0)
      return NULL;
    int v = hi * 16 + lo;
    if (v == 0)
      return NULL;
    if (keep_slash && v == '/') {
      memcpy(o, s + i, 3);
      o += 3;
    } else {
      *o++ = (char)v;
    }
    i += 2;
  }
  *o = '\0';
  return text_utf8_valid(out, (size_t)(o - out)) ? out : NULL;
}

static bool routes__method_is(const char *m, size_t n, const char *want) {
  return strlen(want) == n && memcmp(m, want, n) == 0;
}

static void routes__allow_add(char *allow, size_t cap, size_t *used, const char *m) {
  size_t ml = strlen(m);
  /* Already listed? Compare against ", "-separated entries. */
  for (const char *p = allow; *used > 0 && p < allow + *used;) {
    const char *e = strstr(p, ", ");
    size_t len = e ? (size_t)(e - p) : strlen(p);
    if (len == ml && memcmp(p, m, ml) == 0)
      return;
    if (e == NULL)
      break;
    p = e + 2;
  }
  size_t need = ml + (*used ? 2 : 0);
  if (*used + need + 1 > cap)
    return;
  if (*used)
    memcpy(allow + *used, ", ", 2), *used += 2;
  memcpy(allow + *used, m, ml);
  *used += ml;
  allow[*used] = '\0';
}

route_result_t routes_match(const routes_t *r, arena_t *a, const char *method, size_t method_len,
                            const char *path, size_t path_len, route_match_t *out, char *allow,
                            size_t allow_cap) {
  memset(out, 0, sizeof(*out));
  if (allow_cap > 0)
    allow[0] = '\0';
  if (path_len == 0 || path[0] != '/')
    return ROUTE_NOT_FOUND;
  routes__pseg_t ps[ROUTES__MAX_SEGS], used[ROUTES__MAX_SEGS], best_used[ROUTES__MAX_SEGS];
  int n = 0;
  for (size_t i = 1, st = 1;; i++) {
    if (i == path_len || path[i] == '/') {
      if (n == ROUTES__MAX_SEGS)
        return ROUTE_NOT_FOUND;
      ps[n++] = (routes__pseg_t){path + st, i - st};
      st = i + 1;
      if (i == path_len)
        break;
    }
  }
  /* HEAD is answered by the GET route (the HTTP layer drops the body). */
  const char *want = routes__method_is(method, method_len, "HEAD") ? "GET" : NULL;
  const routes__route_t *best = NULL;
  for (size_t i = 0; i < r->nroutes; i++) {
    const routes__route_t *rt = &r->routes[i];
    if (want ? strcmp(rt->m.http_method, want) != 0
             : !routes__method_is(method, method_len, rt->m.http_method))
      continue;
    if (!routes__try(rt, ps, n, used))
      continue;
    if (best == NULL || routes__cmp(rt, best) < 0) {
      best = rt;
      memcpy(best_used, used, (size_t)n * sizeof(*used));
    }
  }
  if (best == NULL) {
    size_t al = 0;
    bool any = false, get = false;
    for (size_t i = 0; i < r->nroutes; i++)
      if (routes__try(&r->routes[i], ps, n, used)) {
        any = true;
        get |= strcmp(r->routes[i].m.http_method, "GET") == 0;
      }
    if (!any)
      return ROUTE_NOT_FOUND;
    /* A stable order: the common methods first, then custom ones as declared. */
    static const char *const order[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"};
    for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++)
      for (size_t i = 0; i < r->nroutes; i++)
        if ((k == 1 ? get : strcmp(r->routes[i].m.http_method, order[k]) == 0) &&
            routes__try(&r->routes[i], ps, n, used)) {
          routes__allow_add(allow, allow_cap, &al, order[k]);
          break;
        }
    for (size_t i = 0; i < r->nroutes; i++)
      if (routes__try(&r->routes[i], ps, n, used))
        routes__allow_add(allow, allow_cap, &al, r->routes[i].m.http_method);
    return ROUTE_METHOD_NOT_ALLOWED;
  }

  out->route = &best->m;
  for (int v = 0; v < best->nvars; v++) {
    const routes__var_t *var = &best->vars[v];
    int end = var->end;
    if (best->dstar && end == best->nsegs)
      end = n; /* ** takes the rest, possibly nothing */
    const char *value;
    if (var->start >= end) {
      value = "";
    } else {
      const char *b = best_used[var->start].p;
      const char *e = best_used[end - 1].p + best_used[end - 1].len;
      value = routes__decode(a, b, (size_t)(e - b), var->multi);
      if (value == NULL) {
        memset(out, 0, sizeof(*out));
        return ROUTE_NOT_FOUND;
      }
    }
    out->vars[out->nvars].field_path = var->field_path;
    out->vars[out->nvars].value = value;
    out->nvars++;
  }
  return ROUTE_FOUND;
}

const transcode_schema_t *routes_schema(const routes_t *r) {
  return &r->schema;
}
