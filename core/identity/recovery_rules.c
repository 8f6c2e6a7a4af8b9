/*
 * recovery_rules.c — the pure decisions and texts of email binding and password reset (see
 * recovery_rules.h). No I/O, no logging, no randomness of its own; never keeps what it is given.
 */
#include "core/identity/recovery_rules.h"

#include <stdio.h>
#include <string.h>

/* RFC 5322 atext, the characters of a dot-atom local part besides '.'. */
static bool recovery__atext(unsigned char c) {
  if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
    return true;
  return c != '\0' && strchr("!#$%&'*+/=?^_`{|}~-", c) != NULL;
}

static bool recovery__local_ok(const char *s, size_t n) {
  if (n == 0 || n > 64 || s[0] == '.' || s[n - 1] == '.')
    return false;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '.') {
      if (s[i + 1] == '.')
        return false;
    } else if (!recovery__atext(c)) {
      return false;
    }
  }
  return true;
}

static bool recovery__domain_ok(const char *s, size_t n) {
  size_t labels = 0, start = 0;
  bool last_has_letter = false;
  for (size_t i = 0; i <= n; i++) {
    if (i < n && s[i] != '.')
      continue;
    size_t len = i - start;
    if (len == 0 || len > 63 || s[start] == '-' || s[i - 1] == '-')
      return false;
    last_has_letter = false;
    for (size_t j = start; j < i; j++) {
      char c = s[j];
      if (c >= 'a' && c <= 'z')
        last_has_letter = true;
      else if (!((c >= '0' && c <= '9') || c == '-'))
        return false;
    }
    labels++;
    start = i + 1;
  }
  /* A top-level label of digits only would be an IP address, never a mail domain. */
  return labels >= 2 && last_has_letter;
}

bool recovery_email_normalize(arena_t *a, const char *in, const char *field, const char **out,
                              eh_err_t *err) {
  *out = NULL;
  if (in == NULL)
    in = "";
  while (*in == ' ' || *in == '\t')
    in++;
  size_t n = strlen(in);
  while (n > 0 && (in[n - 1] == ' ' || in[n - 1] == '\t'))
    n--;
  if (n == 0)
    return eh_err_set(err, EH_INVALID, field, "请输入邮箱地址", "enter an email address");
  if (n > RECOVERY_EMAIL_MAX)
    return eh_err_set(err, EH_INVALID, field, "邮箱地址过长（最多 254 个字符）",
                      "the email address is too long (at most 254 characters)");
  char *s = arena_strndup(a, in, n);
  for (size_t i = 0; i < n; i++) {
    if (s[i] >= 'A' && s[i] <= 'Z')
      s[i] = (char)(s[i] - 'A' + 'a');
  }
  const char *at = strchr(s, '@');
  if (at == NULL || strchr(at + 1, '@') != NULL || !recovery__local_ok(s, (size_t)(at - s)) ||
      !recovery__domain_ok(at + 1, n - (size_t)(at - s) - 1))
    return eh_err_set(err, EH_INVALID, field, "请输入有效的邮箱地址",
                      "enter a valid email address");
  *out = s;
  return true;
}

bool recovery_login_is_email(const char *login) {
  return login != NULL && strchr(login, '@') != NULL;
}

const char *recovery_campus_id_mask(arena_t *a, const char *campus_id) {
  size_t n = campus_id ? strlen(campus_id) : 0;
  if (n == 0)
    return "***";
  if (n >= 8)
    return arena_printf(a, "%.4s****%s", campus_id, campus_id + n - 2);
  if (n >= 3)
    return arena_printf(a, "%c***%c", campus_id[0], campus_id[n - 1]);
  return arena_printf(a, "%c***", campus_id[0]);
}

bool recovery_code_from_random(uint32_t r, char out[RECOVERY_CODE_LEN + 1]) {
  /* 4,294,000,000 is the largest multiple of 10^6 below 2^32: values from it up would make
   * the low codes more likely. */
  if (r >= 4294000000u)
    return false;
  snprintf(out, RECOVERY_CODE_LEN + 1, "%06u", (unsigned)(r % 1000000u));
  return true;
}

bool recovery_code_wellformed(const char *code) {
  if (code == NULL || strlen(code) != RECOVERY_CODE_LEN)
    return false;
  for (int i = 0; i < RECOVERY_CODE_LEN; i++) {
    if (code[i] < '0' || code[i] > '9')
      return false;
  }
  return true;
}

void recovery_code_hash(const char *pepper, int64_t account_id, const char *email, const char *code,
                        char out[RECOVERY_HASH_HEX_LEN + 1]) {
  char msg[16 + 24 + RECOVERY_EMAIL_MAX + RECOVERY_CODE_LEN + 8];
  int n = snprintf(msg, sizeof(msg), "email_code\n%lld\n%s\n%s", (long long)account_id,
                   email ? email : "", code ? code : "");
  if (n < 0 || (size_t)n >= sizeof(msg))
    n = (int)sizeof(msg) - 1; /* cannot happen for checked inputs; still a fixed hash */
  uint8_t mac[CRYPTO_SHA256_LEN];
  const char *key = pepper ? pepper : "";
  crypto_hmac_sha256(key, strlen(key), msg, (size_t)n, mac);
  crypto_hex_encode(mac, sizeof(mac), out);
  memset(msg, 0, sizeof(msg));
}

bool recovery_token_wellformed(const char *token) {
  if (token == NULL || strlen(token) != RECOVERY_TOKEN_LEN)
    return false;
  for (size_t i = 0; i < RECOVERY_TOKEN_LEN; i++) {
    char c = token[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '_'))
      return false;
  }
  return true;
}

