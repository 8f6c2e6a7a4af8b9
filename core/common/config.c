/*
 * config.c — defaults, file, environment and flags into one struct, validated once.
 * Never prints a secret's value, not even in an error message.
 */
#include "core/common/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static char *cfg__xstrdup(const char *s) {
  char *d = strdup(s);
  if (d == NULL)
    abort();
  return d;
}

static void cfg__env_name(char *buf, size_t cap, const char *prefix, const char *name,
                          const char *suffix) {
  size_t at = (size_t)snprintf(buf, cap, "%s", prefix);
  for (const char *p = name; *p && at + 1 < cap; p++)
    buf[at++] = (*p == '.' || *p == '-') ? '_' : (char)toupper((unsigned char)*p);
  buf[at] = '\0';
  if (suffix)
    snprintf(buf + at, cap - at, "%s", suffix);
}

static bool cfg__read_file_value(const char *path, char **val, const cfg_entry_t *e, eh_err_t *err) {
  FILE *f = fopen(path, "r");
  if (f == NULL)
    return eh_err_set(err, EH_INVALID, e->name, "配置项 %s 的文件无法读取", "cannot read the file for %s",
                      e->name);
  char buf[8192];
  size_t n = fread(buf, 1, sizeof(buf) - 1, f);
  fclose(f);
  while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
    n--;
  buf[n] = '\0';
  *val = cfg__xstrdup(buf);
  return true;
}

static bool cfg__set(const cfg_entry_t *e, void *out, const char *val, eh_err_t *err) {
  char *field = (char *)out + e->offset;
  switch (e->type) {
  case CFG_STRING: {
    long max = e->max > 0 ? e->max : 4096;
    if ((long)strlen(val) > max)
      return eh_err_set(err, EH_INVALID, e->name, "配置项 %s 过长（最多 %ld 字节）",
                        "%s is too long (at most %ld bytes)", e->name, max);
    char **s = (char **)field;
    free(*s);
    *s = cfg__xstrdup(val);
    return true;
  }
  case CFG_INT: {
    char *end;
    errno = 0;
    long v = strtol(val, &end, 10);
    if (errno || end == val || *end != '\0')
      return eh_err_set(err, EH_INVALID, e->name, "配置项 %s 应为整数", "%s must be an integer",
                        e->name);
    if (v < e->min || v > e->max)
      return eh_err_set(err, EH_INVALID, e->name, "配置项 %s 应在 %ld 到 %ld 之间",
                        "%s must be between %ld and %ld", e->name, e->min, e->max);
    *(long *)field = v;
    return true;
  }
  case CFG_BOOL:
    if (!strcmp(val, "1") || !strcasecmp(val, "true") || !strcasecmp(val, "yes") ||
        !strcasecmp(val, "on"))
      *(bool *)field = true;
    else if (!strcmp(val, "0") || !strcasecmp(val, "false") || !strcasecmp(val, "no") ||
             !strcasecmp(val, "off") || !*val)
      *(bool *)field = false;
    else
      return eh_err_set(err, EH_INVALID, e->name, "配置项 %s 应为 true 或 false",
                        "%s must be true or false", e->name);
    return true;
  }
  return false;
}

static const cfg_entry_t *cfg__find(const cfg_entry_t *t, size_t n, const char *name, size_t len,
                                    bool *is_file) {
  *is_file = false;
  for (size_t i = 0; i < n; i++) {
    size_t el = strlen(t[i].name);
    if (el == len && !strncmp(t[i].name, name, len))
      return &t[i];
    if ((t[i].flags & CFG_SECRET) && len == el + 5 && !strncmp(t[i].name, name, el) &&
        !strncmp(name + el, "_file", 5)) {
      *is_file = true;
      return &t[i];
    }
  }
  return NULL;
}

static bool cfg__apply(const cfg_entry_t *t, size_t n, void *out, const char *key, size_t klen,
                       const char *val, const char *where, eh_err_t *err) {
  bool is_file;
  const cfg_entry_t *e = cfg__find(t, n, key, klen, &is_file);
  if (e == NULL)
    return eh_err_set(err, EH_INVALID, NULL, "未知配置项 %.*s（%s）", "unknown setting %.*s (%s)",
                      (int)klen, key, where);
  if (is_file) {
    char *v;
    if (!cfg__read_file_value(val, &v, e, err))
      return false;
    bool ok = cfg__set(e, out, v, err);
    free(v);
    return ok;
  }
  return cfg__set(e, out, val, err);
}

static char *cfg__trim(char *s) {
  while (isspace((unsigned char)*s))
    s++;
  char *e = s + strlen(s);
  while (e > s && isspace((unsigned char)e[-1]))
    *--e = '\0';
  return s;
}

