/*
 * common.c — the pieces the catalogue's files share (catalog_internal.h).
 */
#include <string.h>

#include "core/catalog/catalog_internal.h"
#include "core/catalog/guide_rules.h"
#include "core/common/transcode.h"
#include "core/store/catalog_store.h"

/* Guides hold no Any and use protoc's derived JSON names, so no schema callbacks. */
static const transcode_schema_t guide_schema = {0};

char *catalog__guide_to_json(arena_t *a, const Ehall__Catalog__V1__Guide *g, size_t *len,
                             eh_err_t *err) {
  Ehall__Catalog__V1__Guide copy = *g;
  Ehall__Catalog__V1__Template **templates = NULL;
  if (g->n_templates > 0) {
    templates = arena_alloc(a, g->n_templates * sizeof *templates);
    for (size_t i = 0; i < g->n_templates; i++) {
      Ehall__Catalog__V1__Template *t = arena_alloc(a, sizeof *t);
      ehall__catalog__v1__template__init(t);
      t->file_id = g->templates[i]->file_id;
      t->name = g->templates[i]->name;
      templates[i] = t;
    }
  }
  copy.templates = templates;
  return transcode_pb_to_json(a, &guide_schema, &copy.base, len, err);
}

Ehall__Catalog__V1__Guide *catalog__guide_from_json(arena_t *a, const char *json, size_t len,
                                                    eh_err_t *err) {
  eh_err_t perr = EH_ERR_INIT;
  ProtobufCMessage *m = transcode_json_to_pb(
      a, &guide_schema, &ehall__catalog__v1__guide__descriptor, json, len, &perr);
  if (m == NULL) {
    eh_err_set(err, EH_INTERNAL, NULL, "服务指南数据损坏，请联系管理员",
               "a stored guide could not be read; please contact the administrator");
    eh_err_detail(err, "stored guide: %s (%s)", perr.detail[0] ? perr.detail : perr.message_en,
                  perr.nfields > 0 ? perr.fields[0].field : "");
    return NULL;
  }
  return (Ehall__Catalog__V1__Guide *)m;
}

const char *catalog__template_url(arena_t *a, const char *file_id, const char *name) {
  static const char hex[] = "0123456789ABCDEF";
  size_t n = strlen(name);
  char *enc = arena_alloc(a, n * 3 + 1), *p = enc;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)name[i];
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      *p++ = (char)c;
    } else {
      *p++ = '%';
      *p++ = hex[c >> 4];
      *p++ = hex[c & 15];
    }
  }
  *p = '\0';
  return arena_printf(a, "/api/v1/catalog/templates/%s/%s", file_id, enc);
}

const char *catalog__json_str(arena_t *a, const char *s) {
  arena_buf_t b = {.a = a};
  arena_buf_putc(&b, '"');
  for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
    if (*p == '"' || *p == '\\') {
      arena_buf_putc(&b, '\\');
      arena_buf_putc(&b, (char)*p);
    } else if (*p < 0x20) {
      arena_buf_puts(&b, arena_printf(a, "\\u%04x", *p));
    } else {
      arena_buf_putc(&b, (char)*p);
    }
  }
  arena_buf_putc(&b, '"');
  return b.p;
}

void catalog__fill_templates(arena_t *a, Ehall__Catalog__V1__Guide *g,
                             const struct store_catalog_template_meta *meta, size_t n_meta) {
  for (size_t i = 0; i < g->n_templates; i++) {
    Ehall__Catalog__V1__Template *t = g->templates[i];
    if (t->file_id == NULL || t->name == NULL)
      continue;
    for (size_t j = 0; j < n_meta; j++) {
      if (strcmp(meta[j].sha256, t->file_id) != 0)
        continue;
      t->content_type = (char *)meta[j].content_type;
      t->size = meta[j].size;
      t->download_url = (char *)catalog__template_url(a, t->file_id, t->name);
      break;
    }
  }
}

void catalog__known_codes(arena_t *a, const store_catalog_category_t *cats, size_t n,
                          guide_known_t *out) {
  const char **c = arena_alloc(a, (n + 1) * sizeof *c);
  const char **t = arena_alloc(a, (n + 1) * sizeof *t);
  *out = (guide_known_t){c, 0, t, 0};
  for (size_t i = 0; i < n; i++) {
    if (cats[i].kind == EHALL__CATALOG__V1__CATEGORY_KIND__CATEGORY_KIND_CATEGORY)
      c[out->n_categories++] = cats[i].code;
    else
      t[out->n_themes++] = cats[i].code;
  }
}