void recovery_token_hash(const char *token, char out[RECOVERY_HASH_HEX_LEN + 1]) {
  crypto_sha256_hex(token, strlen(token), out);
}

const char *recovery_reset_link(arena_t *a, const char *reset_url, const char *token) {
  const char *base = reset_url ? reset_url : "";
  /* A hash-routed page ("…/#/pages/auth/reset") takes its query after the route, so '?' is
   * searched for after the last '#'. */
  const char *hash = strrchr(base, '#');
  const char *route = hash ? hash : base;
  return arena_printf(a, "%s%ctoken=%s", base, strchr(route, '?') ? '&' : '?', token);
}

static long recovery__minutes(long ttl_s) {
  return (ttl_s + 59) / 60;
}

void recovery_code_mail(arena_t *a, const char *code, long ttl_s, const char **subject,
                        const char **body) {
  long m = recovery__minutes(ttl_s);
  *subject = "【网上办事大厅】邮箱验证码 / Email verification code";
  *body = arena_printf(
      a,
      "【网上办事大厅】邮箱验证码 %s，%ld 分钟内有效。请勿告诉他人；如非本人操作，请忽略本邮件。\n"
      "\n"
      "[Online Service Hall] Your email verification code is %s. It is valid for %ld minutes. "
      "Do not share it; if you did not ask for it, ignore this mail.\n",
      code, m, code, m);
}

void recovery_reset_mail(arena_t *a, const char *campus_id_hint, const char *link, long ttl_s,
                         const char **subject, const char **body) {
  long m = recovery__minutes(ttl_s);
  *subject = "【网上办事大厅】重置密码 / Password reset";
  *body = arena_printf(
      a,
      "您好：\n"
      "\n"
      "我们收到了账号 %s 的密码重置申请。请在 %ld "
      "分钟内打开下面的链接设置新密码（链接只能使用一次）：\n"
      "\n"
      "%s\n"
      "\n"
      "重置后，该账号在所有设备上的登录都会失效。如非本人操作，请忽略本邮件，您的密码不会改变。\n"
      "\n"
      "[Online Service Hall] A password reset was requested for account %s. Open the link above "
      "within %ld minutes to set a new password (it works once); every signed-in device will be "
      "signed out. If you did not ask for it, ignore this mail: your password stays unchanged.\n",
      campus_id_hint, m, link, campus_id_hint, m);
}

static bool recovery__en(const char *language) {
  return language != NULL && strncmp(language, "en", 2) == 0;
}

typedef struct {
  const char *zh, *en;
} recovery_text_t;

static const recovery_text_t RECOVERY_LINK_TEXTS[] = {
    [RECOVERY_LINK_VALID] = {"链接有效，请设置新密码", "The link is valid: set a new password."},
    [RECOVERY_LINK_USED] = {"链接已使用，请重新申请重置密码",
                            "This link has already been used: request a new one."},
    [RECOVERY_LINK_EXPIRED] = {"链接已过期，请重新申请重置密码",
                               "This link has expired: request a new one."},
    [RECOVERY_LINK_INVALID] = {"链接无效，请重新申请重置密码",
                               "This link is not valid: request a new one."},
};

static recovery_link_state_t recovery__state_ok(recovery_link_state_t s) {
  return (s >= RECOVERY_LINK_VALID && s <= RECOVERY_LINK_INVALID) ? s : RECOVERY_LINK_INVALID;
}

const char *recovery_link_message(recovery_link_state_t state, const char *language) {
  const recovery_text_t *t = &RECOVERY_LINK_TEXTS[recovery__state_ok(state)];
  return recovery__en(language) ? t->en : t->zh;
}

bool recovery_link_error(recovery_link_state_t state, eh_err_t *err) {
  /* Literal texts (the same as RECOVERY_LINK_TEXTS): eh_err_set formats both messages with
   * one argument list. */
  switch (recovery__state_ok(state)) {
  case RECOVERY_LINK_USED:
    return eh_err_set(err, EH_FAILED_PRECONDITION, NULL, "链接已使用，请重新申请重置密码",
                      "This link has already been used: request a new one.");
  case RECOVERY_LINK_EXPIRED:
    return eh_err_set(err, EH_FAILED_PRECONDITION, NULL, "链接已过期，请重新申请重置密码",
                      "This link has expired: request a new one.");
  default:
    return eh_err_set(err, EH_INVALID, "token", "链接无效，请重新申请重置密码",
                      "This link is not valid: request a new one.");
  }
}

const char *recovery_reset_requested_message(const char *language) {
  return recovery__en(language)
             ? "If the account exists and has a bound email, a reset link has been sent to it."
             : "如果该账号存在且已绑定邮箱，重置链接已发送";
}

const char *recovery_reset_done_message(const char *language) {
  return recovery__en(language) ? "Your password has been reset: log in with the new password."
                                : "密码已重置，请使用新密码登录";
}

bool recovery_code_error(int left, eh_err_t *err) {
  if (left < 0)
    return eh_err_set(err, EH_INVALID, "code", "验证码已失效，请重新获取",
                      "the code is no longer valid: ask for a new one");
  if (left == 0)
    return eh_err_set(err, EH_INVALID, "code", "验证码错误次数过多，请重新获取",
                      "too many wrong codes: ask for a new one");
  return eh_err_set(err, EH_INVALID, "code", "验证码错误，还可尝试 %d 次",
                    "wrong code, %d tries left", left);
}
