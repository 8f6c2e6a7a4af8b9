/*
 * transcode.c — JSON ⇄ protobuf-c by descriptor (the proto3 JSON mapping).
 *
 * Parsing goes through cJSON (a tree, freed before returning) and writes the message straight
 * into the arena; printing writes JSON text straight into a growing arena buffer, because the
 * gateway prints every reply and a cJSON tree would only be copied again.
 *
 * It must never allocate request memory outside the arena (cJSON's tree is the one malloc, and
 * it is deleted on every exit), never trust the body's shape (every node's type is checked,
 * nesting is bounded by TRANSCODE_MAX_DEPTH) and never log the body: it may hold personal data.
 *
 * Known limit: cJSON keeps numbers as doubles, so a 64-bit integer given as a JSON *number*
 * beyond ±2^53 is refused rather than silently rounded; given as a string it is exact.
 */
#include "core/common/transcode.h"

#include "core/common/text.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

/* ------------------------------------------------------------------------------------------ */
/* Context and errors                                                                         */

typedef struct tc_ctx {
  arena_t *a;
  const transcode_schema_t *schema;
  eh_err_t *err;
  char path[256]; /* JSON path of the node being handled, for field violations */
  size_t plen;
} tc_ctx_t;

static void tc_ctx_init(tc_ctx_t *c, arena_t *a, const transcode_schema_t *schema, eh_err_t *err) {
  c->a = a;
  c->schema = schema;
  c->err = err;
  c->path[0] = '\0';
  c->plen = 0;
}


/* Copies user text that an error message echoes (a key, an enum name): at most cap-1 bytes,
 * never half a character, '?' for bytes that are not UTF-8, so the error stays printable. */
static void tc_safe_copy(char *dst, size_t cap, const char *src) {
  const unsigned char *p = (const unsigned char *)src;
  size_t n = strlen(src), o = 0;
  uint32_t cp;
  while (n > 0) {
    size_t k = text_utf8_next(p, n, &cp);
    size_t w = k ? k : 1;
    if (o + w >= cap)
      break;
    if (k)
      memcpy(dst + o, p, k);
    else
      dst[o] = '?';
    o += w, p += w, n -= w;
  }
  dst[o] = '\0';
}

/* Appends ".name" (or "name" at the root) or "[i]"; returns the old length for tc_path_pop. */
static size_t tc_path_push_key(tc_ctx_t *c, const char *key) {
  size_t old = c->plen;
  if (c->plen > 0 && c->plen + 1 < sizeof(c->path))
    c->path[c->plen++] = '.';
  tc_safe_copy(c->path + c->plen, sizeof(c->path) - c->plen, key);
  c->plen += strlen(c->path + c->plen);
  return old;
}

static size_t tc_path_push_index(tc_ctx_t *c, size_t i) {
  size_t old = c->plen;
  int n = snprintf(c->path + c->plen, sizeof(c->path) - c->plen, "[%zu]", i);
  if (n > 0)
    c->plen = c->plen + (size_t)n < sizeof(c->path) ? c->plen + (size_t)n : sizeof(c->path) - 1;
  return old;
}

static void tc_path_pop(tc_ctx_t *c, size_t old) {
  c->plen = old;
  c->path[old] = '\0';
}

/* An error on the current path: "字段 <path> <zh>" / "field <path> <en>", or about the whole
 * body at the root. */
static bool tc_fail_msg(tc_ctx_t *c, eh_status_t code, const char *zh, const char *en) {
  if (c->plen > 0) {
    char zh2[512], en2[512];
    snprintf(zh2, sizeof(zh2), "字段 %s %s", c->path, zh);
    snprintf(en2, sizeof(en2), "field %s %s", c->path, en);
    return eh_err_set(c->err, code, c->path, "%s%.0s", "%.0s%s", zh2, en2);
  }
  char zh2[512], en2[512];
  snprintf(zh2, sizeof(zh2), "请求体%s", zh);
  snprintf(en2, sizeof(en2), "the body %s", en);
  return eh_err_set(c->err, code, NULL, "%s%.0s", "%.0s%s", zh2, en2);
}

/* zh and en take the same arguments. */
__attribute__((format(printf, 3, 5))) __attribute__((format(printf, 4, 5))) static bool
tc_fail(tc_ctx_t *c, eh_status_t code, const char *zh_fmt, const char *en_fmt, ...) {
  char zh[192], en[192];
  va_list ap, ap2;
  va_start(ap, en_fmt);
  va_copy(ap2, ap);
  vsnprintf(zh, sizeof(zh), zh_fmt, ap);
  vsnprintf(en, sizeof(en), en_fmt, ap2);
  va_end(ap2);
  va_end(ap);
  return tc_fail_msg(c, code, zh, en);
}

static bool tc_fail_type(tc_ctx_t *c, const char *zh_what, const char *en_what) {
  char zh[128], en[128];
  snprintf(zh, sizeof(zh), "应为%s", zh_what);
  snprintf(en, sizeof(en), "must be %s", en_what);
  return tc_fail_msg(c, EH_INVALID, zh, en);
}

/* ------------------------------------------------------------------------------------------ */
/* Text helpers: UTF-8, base64, names                                                         */

static const char tc_b64_chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int tc_b64_value(unsigned char ch) {
  if (ch >= 'A' && ch <= 'Z')
    return ch - 'A';
  if (ch >= 'a' && ch <= 'z')
    return ch - 'a' + 26;
  if (ch >= '0' && ch <= '9')
    return ch - '0' + 52;
  if (ch == '+' || ch == '-')
    return 62;
  if (ch == '/' || ch == '_')
    return 63;
  return -1;
}

/* Standard or URL-safe alphabet, padded or not. */
static bool tc_b64_decode(arena_t *a, const char *s, ProtobufCBinaryData *out) {
  size_t n = strlen(s);
  while (n > 0 && s[n - 1] == '=')
    n--;
  if (strlen(s) - n > 2 || n % 4 == 1)
    return false;
  uint8_t *buf = arena_alloc(a, n * 3 / 4 + 1);
  size_t o = 0;
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < n; i++) {
    int v = tc_b64_value((unsigned char)s[i]);
    if (v < 0)
      return false;
    acc = (acc << 6) | (uint32_t)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      buf[o++] = (uint8_t)(acc >> bits);
    }
  }
  /* With padding present the total must have been a multiple of 4. */
  if (strlen(s) != n && strlen(s) % 4 != 0)
    return false;
  out->data = buf;
  out->len = o;
  return true;
}

/* protoc's ToJsonName: drop each '_' and upper-case the letter after it. Writes at most cap-1
 * bytes plus NUL; returns the full length. */
static size_t tc_json_name_write(char *buf, size_t cap, const char *name) {
  size_t o = 0;
  bool up = false;
  for (const char *p = name; *p; p++) {
    if (*p == '_') {
      up = true;
      continue;
    }
    char ch = up ? (char)toupper((unsigned char)*p) : *p;
    up = false;
    if (o + 1 < cap)
      buf[o] = ch;
    o++;
  }
  if (cap > 0)
    buf[o < cap ? o : cap - 1] = '\0';
  return o;
}

char *transcode_json_name_derive(arena_t *a, const char *proto_name) {
  size_t n = tc_json_name_write(NULL, 0, proto_name);
  char *s = arena_alloc(a, n + 1);
  tc_json_name_write(s, n + 1, proto_name);
  return s;
}

static const char *tc_json_name_custom(const tc_ctx_t *c, const ProtobufCMessageDescriptor *d,
                                       const ProtobufCFieldDescriptor *f) {
  if (c->schema != NULL && c->schema->json_name != NULL)
    return c->schema->json_name(c->schema->ctx, d, f);
  return NULL;
}

/* Whether `key` equals protoc's JSON name for `name`, without allocating. */
static bool tc_json_name_eq(const char *key, const char *name) {
  bool up = false;
  for (const char *p = name; *p; p++) {
    if (*p == '_') {
      up = true;
      continue;
    }
    char ch = up ? (char)toupper((unsigned char)*p) : *p;
    up = false;
    if (*key++ != ch)
      return false;
  }
  return *key == '\0';
}