static bool cfg__load_file(const cfg_entry_t *t, size_t n, void *out, const char *path,
                           eh_err_t *err) {
  FILE *f = fopen(path, "r");
  if (f == NULL)
    return eh_err_set(err, EH_INVALID, "config", "无法打开配置文件 %s", "cannot open config file %s",
                      path);
  char line[8192];
  int lineno = 0;
  bool ok = true;
  while (ok && fgets(line, sizeof(line), f)) {
    lineno++;
    char *s = cfg__trim(line);
    if (*s == '\0' || *s == '#')
      continue;
    char *eq = strchr(s, '=');
    if (eq == NULL) {
      ok = eh_err_set(err, EH_INVALID, "config", "配置文件 %s 第 %d 行缺少 =",
                      "config file %s line %d: missing =", path, lineno);
      break;
    }
    *eq = '\0';
    char *k = cfg__trim(s), *v = cfg__trim(eq + 1);
    char where[300];
    snprintf(where, sizeof(where), "%s:%d", path, lineno);
    ok = cfg__apply(t, n, out, k, strlen(k), v, where, err);
  }
  fclose(f);
  return ok;
}

bool cfg_load(const cfg_entry_t *t, size_t n, void *out, const char *prefix, int argc, char **argv,
              int *rest, int *nrest, eh_err_t *err) {
  for (size_t i = 0; i < n; i++) {
    if (t[i].type == CFG_INT && t[i].def == NULL)
      *(long *)((char *)out + t[i].offset) = 0;
    else if (!cfg__set(&t[i], out, t[i].def ? t[i].def : "", err))
      return false;
  }
  /* The file named by --config=, else by PREFIX CONFIG in the environment. */
  const char *file = NULL;
  char env[256];
  cfg__env_name(env, sizeof(env), prefix, "config", NULL);
  file = getenv(env);
  for (int i = 1; i < argc; i++)
    if (!strncmp(argv[i], "--config=", 9))
      file = argv[i] + 9;
  if (file && *file && !cfg__load_file(t, n, out, file, err))
    return false;
  for (size_t i = 0; i < n; i++) {
    cfg__env_name(env, sizeof(env), prefix, t[i].name, NULL);
    const char *v = getenv(env);
    if (v && !cfg__set(&t[i], out, v, err))
      return false;
    if (t[i].flags & CFG_SECRET) {
      cfg__env_name(env, sizeof(env), prefix, t[i].name, "_FILE");
      v = getenv(env);
      if (v) {
        char *fv;
        if (!cfg__read_file_value(v, &fv, &t[i], err))
          return false;
        bool ok = cfg__set(&t[i], out, fv, err);
        free(fv);
        if (!ok)
          return false;
      }
    }
  }
  int nr = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strncmp(a, "--config=", 9))
      continue;
    if (a[0] == '-' && a[1] == '-' && strchr(a, '=')) {
      const char *eq = strchr(a, '=');
      if (!cfg__apply(t, n, out, a + 2, (size_t)(eq - a - 2), eq + 1, "command line", err))
        return false;
      continue;
    }
    if (rest)
      rest[nr] = i;
    nr++;
  }
  if (nrest)
    *nrest = nr;
  return true;
}

void cfg_free(const cfg_entry_t *t, size_t n, void *out) {
  for (size_t i = 0; i < n; i++)
    if (t[i].type == CFG_STRING) {
      char **s = (char **)((char *)out + t[i].offset);
      free(*s);
      *s = NULL;
    }
}

void cfg_print_help(FILE *f, const cfg_entry_t *t, size_t n, const char *prefix) {
  fprintf(f, "Settings (file: --config=FILE; environment overrides the file; --key=value overrides both):\n");
  for (size_t i = 0; i < n; i++) {
    char env[256];
    cfg__env_name(env, sizeof(env), prefix, t[i].name, NULL);
    const char *type = t[i].type == CFG_INT ? "int" : t[i].type == CFG_BOOL ? "bool" : "string";
    fprintf(f, "  %-28s %-6s default=%s", t[i].name, type,
            (t[i].flags & CFG_SECRET) ? "(secret)" : (t[i].def && *t[i].def ? t[i].def : "\"\""));
    if (t[i].type == CFG_INT)
      fprintf(f, " range=[%ld,%ld]", t[i].min, t[i].max);
    fprintf(f, " env=%s\n      %s\n", env,
            t[i].help ? t[i].help : "");
    if (t[i].flags & CFG_SECRET)
      fprintf(f, "      secret: also %s_FILE=path or %s_file = path\n", env, t[i].name);
  }
}