static const ProtobufCFieldDescriptor *tc_field_find(const tc_ctx_t *c,
                                                     const ProtobufCMessageDescriptor *d,
                                                     const char *key) {
  const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(d, key);
  if (f != NULL)
    return f;
  for (unsigned i = 0; i < d->n_fields; i++) {
    const char *custom = tc_json_name_custom(c, d, &d->fields[i]);
    if (custom != NULL ? strcmp(custom, key) == 0 : tc_json_name_eq(key, d->fields[i].name))
      return &d->fields[i];
  }
  return NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* Well-known types, recognised by full name so any generated copy of them works.             */

typedef enum {
  WKT_NONE = 0,
  WKT_ANY,
  WKT_TIMESTAMP,
  WKT_DURATION,
  WKT_STRUCT,
  WKT_VALUE,
  WKT_LIST,
  WKT_FIELDMASK,
  WKT_WRAPPER,
  WKT_EMPTY, /* plain {} but, like the others, nested in Any under "value" */
} tc_wkt_t;

static tc_wkt_t tc_wkt(const ProtobufCMessageDescriptor *d) {
  static const char prefix[] = "google.protobuf.";
  if (strncmp(d->name, prefix, sizeof(prefix) - 1) != 0)
    return WKT_NONE;
  const char *n = d->name + sizeof(prefix) - 1;
  static const struct {
    const char *name;
    tc_wkt_t kind;
  } table[] = {
      {"Any", WKT_ANY},           {"Timestamp", WKT_TIMESTAMP}, {"Duration", WKT_DURATION},
      {"Struct", WKT_STRUCT},     {"Value", WKT_VALUE},         {"ListValue", WKT_LIST},
      {"FieldMask", WKT_FIELDMASK}, {"DoubleValue", WKT_WRAPPER}, {"FloatValue", WKT_WRAPPER},
      {"Int64Value", WKT_WRAPPER}, {"UInt64Value", WKT_WRAPPER}, {"Int32Value", WKT_WRAPPER},
      {"UInt32Value", WKT_WRAPPER}, {"BoolValue", WKT_WRAPPER}, {"StringValue", WKT_WRAPPER},
      {"BytesValue", WKT_WRAPPER}, {"Empty", WKT_EMPTY},
  };
  for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
    if (strcmp(n, table[i].name) == 0)
      return table[i].kind;
  return WKT_NONE;
}

static bool tc_is_null_value_enum(const ProtobufCFieldDescriptor *f) {
  return f->type == PROTOBUF_C_TYPE_ENUM &&
         strcmp(((const ProtobufCEnumDescriptor *)f->descriptor)->name,
                "google.protobuf.NullValue") == 0;
}

static bool tc_is_value_msg(const ProtobufCFieldDescriptor *f) {
  return f->type == PROTOBUF_C_TYPE_MESSAGE &&
         tc_wkt((const ProtobufCMessageDescriptor *)f->descriptor) == WKT_VALUE;
}

/* A map field is a repeated message whose type protoc generated as <Field>Entry inside the
 * owner, with key = 1 and value = 2 (protobuf-c keeps no map_entry option). */
static bool tc_is_map(const ProtobufCMessageDescriptor *owner, const ProtobufCFieldDescriptor *f) {
  if (f->label != PROTOBUF_C_LABEL_REPEATED || f->type != PROTOBUF_C_TYPE_MESSAGE)
    return false;
  const ProtobufCMessageDescriptor *e = f->descriptor;
  size_t nl = strlen(e->name), ol = strlen(owner->name);
  if (e->n_fields != 2 || nl < 5 || strcmp(e->name + nl - 5, "Entry") != 0)
    return false;
  if (nl <= ol + 1 || strncmp(e->name, owner->name, ol) != 0 || e->name[ol] != '.')
    return false;
  const ProtobufCFieldDescriptor *k = protobuf_c_message_descriptor_get_field(e, 1);
  const ProtobufCFieldDescriptor *v = protobuf_c_message_descriptor_get_field(e, 2);
  return k != NULL && v != NULL && strcmp(k->name, "key") == 0 && strcmp(v->name, "value") == 0;
}

static const ProtobufCFieldDescriptor *tc_field_named(const ProtobufCMessageDescriptor *d,
                                                      const char *name) {
  const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(d, name);
  if (f == NULL)
    abort(); /* a well-known type without its field: a broken generated copy */
  return f;
}

#define TC_MEMBER(msg, f) ((void *)((char *)(msg) + (f)->offset))
#define TC_CMEMBER(msg, f) ((const void *)((const char *)(msg) + (f)->offset))

/* ------------------------------------------------------------------------------------------ */
/* Field storage                                                                              */

static size_t tc_type_size(ProtobufCType t) {
  switch (t) {
  case PROTOBUF_C_TYPE_INT32:
  case PROTOBUF_C_TYPE_SINT32:
  case PROTOBUF_C_TYPE_SFIXED32:
  case PROTOBUF_C_TYPE_UINT32:
  case PROTOBUF_C_TYPE_FIXED32:
  case PROTOBUF_C_TYPE_FLOAT:
  case PROTOBUF_C_TYPE_ENUM:
    return 4;
  case PROTOBUF_C_TYPE_INT64:
  case PROTOBUF_C_TYPE_SINT64:
  case PROTOBUF_C_TYPE_SFIXED64:
  case PROTOBUF_C_TYPE_UINT64:
  case PROTOBUF_C_TYPE_FIXED64:
  case PROTOBUF_C_TYPE_DOUBLE:
    return 8;
  case PROTOBUF_C_TYPE_BOOL:
    return sizeof(protobuf_c_boolean);
  case PROTOBUF_C_TYPE_STRING:
    return sizeof(char *);
  case PROTOBUF_C_TYPE_BYTES:
    return sizeof(ProtobufCBinaryData);
  case PROTOBUF_C_TYPE_MESSAGE:
    return sizeof(ProtobufCMessage *);
  }
  return 0;
}

/* Before writing a oneof member: if another member holds the union, clear it, so that a
 * message pointer is never read out of a string's bytes. */
static void tc_oneof_claim(ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f) {
  if (!(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
    return;
  uint32_t *kase = (uint32_t *)((char *)msg + f->quantifier_offset);
  if (*kase != f->id)
    memset(TC_MEMBER(msg, f), 0, tc_type_size(f->type));
}

static void tc_mark_present(ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f) {
  if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
    *(uint32_t *)((char *)msg + f->quantifier_offset) = f->id;
  } else if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->type != PROTOBUF_C_TYPE_STRING &&
             f->type != PROTOBUF_C_TYPE_MESSAGE && f->quantifier_offset != 0) {
    *(protobuf_c_boolean *)((char *)msg + f->quantifier_offset) = 1;
  }
}

/* JSON null: the field goes back to its default (and, with presence, to absent). */
static void tc_field_clear(ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f) {
  void *m = TC_MEMBER(msg, f);
  if (f->label == PROTOBUF_C_LABEL_REPEATED) {
    *(size_t *)((char *)msg + f->quantifier_offset) = 0;
    *(void **)m = NULL;
    return;
  }
  if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
    uint32_t *kase = (uint32_t *)((char *)msg + f->quantifier_offset);
    if (*kase == f->id) {
      *kase = 0;
      memset(m, 0, tc_type_size(f->type));
    }
    return;
  }
  if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->type != PROTOBUF_C_TYPE_STRING &&
      f->type != PROTOBUF_C_TYPE_MESSAGE && f->quantifier_offset != 0)
    *(protobuf_c_boolean *)((char *)msg + f->quantifier_offset) = 0;
  if (f->type == PROTOBUF_C_TYPE_STRING)
    *(const void **)m = f->default_value; /* protobuf_c_empty_string for proto3 */
  else if (f->type == PROTOBUF_C_TYPE_MESSAGE || f->default_value == NULL)
    memset(m, 0, tc_type_size(f->type));
  else
    memcpy(m, f->default_value, tc_type_size(f->type));
}

ProtobufCMessage *transcode_message_new(arena_t *a, const ProtobufCMessageDescriptor *desc) {
  ProtobufCMessage *m = arena_alloc(a, desc->sizeof_message);
  protobuf_c_message_init(desc, m);
  return m;
}

/* ------------------------------------------------------------------------------------------ */
/* Scalars from JSON numbers and from text                                                    */

static bool tc_is_int_type(ProtobufCType t, bool *is64, bool *is_signed) {
  switch (t) {
  case PROTOBUF_C_TYPE_INT32:
  case PROTOBUF_C_TYPE_SINT32:
  case PROTOBUF_C_TYPE_SFIXED32:
    *is64 = false, *is_signed = true;
    return true;
  case PROTOBUF_C_TYPE_UINT32:
  case PROTOBUF_C_TYPE_FIXED32:
    *is64 = false, *is_signed = false;
    return true;
  case PROTOBUF_C_TYPE_INT64:
  case PROTOBUF_C_TYPE_SINT64:
  case PROTOBUF_C_TYPE_SFIXED64:
    *is64 = true, *is_signed = true;
    return true;
  case PROTOBUF_C_TYPE_UINT64:
  case PROTOBUF_C_TYPE_FIXED64:
    *is64 = true, *is_signed = false;
    return true;
  default:
    return false;
  }
}

static bool tc_store_int(tc_ctx_t *c, ProtobufCType t, bool neg, uint64_t mag, void *dst) {
  bool is64 = false, sgn = false;
  tc_is_int_type(t, &is64, &sgn);
  if (!sgn && neg && mag != 0)
    return tc_fail(c, EH_INVALID, "超出取值范围", "is out of range");
  uint64_t limit = sgn ? (is64 ? (uint64_t)INT64_MAX : (uint64_t)INT32_MAX)
                       : (is64 ? UINT64_MAX : (uint64_t)UINT32_MAX);
  if (mag > limit + (neg && sgn ? 1u : 0u))
    return tc_fail(c, EH_INVALID, "超出取值范围", "is out of range");
  if (is64) {
    if (sgn)
      *(int64_t *)dst = neg ? (int64_t)(0 - mag) : (int64_t)mag;
    else
      *(uint64_t *)dst = mag;
  } else {
    if (sgn)
      *(int32_t *)dst = neg ? (int32_t)(0 - (uint32_t)mag) : (int32_t)mag;
    else
      *(uint32_t *)dst = (uint32_t)mag;
  }
  return true;
}

static bool tc_int_from_double(tc_ctx_t *c, ProtobufCType t, double v, void *dst) {
  if (!isfinite(v) || v != trunc(v))
    return tc_fail_type(c, "整数", "an integer");
  /* Beyond 2^53 a double has already lost digits: refuse instead of storing a wrong id. */
  if (fabs(v) > 9007199254740992.0)
    return tc_fail(c, EH_INVALID, "超出精确范围，请以字符串传入",
                   "is too large to be exact as a number; send it as a string");
  return tc_store_int(c, t, v < 0, (uint64_t)fabs(v), dst);
}

static bool tc_int_from_text(tc_ctx_t *c, ProtobufCType t, const char *s, void *dst) {
  const char *p = s;
  bool neg = false;
  if (*p == '-')
    neg = true, p++;
  if (*p >= '0' && *p <= '9') {
    const char *q = p;
    while (*q >= '0' && *q <= '9')
      q++;
    if (*q == '\0') {
      errno = 0;
      uint64_t mag = strtoull(p, NULL, 10);
      if (errno == ERANGE)
        return tc_fail(c, EH_INVALID, "超出取值范围", "is out of range");
      return tc_store_int(c, t, neg, mag, dst);
    }
  }
  /* "1e3", "5.0": allowed when the value is integral. */
  if (*s != '+' && strpbrk(s, ".eE") != NULL && strspn(s, "0123456789+-.eE") == strlen(s)) {
    char *end;
    double v = strtod(s, &end);
    if (*end == '\0' && end != s)
      return tc_int_from_double(c, t, v, dst);
  }
  return tc_fail_type(c, "整数", "an integer");
}

static bool tc_float_store(tc_ctx_t *c, ProtobufCType t, double v, void *dst) {
  if (t == PROTOBUF_C_TYPE_FLOAT) {
    if (isfinite(v) && fabs(v) > FLT_MAX)
      return tc_fail(c, EH_INVALID, "超出取值范围", "is out of range");
    *(float *)dst = (float)v;
  } else {
    *(double *)dst = v;
  }
  return true;
}

static bool tc_float_from_text(tc_ctx_t *c, ProtobufCType t, const char *s, void *dst) {
  if (strcmp(s, "NaN") == 0)
    return tc_float_store(c, t, NAN, dst);
  if (strcmp(s, "Infinity") == 0)
    return tc_float_store(c, t, INFINITY, dst);
  if (strcmp(s, "-Infinity") == 0)
    return tc_float_store(c, t, -INFINITY, dst);
  if (*s != '\0' && strspn(s, "0123456789+-.eE") == strlen(s)) {
    char *end;
    double v = strtod(s, &end);
    if (*end == '\0' && end != s) {
      if (!isfinite(v))
        return tc_fail(c, EH_INVALID, "超出取值范围", "is out of range");
      return tc_float_store(c, t, v, dst);
    }
  }
  return tc_fail_type(c, "数字", "a number");
}

static bool tc_enum_from_text(tc_ctx_t *c, const ProtobufCFieldDescriptor *f, const char *s,
                              void *dst) {
  const ProtobufCEnumDescriptor *ed = f->descriptor;
  const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value_by_name(ed, s);
  if (ev != NULL) {
    *(int *)dst = ev->value;
    return true;
  }
  const char *p = s;
  if (*p == '-')
    p++;
  if (*p != '\0' && strspn(p, "0123456789") == strlen(p)) {
    errno = 0;
    long long v = strtoll(s, NULL, 10);
    if (errno == 0 && v >= INT32_MIN && v <= INT32_MAX) {
      *(int *)dst = (int)v; /* proto3 enums are open: unknown numbers are kept */
      return true;
    }
  }
  char shown[64];
  tc_safe_copy(shown, sizeof(shown), s);
  return tc_fail(c, EH_INVALID, "的取值 %s 无效", "has an invalid value %s", shown);
}

/* ------------------------------------------------------------------------------------------ */
/* Timestamp, Duration and FieldMask text forms                                               */

#define TC_TS_MIN (-62135596800LL) /* 0001-01-01T00:00:00Z */
#define TC_TS_MAX 253402300799LL   /* 9999-12-31T23:59:59Z */
#define TC_DUR_MAX 315576000000LL  /* 10000 years, as protobuf bounds Duration */

/* Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian). */
static int64_t tc_days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = (unsigned)(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (int64_t)doe - 719468;
}

static void tc_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = (unsigned)(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static bool tc_digits(const char *s, int n, int *out) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9')
      return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

/* ".123" → nanos; *p advanced past the digits. 1 to 9 digits. */
static bool tc_frac_nanos(const char **p, int32_t *nanos) {
  const char *s = *p;
  int n = 0;
  int32_t v = 0;
  while (s[n] >= '0' && s[n] <= '9') {
    if (n == 9)
      return false;
    v = v * 10 + (s[n] - '0');
    n++;
  }
  if (n == 0)
    return false;
  for (int i = n; i < 9; i++)
    v *= 10;
  *nanos = v;
  *p = s + n;
  return true;
}

static bool tc_timestamp_parse(const char *s, int64_t *secs, int32_t *nanos) {
  int y, mo, d, h, mi, se;
  if (strlen(s) < 20 || !tc_digits(s, 4, &y) || s[4] != '-' || !tc_digits(s + 5, 2, &mo) ||
      s[7] != '-' || !tc_digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't') ||
      !tc_digits(s + 11, 2, &h) || s[13] != ':' || !tc_digits(s + 14, 2, &mi) || s[16] != ':' ||
      !tc_digits(s + 17, 2, &se))
    return false;
  static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] + (mo == 2 && leap) || h > 23 ||
      mi > 59 || se > 59)
    return false;
  const char *p = s + 19;
  int32_t ns = 0;
  if (*p == '.') {
    p++;
    if (!tc_frac_nanos(&p, &ns))
      return false;
  }
  int64_t offset = 0;
  if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
    offset = 0;
  } else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':') {
    int oh, om;
    if (!tc_digits(p + 1, 2, &oh) || !tc_digits(p + 4, 2, &om) || oh > 23 || om > 59)
      return false;
    offset = (int64_t)(oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
  } else {
    return false;
  }
  int64_t t = tc_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + se -
              offset;
  if (t < TC_TS_MIN || t > TC_TS_MAX)
    return false;
  *secs = t;
  *nanos = ns;
  return true;
}

/* Writes 0, 3, 6 or 9 fraction digits with their '.', as protobuf prints them. */
static int tc_frac_print(char *buf, size_t cap, int32_t nanos) {
  if (nanos == 0)
    return snprintf(buf, cap, "%s", "");
  if (nanos % 1000000 == 0)
    return snprintf(buf, cap, ".%03" PRId32, nanos / 1000000);
  if (nanos % 1000 == 0)
    return snprintf(buf, cap, ".%06" PRId32, nanos / 1000);
  return snprintf(buf, cap, ".%09" PRId32, nanos);
}

static bool tc_duration_parse(const char *s, int64_t *secs, int32_t *nanos) {
  const char *p = s;
  bool neg = false;
  if (*p == '-')
    neg = true, p++;
  if (*p < '0' || *p > '9')
    return false;
  int64_t v = 0;
  while (*p >= '0' && *p <= '9') {
    v = v * 10 + (*p - '0');
    if (v > TC_DUR_MAX)
      return false;
    p++;
  }
  int32_t ns = 0;
  if (*p == '.') {
    p++;
    if (!tc_frac_nanos(&p, &ns))
      return false;
  }
  if (p[0] != 's' || p[1] != '\0')
    return false;
  *secs = neg ? -v : v;
  *nanos = neg ? -ns : ns;
  return true;
}

/* ------------------------------------------------------------------------------------------ */
/* JSON → message                                                                             */

static bool tc_parse_msg(tc_ctx_t *c, const ProtobufCMessageDescriptor *d, ProtobufCMessage *msg,
                         const cJSON *node, int depth, bool any_body);
static bool tc_parse_field(tc_ctx_t *c, ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f,
                           const cJSON *node, int depth);

static bool tc_wkt_from_text(tc_ctx_t *c, const ProtobufCMessageDescriptor *d,
                             ProtobufCMessage *msg, const char *s);

/* A value of a scalar, enum, string or bytes field from text (a JSON string, a map key, a path
 * variable or a query parameter). Messages: only the well-known types with a text form. */
static bool tc_text_into(tc_ctx_t *c, const ProtobufCFieldDescriptor *f, const char *s,
                         void *dst) {
  switch (f->type) {
  case PROTOBUF_C_TYPE_STRING:
    if (!text_utf8_valid(s, strlen(s)))
      return tc_fail(c, EH_INVALID, "不是有效的 UTF-8 文本", "is not valid UTF-8");
    *(char **)dst = arena_strdup(c->a, s);
    return true;
  case PROTOBUF_C_TYPE_BYTES:
    if (!tc_b64_decode(c->a, s, dst))
      return tc_fail_type(c, "base64 编码", "base64");
    return true;
  case PROTOBUF_C_TYPE_BOOL:
    if (strcmp(s, "true") == 0)
      *(protobuf_c_boolean *)dst = 1;
    else if (strcmp(s, "false") == 0)
      *(protobuf_c_boolean *)dst = 0;
    else
      return tc_fail_type(c, "布尔值 (true 或 false)", "true or false");
    return true;
  case PROTOBUF_C_TYPE_ENUM:
    return tc_enum_from_text(c, f, s, dst);
  case PROTOBUF_C_TYPE_FLOAT:
  case PROTOBUF_C_TYPE_DOUBLE:
    return tc_float_from_text(c, f->type, s, dst);
  case PROTOBUF_C_TYPE_MESSAGE: {
    ProtobufCMessage **pm = dst;
    if (*pm == NULL)
      *pm = transcode_message_new(c->a, f->descriptor);
    return tc_wkt_from_text(c, f->descriptor, *pm, s);
  }
  default:
    return tc_int_from_text(c, f->type, s, dst);
  }
}

static bool tc_wkt_from_text(tc_ctx_t *c, const ProtobufCMessageDescriptor *d,
                             ProtobufCMessage *msg, const char *s) {
  switch (tc_wkt(d)) {
  case WKT_TIMESTAMP: {
    int64_t secs;
    int32_t nanos;
    if (!tc_timestamp_parse(s, &secs, &nanos))
      return tc_fail(c, EH_INVALID, "应为 RFC 3339 时间，如 2024-01-02T15:04:05Z",
                     "must be an RFC 3339 time such as 2024-01-02T15:04:05Z");
    *(int64_t *)TC_MEMBER(msg, tc_field_named(d, "seconds")) = secs;
    *(int32_t *)TC_MEMBER(msg, tc_field_named(d, "nanos")) = nanos;
    return true;
  }
  case WKT_DURATION: {
    int64_t secs;
    int32_t nanos;
    if (!tc_duration_parse(s, &secs, &nanos))
      return tc_fail(c, EH_INVALID, "应为时长，如 1.5s", "must be a duration such as 1.5s");
    *(int64_t *)TC_MEMBER(msg, tc_field_named(d, "seconds")) = secs;
    *(int32_t *)TC_MEMBER(msg, tc_field_named(d, "nanos")) = nanos;
    return true;
  }
  case WKT_FIELDMASK: {
    const ProtobufCFieldDescriptor *pf = tc_field_named(d, "paths");
    size_t n = 0;
    if (*s != '\0') {
      n = 1;
      for (const char *p = s; *p; p++)
        n += *p == ',';
    }
    char **paths = n ? arena_alloc(c->a, n * sizeof(char *)) : NULL;
    const char *p = s;
    for (size_t i = 0; i < n; i++) {
      const char *e = strchr(p, ',');
      size_t len = e ? (size_t)(e - p) : strlen(p);
      /* lowerCamel → snake_case, segment by segment. */
      char *out = arena_alloc(c->a, len * 2 + 1), *o = out;
      for (size_t k = 0; k < len; k++) {
        unsigned char ch = (unsigned char)p[k];
        if (ch == '_' || !(isalnum(ch) || ch == '.'))
          return tc_fail(c, EH_INVALID, "的路径无效", "has an invalid path");
        if (isupper(ch)) {
          *o++ = '_';
          *o++ = (char)tolower(ch);
        } else {
          *o++ = (char)ch;
        }
      }
      *o = '\0';
      paths[i] = out;
      p = e ? e + 1 : p + len;
    }
    *(size_t *)((char *)msg + pf->quantifier_offset) = n;
    *(char ***)TC_MEMBER(msg, pf) = paths;
    return true;
  }
  case WKT_WRAPPER: {
    const ProtobufCFieldDescriptor *vf = tc_field_named(d, "value");
    return tc_text_into(c, vf, s, TC_MEMBER(msg, vf));
  }
  case WKT_VALUE: {
    const ProtobufCFieldDescriptor *sf = tc_field_named(d, "string_value");
    if (!tc_text_into(c, sf, s, TC_MEMBER(msg, sf)))
      return false;
    tc_mark_present(msg, sf);
    return true;
  }
  default:
    return tc_fail(c, EH_INVALID, "不能用文本设置", "cannot be set from text");
  }
}

/* One value (not a whole repeated field) from a JSON node into `dst`. */
static bool tc_value_into(tc_ctx_t *c, const ProtobufCFieldDescriptor *f, const cJSON *node,
                          void *dst, int depth) {
  switch (f->type) {
  case PROTOBUF_C_TYPE_MESSAGE: {
    ProtobufCMessage **pm = dst;
    if (*pm == NULL)
      *pm = transcode_message_new(c->a, f->descriptor);
    return tc_parse_msg(c, f->descriptor, *pm, node, depth + 1, false);
  }
  case PROTOBUF_C_TYPE_STRING:
  case PROTOBUF_C_TYPE_BYTES:
    if (!cJSON_IsString(node))
      return tc_fail_type(c, "字符串", "a string");
    return tc_text_into(c, f, node->valuestring, dst);
  case PROTOBUF_C_TYPE_BOOL:
    if (!cJSON_IsBool(node))
      return tc_fail_type(c, "布尔值 (true 或 false)", "true or false");
    *(protobuf_c_boolean *)dst = cJSON_IsTrue(node) ? 1 : 0;
    return true;
  case PROTOBUF_C_TYPE_ENUM:
    if (cJSON_IsNull(node) && tc_is_null_value_enum(f)) {
      *(int *)dst = 0;
      return true;
    }
    if (cJSON_IsNumber(node)) {
      double v = node->valuedouble;
      if (v != trunc(v) || v < INT32_MIN || v > INT32_MAX)
        return tc_fail(c, EH_INVALID, "的取值 %g 无效", "has an invalid value %g", v);
      *(int *)dst = (int)v;
      return true;
    }
    if (!cJSON_IsString(node))
      return tc_fail_type(c, "枚举名称字符串", "an enum name string");
    return tc_enum_from_text(c, f, node->valuestring, dst);
  case PROTOBUF_C_TYPE_FLOAT:
  case PROTOBUF_C_TYPE_DOUBLE:
    if (cJSON_IsNumber(node)) {
      if (!isfinite(node->valuedouble))
        return tc_fail(c, EH_INVALID, "超出取值范围", "is out of range");
      return tc_float_store(c, f->type, node->valuedouble, dst);
    }
    if (cJSON_IsString(node))
      return tc_float_from_text(c, f->type, node->valuestring, dst);
    return tc_fail_type(c, "数字", "a number");
  default:
    if (cJSON_IsNumber(node))
      return tc_int_from_double(c, f->type, node->valuedouble, dst);
    if (cJSON_IsString(node))
      return tc_int_from_text(c, f->type, node->valuestring, dst);
    return tc_fail_type(c, "整数", "an integer");
  }
}

static bool tc_parse_map(tc_ctx_t *c, ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f,
                         const cJSON *node, int depth) {
  if (!cJSON_IsObject(node))
    return tc_fail_type(c, "对象", "an object");
  const ProtobufCMessageDescriptor *ed = f->descriptor;
  const ProtobufCFieldDescriptor *kf = protobuf_c_message_descriptor_get_field(ed, 1);
  const ProtobufCFieldDescriptor *vf = protobuf_c_message_descriptor_get_field(ed, 2);
  size_t n = (size_t)cJSON_GetArraySize(node), i = 0;
  ProtobufCMessage **entries = n ? arena_alloc(c->a, n * sizeof(*entries)) : NULL;
  for (const cJSON *ch = node->child; ch != NULL; ch = ch->next, i++) {
    size_t old = tc_path_push_key(c, ch->string);
    ProtobufCMessage *e = transcode_message_new(c->a, ed);
    bool ok = tc_text_into(c, kf, ch->string, TC_MEMBER(e, kf));
    if (ok && cJSON_IsNull(ch) && !tc_is_value_msg(vf))
      ok = tc_fail(c, EH_INVALID, "不能为 null", "must not be null");
    if (ok)
      ok = tc_value_into(c, vf, ch, TC_MEMBER(e, vf), depth);
    tc_path_pop(c, old);
    if (!ok)
      return false;
    entries[i] = e;
  }
  *(size_t *)((char *)msg + f->quantifier_offset) = n;
  *(ProtobufCMessage ***)TC_MEMBER(msg, f) = entries;
  return true;
}

static bool tc_parse_repeated(tc_ctx_t *c, ProtobufCMessage *msg,
                              const ProtobufCFieldDescriptor *f, const cJSON *node, int depth) {
  if (!cJSON_IsArray(node))
    return tc_fail_type(c, "数组", "an array");
  size_t n = (size_t)cJSON_GetArraySize(node), sz = tc_type_size(f->type), i = 0;
  char *arr = n ? arena_zalloc(c->a, n * sz) : NULL;
  for (const cJSON *el = node->child; el != NULL; el = el->next, i++) {
    size_t old = tc_path_push_index(c, i);
    bool ok = true;
    if (cJSON_IsNull(el) && !tc_is_value_msg(f))
      ok = tc_fail(c, EH_INVALID, "不能为 null", "must not be null");
    if (ok)
      ok = tc_value_into(c, f, el, arr + i * sz, depth);
    tc_path_pop(c, old);
    if (!ok)
      return false;
  }
  *(size_t *)((char *)msg + f->quantifier_offset) = n;
  *(void **)TC_MEMBER(msg, f) = arr;
  return true;
}

static bool tc_parse_field(tc_ctx_t *c, ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f,
                           const cJSON *node, int depth) {
  if (f->label == PROTOBUF_C_LABEL_REPEATED) {
    if (cJSON_IsNull(node)) {
      tc_field_clear(msg, f);
      return true;
    }
    if (tc_is_map(msg->descriptor, f))
      return tc_parse_map(c, msg, f, node, depth);
    return tc_parse_repeated(c, msg, f, node, depth);
  }
  /* null is the default, except where null is itself a value (Value, NullValue). */
  if (cJSON_IsNull(node) && !tc_is_value_msg(f) && !tc_is_null_value_enum(f)) {
    tc_field_clear(msg, f);
    return true;
  }
  tc_oneof_claim(msg, f);
  if (!tc_value_into(c, f, node, TC_MEMBER(msg, f), depth))
    return false;
  tc_mark_present(msg, f);
  return true;
}

static bool tc_parse_any(tc_ctx_t *c, const ProtobufCMessageDescriptor *d, ProtobufCMessage *msg,
                         const cJSON *node, int depth) {
  if (!cJSON_IsObject(node))
    return tc_fail_type(c, "对象", "an object");
  const cJSON *type = cJSON_GetObjectItemCaseSensitive(node, "@type");
  if (type == NULL) {
    if (node->child == NULL)
      return true; /* {} is the empty Any */
    return tc_fail(c, EH_INVALID, "缺少 @type", "lacks @type");
  }
  size_t old = tc_path_push_key(c, "@type");
  if (!cJSON_IsString(type))
    return tc_fail_type(c, "字符串", "a string");
  const char *url = type->valuestring, *slash = strrchr(url, '/');
  const ProtobufCMessageDescriptor *inner_d = NULL;
  if (slash != NULL && slash[1] != '\0' && c->schema != NULL && c->schema->find_message != NULL)
    inner_d = c->schema->find_message(c->schema->ctx, slash + 1);
  if (inner_d == NULL) {
    char shown[128];
    tc_safe_copy(shown, sizeof(shown), url);
    return tc_fail(c, EH_INVALID, "的类型 %s 未知", "names an unknown type %s", shown);
  }
  tc_path_pop(c, old);
  ProtobufCMessage *inner = transcode_message_new(c->a, inner_d);
  if (tc_wkt(inner_d) != WKT_NONE) {
    const cJSON *value = NULL;
    for (const cJSON *ch = node->child; ch != NULL; ch = ch->next) {
      if (strcmp(ch->string, "value") == 0) {
        value = ch;
      } else if (strcmp(ch->string, "@type") != 0) {
        size_t o = tc_path_push_key(c, ch->string);
        (void)o;
        return tc_fail(c, EH_INVALID, "未定义", "is unknown");
      }
    }
    if (value != NULL) {
      size_t o = tc_path_push_key(c, "value");
      if (!tc_parse_msg(c, inner_d, inner, value, depth + 1, false))
        return false;
      tc_path_pop(c, o);
    }
  } else if (!tc_parse_msg(c, inner_d, inner, node, depth + 1, true)) {
    return false;
  }
  size_t size = protobuf_c_message_get_packed_size(inner);
  uint8_t *buf = arena_alloc(c->a, size ? size : 1);
  protobuf_c_message_pack(inner, buf);
  const ProtobufCFieldDescriptor *tf = tc_field_named(d, "type_url");
  const ProtobufCFieldDescriptor *vf = tc_field_named(d, "value");
  *(char **)TC_MEMBER(msg, tf) = arena_strdup(c->a, url);
  ProtobufCBinaryData *bin = TC_MEMBER(msg, vf);
  bin->data = buf;
  bin->len = size;
  return true;
}

static bool tc_parse_value(tc_ctx_t *c, const ProtobufCMessageDescriptor *d,
                           ProtobufCMessage *msg, const cJSON *node, int depth) {
  const char *member;
  if (cJSON_IsNull(node))
    member = "null_value";
  else if (cJSON_IsNumber(node))
    member = "number_value";
  else if (cJSON_IsString(node))
    member = "string_value";
  else if (cJSON_IsBool(node))
    member = "bool_value";
  else if (cJSON_IsObject(node))
    member = "struct_value";
  else if (cJSON_IsArray(node))
    member = "list_value";
  else
    return tc_fail_type(c, "JSON 值", "a JSON value");
  const ProtobufCFieldDescriptor *f = tc_field_named(d, member);
  tc_oneof_claim(msg, f);
  bool ok;
  if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
    /* The Value wrapper adds no JSON level, so it does not count towards the depth. */
    ProtobufCMessage **pm = TC_MEMBER(msg, f);
    if (*pm == NULL)
      *pm = transcode_message_new(c->a, f->descriptor);
    ok = tc_parse_msg(c, f->descriptor, *pm, node, depth, false);
  } else {
    ok = tc_value_into(c, f, node, TC_MEMBER(msg, f), depth);
  }
  if (ok)
    tc_mark_present(msg, f);
  return ok;
}

static bool tc_parse_msg(tc_ctx_t *c, const ProtobufCMessageDescriptor *d, ProtobufCMessage *msg,
                         const cJSON *node, int depth, bool any_body) {
  if (depth > TRANSCODE_MAX_DEPTH)
    return tc_fail(c, EH_INVALID, "嵌套超过 %d 层", "is nested deeper than %d levels",
                   TRANSCODE_MAX_DEPTH);
  switch (any_body ? WKT_NONE : tc_wkt(d)) {
  case WKT_NONE:
  case WKT_EMPTY:
    break;
  case WKT_ANY:
    return tc_parse_any(c, d, msg, node, depth);
  case WKT_VALUE:
    return tc_parse_value(c, d, msg, node, depth);
  case WKT_STRUCT:
    return tc_parse_map(c, msg, tc_field_named(d, "fields"), node, depth);
  case WKT_LIST:
    return tc_parse_repeated(c, msg, tc_field_named(d, "values"), node, depth);
  case WKT_WRAPPER: {
    const ProtobufCFieldDescriptor *vf = tc_field_named(d, "value");
    return tc_value_into(c, vf, node, TC_MEMBER(msg, vf), depth);
  }
  case WKT_TIMESTAMP:
  case WKT_DURATION:
  case WKT_FIELDMASK:
    if (!cJSON_IsString(node))
      return tc_fail_type(c, "字符串", "a string");
    return tc_wkt_from_text(c, d, msg, node->valuestring);
  }
  if (!cJSON_IsObject(node))
    return tc_fail_type(c, "对象", "an object");
  /* Which fields this object set: a repeated key or a second oneof member is an error. */
  uint8_t seen_small[64];
  uint8_t *seen = d->n_fields <= sizeof(seen_small) ? seen_small : arena_alloc(c->a, d->n_fields);
  memset(seen, 0, d->n_fields);
  for (const cJSON *ch = node->child; ch != NULL; ch = ch->next) {
    if (any_body && strcmp(ch->string, "@type") == 0)
      continue;
    size_t old = tc_path_push_key(c, ch->string);
    const ProtobufCFieldDescriptor *f = tc_field_find(c, d, ch->string);
    if (f == NULL)
      return tc_fail(c, EH_INVALID, "未定义", "is unknown");
    size_t idx = (size_t)(f - d->fields);
    if (seen[idx])
      return tc_fail(c, EH_INVALID, "重复出现", "appears more than once");
    if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) && !cJSON_IsNull(ch)) {
      for (unsigned j = 0; j < d->n_fields; j++) {
        const ProtobufCFieldDescriptor *g = &d->fields[j];
        if (seen[j] == 2 && (g->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
            g->quantifier_offset == f->quantifier_offset)
          return tc_fail(c, EH_INVALID, "与 %s 属于同一组 oneof，只能设置其一",
                         "belongs to the same oneof as %s; set only one of them", g->name);
      }
    }
    seen[idx] = (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) && !cJSON_IsNull(ch) ? 2 : 1;
    if (!tc_parse_field(c, msg, f, ch, depth))
      return false;
    tc_path_pop(c, old);
  }
  return true;
}

static bool tc_parse_text(tc_ctx_t *c, ProtobufCMessage *msg, const char *json, size_t len) {
  size_t i = 0;
  while (i < len && (json[i] == ' ' || json[i] == '\t' || json[i] == '\n' || json[i] == '\r'))
    i++;
  if (i == len)
    return true; /* an empty body is the empty message */
  const char *end = NULL;
  cJSON *root = cJSON_ParseWithLengthOpts(json, len, &end, 0);
  size_t at = end != NULL && end >= json ? (size_t)(end - json) : 0;
  if (root != NULL) {
    while (at < len && (json[at] == ' ' || json[at] == '\t' || json[at] == '\n' ||
                        json[at] == '\r'))
      at++;
    if (at < len) { /* trailing bytes after the value */
      cJSON_Delete(root);
      root = NULL;
    }
  }
  if (root == NULL)
    return eh_err_set(c->err, EH_INVALID, NULL, "请求体不是有效的 JSON（约第 %zu 字节处）",
                      "the request body is not valid JSON (near byte %zu)", at);
  bool ok = tc_parse_msg(c, msg->descriptor, msg, root, 0, false);
  cJSON_Delete(root);
  return ok;
}

ProtobufCMessage *transcode_json_to_pb(arena_t *a, const transcode_schema_t *schema,
                                       const ProtobufCMessageDescriptor *desc, const char *json,
                                       size_t len, eh_err_t *err) {
  ProtobufCMessage *msg = transcode_message_new(a, desc);
  return transcode_json_merge(a, schema, msg, json, len, err) ? msg : NULL;
}

bool transcode_json_merge(arena_t *a, const transcode_schema_t *schema, ProtobufCMessage *msg,
                          const char *json, size_t len, eh_err_t *err) {
  tc_ctx_t c;
  tc_ctx_init(&c, a, schema, err);
  return tc_parse_text(&c, msg, json, len);
}

/* ------------------------------------------------------------------------------------------ */
/* Paths: path variables, query parameters, body: "field"                                     */

/* Walks "a.b.c" to the last segment: *owner is the message holding it (created on the way when
 * `create`), returns its field. Intermediate fields must be singular messages. */
static const ProtobufCFieldDescriptor *tc_path_walk(tc_ctx_t *c,
                                                    const ProtobufCMessageDescriptor *d,
                                                    ProtobufCMessage **owner, const char *path) {
  const char *p = path;
  for (;;) {
    const char *dot = strchr(p, '.');
    size_t n = dot ? (size_t)(dot - p) : strlen(p);
    char seg[128];
    if (n == 0 || n >= sizeof(seg)) {
      tc_fail(c, EH_INVALID, "路径无效", "is not a valid path");
      return NULL;
    }
    memcpy(seg, p, n);
    seg[n] = '\0';
    const ProtobufCFieldDescriptor *f = tc_field_find(c, d, seg);
    if (f == NULL) {
      tc_fail(c, EH_INVALID, "未定义", "is unknown");
      return NULL;
    }
    if (dot == NULL)
      return f;
    if (f->type != PROTOBUF_C_TYPE_MESSAGE || f->label == PROTOBUF_C_LABEL_REPEATED) {
      tc_fail(c, EH_INVALID, "路径无效", "is not a valid path");
      return NULL;
    }
    if (owner != NULL) {
      ProtobufCMessage *m = *owner;
      tc_oneof_claim(m, f);
      ProtobufCMessage **pm = TC_MEMBER(m, f);
      if (*pm == NULL)
        *pm = transcode_message_new(c->a, f->descriptor);
      tc_mark_present(m, f);
      *owner = *pm;
    }
    d = f->descriptor;
    p = dot + 1;
  }
}

/* Appends one zeroed element to a repeated field; returns it. */
static void *tc_repeated_append(arena_t *a, ProtobufCMessage *msg,
                                const ProtobufCFieldDescriptor *f) {
  size_t *n = (size_t *)((char *)msg + f->quantifier_offset), sz = tc_type_size(f->type);
  char *arr = arena_zalloc(a, (*n + 1) * sz);
  if (*n > 0)
    memcpy(arr, *(void **)TC_MEMBER(msg, f), *n * sz);
  *(void **)TC_MEMBER(msg, f) = arr;
  return arr + (*n)++ * sz;
}

bool transcode_set_field_text(arena_t *a, const transcode_schema_t *schema, ProtobufCMessage *msg,
                              const char *path, const char *value, eh_err_t *err) {
  tc_ctx_t c;
  tc_ctx_init(&c, a, schema, err);
  tc_path_push_key(&c, path);
  ProtobufCMessage *owner = msg;
  const ProtobufCFieldDescriptor *f = tc_path_walk(&c, msg->descriptor, &owner, path);
  if (f == NULL)
    return false;
  if (f->label == PROTOBUF_C_LABEL_REPEATED) {
    if (tc_is_map(owner->descriptor, f))
      return tc_fail(&c, EH_INVALID, "不能用文本设置", "cannot be set from text");
    size_t *n = (size_t *)((char *)owner + f->quantifier_offset), keep = *n;
    void *slot = tc_repeated_append(a, owner, f);
    if (!tc_text_into(&c, f, value, slot)) {
      *n = keep;
      return false;
    }
    return true;
  }
  tc_oneof_claim(owner, f);
  if (!tc_text_into(&c, f, value, TC_MEMBER(owner, f)))
    return false;
  tc_mark_present(owner, f);
  return true;
}

const ProtobufCFieldDescriptor *transcode_field_at(const transcode_schema_t *schema,
                                                   const ProtobufCMessageDescriptor *desc,
                                                   const char *path) {
  eh_err_t err = EH_ERR_INIT;
  tc_ctx_t c;
  tc_ctx_init(&c, NULL, schema, &err);
  return tc_path_walk(&c, desc, NULL, path);
}

bool transcode_set_field_message(arena_t *a, const transcode_schema_t *schema,
                                 ProtobufCMessage *msg, const char *path, ProtobufCMessage *value,
                                 eh_err_t *err) {
  tc_ctx_t c;
  tc_ctx_init(&c, a, schema, err);
  tc_path_push_key(&c, path);
  ProtobufCMessage *owner = msg;
  const ProtobufCFieldDescriptor *f = tc_path_walk(&c, msg->descriptor, &owner, path);
  if (f == NULL)
    return false;
  if (f->type != PROTOBUF_C_TYPE_MESSAGE ||
      strcmp(((const ProtobufCMessageDescriptor *)f->descriptor)->name, value->descriptor->name))
    return tc_fail(&c, EH_INVALID, "的类型不符", "has a different type");
  if (f->label == PROTOBUF_C_LABEL_REPEATED) {
    *(ProtobufCMessage **)tc_repeated_append(a, owner, f) = value;
    return true;
  }
  tc_oneof_claim(owner, f);
  *(ProtobufCMessage **)TC_MEMBER(owner, f) = value;
  tc_mark_present(owner, f);
  return true;
}

/* ------------------------------------------------------------------------------------------ */
/* Message → JSON                                                                             */

typedef struct tc_buf {
  arena_t *a;
  char *p;
  size_t len, cap;
} tc_buf_t;

static void tc_buf_reserve(tc_buf_t *b, size_t n) {
  if (b->len + n + 1 <= b->cap)
    return;
  size_t cap = b->cap * 2;
  if (cap < b->len + n + 1)
    cap = b->len + n + 1;
  char *p = arena_alloc(b->a, cap);
  if (b->len > 0)
    memcpy(p, b->p, b->len);
  b->p = p;
  b->cap = cap;
}

static void tc_put(tc_buf_t *b, const char *s, size_t n) {
  tc_buf_reserve(b, n);
  memcpy(b->p + b->len, s, n);
  b->len += n;
}

static void tc_putc(tc_buf_t *b, char ch) {
  tc_buf_reserve(b, 1);
  b->p[b->len++] = ch;
}

static void tc_puts(tc_buf_t *b, const char *s) { tc_put(b, s, strlen(s)); }

/* A JSON string. Invalid UTF-8 (a bug upstream) becomes U+FFFD instead of breaking the reply. */
static void tc_put_string(tc_buf_t *b, const char *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  tc_buf_reserve(b, n + 2);
  tc_putc(b, '"');
  const unsigned char *p = (const unsigned char *)s;
  size_t run = 0; /* bytes that need no escaping, copied in one go */
  for (size_t i = 0; i < n;) {
    unsigned char ch = p[i];
    if (ch >= 0x20 && ch != '"' && ch != '\\' && ch < 0x80) {
      run++, i++;
      continue;
    }
    if (ch >= 0x80) {
      uint32_t cp;
      size_t k = text_utf8_next(p + i, n - i, &cp);
      if (k > 0) {
        run += k, i += k;
        continue;
      }
    }
    tc_put(b, (const char *)p + i - run, run);
    run = 0;
    switch (ch) {
    case '"': tc_put(b, "\\\"", 2); break;
    case '\\': tc_put(b, "\\\\", 2); break;
    case '\n': tc_put(b, "\\n", 2); break;
    case '\r': tc_put(b, "\\r", 2); break;
    case '\t': tc_put(b, "\\t", 2); break;
    case '\b': tc_put(b, "\\b", 2); break;
    case '\f': tc_put(b, "\\f", 2); break;
    default:
      if (ch < 0x20) {
        char e[6] = {'\\', 'u', '0', '0', hex[ch >> 4], hex[ch & 15]};
        tc_put(b, e, 6);
      } else {
        tc_puts(b, "\xEF\xBF\xBD"); /* U+FFFD for a byte that starts no valid sequence */
      }
    }
    i++;
  }
  tc_put(b, (const char *)p + n - run, run);
  tc_putc(b, '"');
}

static void tc_put_b64(tc_buf_t *b, const uint8_t *d, size_t n) {
  tc_buf_reserve(b, (n + 2) / 3 * 4 + 2);
  char *o = b->p + b->len;
  *o++ = '"';
  size_t i = 0;
  for (; i + 2 < n; i += 3) {
    uint32_t v = (uint32_t)d[i] << 16 | (uint32_t)d[i + 1] << 8 | d[i + 2];
    *o++ = tc_b64_chars[v >> 18], *o++ = tc_b64_chars[(v >> 12) & 63];
    *o++ = tc_b64_chars[(v >> 6) & 63], *o++ = tc_b64_chars[v & 63];
  }
  if (i < n) {
    uint32_t v = (uint32_t)d[i] << 16 | (i + 1 < n ? (uint32_t)d[i + 1] << 8 : 0);
    *o++ = tc_b64_chars[v >> 18], *o++ = tc_b64_chars[(v >> 12) & 63];
    *o++ = i + 1 < n ? tc_b64_chars[(v >> 6) & 63] : '=';
    *o++ = '=';
  }
  *o++ = '"';
  b->len = (size_t)(o - b->p);
}

/* The shortest text that reads back as the same value (float: as the same float). */
static void tc_put_double(tc_buf_t *b, double v, bool is_float) {
  if (isnan(v)) {
    tc_puts(b, "\"NaN\"");
    return;
  }
  if (isinf(v)) {
    tc_puts(b, v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    return;
  }
  char s[40];
  for (int prec = is_float ? 6 : 15; prec <= 17; prec++) {
    snprintf(s, sizeof(s), "%.*g", prec, v);
    if (is_float ? strtof(s, NULL) == (float)v : strtod(s, NULL) == v)
      break;
  }
  tc_puts(b, s);
}

static void tc_printf(tc_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tc_printf(tc_buf_t *b, const char *fmt, ...) {
  char s[64];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(s, sizeof(s), fmt, ap);
  va_end(ap);
  tc_put(b, s, (size_t)n < sizeof(s) ? (size_t)n : sizeof(s) - 1);
}

static bool tc_print_msg(tc_ctx_t *c, tc_buf_t *b, const ProtobufCMessage *msg, int depth);
static bool tc_print_fields(tc_ctx_t *c, tc_buf_t *b, const ProtobufCMessage *msg, bool *first,
                            int depth);

static bool tc_print_value(tc_ctx_t *c, tc_buf_t *b, const ProtobufCFieldDescriptor *f,
                           const void *v, int depth) {
  switch (f->type) {
  case PROTOBUF_C_TYPE_INT32:
  case PROTOBUF_C_TYPE_SINT32:
  case PROTOBUF_C_TYPE_SFIXED32:
    tc_printf(b, "%" PRId32, *(const int32_t *)v);
    return true;
  case PROTOBUF_C_TYPE_UINT32:
  case PROTOBUF_C_TYPE_FIXED32:
    tc_printf(b, "%" PRIu32, *(const uint32_t *)v);
    return true;
  case PROTOBUF_C_TYPE_INT64:
  case PROTOBUF_C_TYPE_SINT64:
  case PROTOBUF_C_TYPE_SFIXED64:
    tc_printf(b, "\"%" PRId64 "\"", *(const int64_t *)v);
    return true;
  case PROTOBUF_C_TYPE_UINT64:
  case PROTOBUF_C_TYPE_FIXED64:
    tc_printf(b, "\"%" PRIu64 "\"", *(const uint64_t *)v);
    return true;
  case PROTOBUF_C_TYPE_FLOAT:
    tc_put_double(b, *(const float *)v, true);
    return true;
  case PROTOBUF_C_TYPE_DOUBLE:
    tc_put_double(b, *(const double *)v, false);
    return true;
  case PROTOBUF_C_TYPE_BOOL:
    tc_puts(b, *(const protobuf_c_boolean *)v ? "true" : "false");
    return true;
  case PROTOBUF_C_TYPE_STRING: {
    const char *s = *(char *const *)v;
    tc_put_string(b, s ? s : "", s ? strlen(s) : 0);
    return true;
  }
  case PROTOBUF_C_TYPE_BYTES: {
    const ProtobufCBinaryData *bin = v;
    tc_put_b64(b, bin->data, bin->len);
    return true;
  }
  case PROTOBUF_C_TYPE_ENUM: {
    int e = *(const int *)v;
    if (tc_is_null_value_enum(f)) {
      tc_puts(b, "null");
      return true;
    }
    const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value(f->descriptor, e);
    if (ev != NULL)
      tc_put_string(b, ev->name, strlen(ev->name));
    else
      tc_printf(b, "%d", e);
    return true;
  }
  case PROTOBUF_C_TYPE_MESSAGE: {
    const ProtobufCMessage *m = *(ProtobufCMessage *const *)v;
    if (m == NULL) /* set but empty (a oneof or map value): print the type's default */
      m = transcode_message_new(c->a, f->descriptor);
    return tc_print_msg(c, b, m, depth + 1);
  }
  }
  return true;
}

static bool tc_print_map(tc_ctx_t *c, tc_buf_t *b, const ProtobufCMessage *msg,
                         const ProtobufCFieldDescriptor *f, int depth) {
  const ProtobufCMessageDescriptor *ed = f->descriptor;
  const ProtobufCFieldDescriptor *kf = protobuf_c_message_descriptor_get_field(ed, 1);
  const ProtobufCFieldDescriptor *vf = protobuf_c_message_descriptor_get_field(ed, 2);
  size_t n = *(const size_t *)((const char *)msg + f->quantifier_offset);
  ProtobufCMessage *const *entries = *(ProtobufCMessage *const *const *)TC_CMEMBER(msg, f);
  tc_putc(b, '{');
  for (size_t i = 0; i < n; i++) {
    if (i > 0)
      tc_putc(b, ',');
    const void *k = TC_CMEMBER(entries[i], kf);
    switch (kf->type) {
    case PROTOBUF_C_TYPE_STRING: {
      const char *s = *(char *const *)k;
      tc_put_string(b, s ? s : "", s ? strlen(s) : 0);
      break;
    }
    case PROTOBUF_C_TYPE_BOOL:
      tc_puts(b, *(const protobuf_c_boolean *)k ? "\"true\"" : "\"false\"");
      break;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
      tc_print_value(c, b, kf, k, depth); /* already quoted */
      break;
    default:
      tc_putc(b, '"');
      tc_print_value(c, b, kf, k, depth);
      tc_putc(b, '"');
    }
    tc_putc(b, ':');
    if (!tc_print_value(c, b, vf, TC_CMEMBER(entries[i], vf), depth))
      return false;
  }
  tc_putc(b, '}');
  return true;
}

static bool tc_print_repeated(tc_ctx_t *c, tc_buf_t *b, const ProtobufCMessage *msg,
                              const ProtobufCFieldDescriptor *f, int depth) {
  size_t n = *(const size_t *)((const char *)msg + f->quantifier_offset);
  size_t sz = tc_type_size(f->type);
  const char *arr = *(const char *const *)TC_CMEMBER(msg, f);
  tc_putc(b, '[');
  for (size_t i = 0; i < n; i++) {
    if (i > 0)
      tc_putc(b, ',');
    if (!tc_print_value(c, b, f, arr + i * sz, depth))
      return false;
  }
  tc_putc(b, ']');
  return true;
}

static bool tc_field_present(const ProtobufCMessage *msg, const ProtobufCFieldDescriptor *f) {
  const char *base = (const char *)msg;
  const void *m = base + f->offset;
  if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
    return *(const uint32_t *)(base + f->quantifier_offset) == f->id;
  switch (f->label) {
  case PROTOBUF_C_LABEL_REPEATED:
    return *(const size_t *)(base + f->quantifier_offset) > 0;
  case PROTOBUF_C_LABEL_REQUIRED:
    return true;
  case PROTOBUF_C_LABEL_OPTIONAL:
    if (f->type == PROTOBUF_C_TYPE_STRING || f->type == PROTOBUF_C_TYPE_MESSAGE)
      return *(void *const *)m != NULL;
    return *(const protobuf_c_boolean *)(base + f->quantifier_offset) != 0;
  default: /* proto3 implicit presence: present when not the default */
    break;
  }
  switch (f->type) {
  case PROTOBUF_C_TYPE_MESSAGE:
    return *(void *const *)m != NULL;
  case PROTOBUF_C_TYPE_STRING: {
    const char *s = *(char *const *)m;
    return s != NULL && s[0] != '\0';
  }
  case PROTOBUF_C_TYPE_BYTES:
    return ((const ProtobufCBinaryData *)m)->len > 0;
  case PROTOBUF_C_TYPE_BOOL:
    return *(const protobuf_c_boolean *)m != 0;
  default: {
    /* Bitwise, as protobuf does: -0.0 is not the default. */
    static const uint8_t zero[8];
    return memcmp(m, zero, tc_type_size(f->type)) != 0;
  }
  }
}

static void tc_put_key(tc_ctx_t *c, tc_buf_t *b, const ProtobufCMessageDescriptor *d,
                       const ProtobufCFieldDescriptor *f) {
  const char *custom = tc_json_name_custom(c, d, f);
  if (custom != NULL) {
    tc_put_string(b, custom, strlen(custom));
  } else {
    size_t n = strlen(f->name); /* the derived name is never longer */
    tc_buf_reserve(b, n + 2);
    b->p[b->len++] = '"';
    b->len += tc_json_name_write(b->p + b->len, n + 1, f->name);
    b->p[b->len++] = '"';
  }
  tc_putc(b, ':');
}

static bool tc_print_fields(tc_ctx_t *c, tc_buf_t *b, const ProtobufCMessage *msg, bool *first,
                            int depth) {
  const ProtobufCMessageDescriptor *d = msg->descriptor;
  for (unsigned i = 0; i < d->n_fields; i++) {
    const ProtobufCFieldDescriptor *f = &d->fields[i];
    if (!tc_field_present(msg, f))
      continue;
    if (!*first)
      tc_putc(b, ',');
    *first = false;
    tc_put_key(c, b, d, f);
    bool ok;
    if (f->label == PROTOBUF_C_LABEL_REPEATED)
      ok = tc_is_map(d, f) ? tc_print_map(c, b, msg, f, depth)
                           : tc_print_repeated(c, b, msg, f, depth);
    else
      ok = tc_print_value(c, b, f, TC_CMEMBER(msg, f), depth);
    if (!ok)
      return false;
  }
  return true;
}

static bool tc_print_any(tc_ctx_t *c, tc_buf_t *b, const ProtobufCMessage *msg, int depth) {
  const ProtobufCMessageDescriptor *d = msg->descriptor;
  const char *url = *(char *const *)TC_CMEMBER(msg, tc_field_named(d, "type_url"));
  const ProtobufCBinaryData *bin = TC_CMEMBER(msg, tc_field_named(d, "value"));
  if (url == NULL || url[0] == '\0') {
    tc_puts(b, "{}");
    return true;
  }
  const char *slash = strrchr(url, '/');
  const ProtobufCMessageDescriptor *inner_d = NULL;
  if (slash != NULL && c->schema != NULL && c->schema->find_message != NULL)
    inner_d = c->schema->find_message(c->schema->ctx, slash + 1);
  if (inner_d == NULL)
    return eh_err_set(c->err, EH_INTERNAL, NULL, "无法输出未知类型的 Any",
                      "cannot print an Any of an unknown type");
  ProtobufCAllocator alloc = arena_pb_allocator(c->a);
  ProtobufCMessage *inner = protobuf_c_message_unpack(inner_d, &alloc, bin->len, bin->data);
  if (inner == NULL)
    return eh_err_set(c->err, EH_INTERNAL, NULL, "Any 的内容无法解析",
                      "the content of an Any cannot be decoded");
  tc_puts(b, "{\"@type\":");
  tc_put_string(b, url, strlen(url));
  if (tc_wkt(inner_d) != WKT_NONE) {
    tc_puts(b, ",\"value\":");
    if (!tc_print_msg(c, b, inner, depth + 1))
      return false;
  } else {
    bool first = false;
    if (!tc_print_fields(c, b, inner, &first, depth + 1))
      return false;
  }
  tc_putc(b, '}');
  return true;
}

static bool tc_print_wkt(tc_ctx_t *c, tc_buf_t *b, tc_wkt_t kind, const ProtobufCMessage *msg,
                         int depth) {
  const ProtobufCMessageDescriptor *d = msg->descriptor;
  switch (kind) {
  case WKT_TIMESTAMP:
  case WKT_DURATION: {
    int64_t secs = *(const int64_t *)TC_CMEMBER(msg, tc_field_named(d, "seconds"));
    int32_t nanos = *(const int32_t *)TC_CMEMBER(msg, tc_field_named(d, "nanos"));
    char frac[16];
    if (kind == WKT_TIMESTAMP) {
      if (secs < TC_TS_MIN || secs > TC_TS_MAX || nanos < 0 || nanos > 999999999)
        return eh_err_set(c->err, EH_INTERNAL, NULL, "时间超出范围", "a time is out of range");
      int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
      int64_t rem = secs - days * 86400, y;
      unsigned mo, dd;
      tc_civil_from_days(days, &y, &mo, &dd);
      tc_frac_print(frac, sizeof(frac), nanos);
      tc_printf(b, "\"%04" PRId64 "-%02u-%02uT%02d:%02d:%02d%sZ\"", y, mo, dd, (int)(rem / 3600),
                (int)(rem / 60 % 60), (int)(rem % 60), frac);
    } else {
      if (secs < -TC_DUR_MAX || secs > TC_DUR_MAX || nanos < -999999999 || nanos > 999999999 ||
          (secs > 0 && nanos < 0) || (secs < 0 && nanos > 0))
        return eh_err_set(c->err, EH_INTERNAL, NULL, "时长超出范围",
                          "a duration is out of range");
      bool neg = secs < 0 || nanos < 0;
      tc_frac_print(frac, sizeof(frac), nanos < 0 ? -nanos : nanos);
      tc_printf(b, "\"%s%" PRId64 "%ss\"", neg ? "-" : "", secs < 0 ? -secs : secs, frac);
    }
    return true;
  }
  case WKT_FIELDMASK: {
    const ProtobufCFieldDescriptor *pf = tc_field_named(d, "paths");
    size_t n = *(const size_t *)((const char *)msg + pf->quantifier_offset);
    char *const *paths = *(char *const *const *)TC_CMEMBER(msg, pf);
    tc_buf_t s = {c->a, NULL, 0, 0};
    for (size_t i = 0; i < n; i++) {
      if (i > 0)
        tc_putc(&s, ',');
      tc_buf_reserve(&s, strlen(paths[i]));
      s.len += tc_json_name_write(s.p + s.len, strlen(paths[i]) + 1, paths[i]);
    }
    tc_put_string(b, s.p ? s.p : "", s.len);
    return true;
  }
  case WKT_WRAPPER: {
    const ProtobufCFieldDescriptor *vf = tc_field_named(d, "value");
    return tc_print_value(c, b, vf, TC_CMEMBER(msg, vf), depth);
  }
  case WKT_STRUCT:
    return tc_print_map(c, b, msg, tc_field_named(d, "fields"), depth);
  case WKT_LIST:
    return tc_print_repeated(c, b, msg, tc_field_named(d, "values"), depth);
  case WKT_VALUE: {
    for (unsigned i = 0; i < d->n_fields; i++) {
      const ProtobufCFieldDescriptor *f = &d->fields[i];
      if (!tc_field_present(msg, f))
        continue;
      if (f->type == PROTOBUF_C_TYPE_DOUBLE && !isfinite(*(const double *)TC_CMEMBER(msg, f)))
        return eh_err_set(c->err, EH_INTERNAL, NULL, "Value 不能是 NaN 或无穷",
                          "a Value cannot be NaN or infinite");
      /* Struct and list inside a Value add no JSON level. */
      return tc_print_value(c, b, f, TC_CMEMBER(msg, f), depth - 1);
    }
    tc_puts(b, "null"); /* an unset Value reads as null rather than failing the reply */
    return true;
  }
  case WKT_ANY:
    return tc_print_any(c, b, msg, depth);
  case WKT_NONE:
  case WKT_EMPTY:
    break;
  }
  return true;
}

static bool tc_print_msg(tc_ctx_t *c, tc_buf_t *b, const ProtobufCMessage *msg, int depth) {
  if (depth > TRANSCODE_MAX_DEPTH * 4) /* only a cyclic or absurd reply gets here */
    return eh_err_set(c->err, EH_INTERNAL, NULL, "回复嵌套过深", "the reply is nested too deeply");
  tc_wkt_t kind = tc_wkt(msg->descriptor);
  if (kind != WKT_NONE && kind != WKT_EMPTY)
    return tc_print_wkt(c, b, kind, msg, depth);
  bool first = true;
  tc_putc(b, '{');
  if (!tc_print_fields(c, b, msg, &first, depth))
    return false;
  tc_putc(b, '}');
  return true;
}

char *transcode_pb_to_json(arena_t *a, const transcode_schema_t *schema, const ProtobufCMessage *msg,
                           size_t *len, eh_err_t *err) {
  tc_ctx_t c;
  tc_ctx_init(&c, a, schema, err);
  tc_buf_t b = {a, NULL, 0, 0};
  tc_buf_reserve(&b, 256);
  if (!tc_print_msg(&c, &b, msg, 0))
    return NULL;
  b.p[b.len] = '\0';
  if (len != NULL)
    *len = b.len;
  return b.p;
}
