/*
 * mailer.c — the outgoing mail of the hall (see mailer.h): mail_enqueue_tx puts a row in
 * mail_outbox inside the caller's transaction; one sender thread per core claims due rows
 * (FOR UPDATE SKIP LOCKED, core/store/mail_store.c), builds an RFC 5322 message (UTF-8 subject
 * as RFC 2047 encoded-words, base64 text/plain body) and hands it to the SMTP server with
 * libcurl, then records the outcome; a refusal is retried with exponential backoff.
 *
 * Never logs a recipient, a subject or a body (they carry codes and reset links), and never
 * puts them in last_error.
 */
#include "core/identity/mailer.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/common/call.h"
#include "core/common/crypto.h"
#include "core/common/log.h"
#include "core/config.h"
#include "core/store/mail_store.h"

#define MAILER_BATCH 16        /* mails claimed per round */
#define MAILER_MAX_ATTEMPTS 20 /* then the row stays, failed, for an operator */
#define MAILER_LEASE_S 300     /* a claimed row is not claimed again for this long */
#define MAILER_BACKOFF_MAX_S 3600
#define MAILER_CONNECT_TIMEOUT_MS 10000
#define MAILER_SEND_TIMEOUT_MS 60000
#define MAILER_DB_TIMEOUT_MS 10000
#define MAILER_SENDER_NAME "网上办事大厅"

static struct {
  pthread_mutex_t lock;
  pthread_cond_t wake;
  pthread_t thread;
  bool running;
  bool stopping;
  const core_config_t *cfg;
  store_pg_pool_t *pg;
} mailer = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* --- queueing ------------------------------------------------------------------------------- */

static bool mailer__header_safe(const char *s) {
  return s != NULL && *s != '\0' && strpbrk(s, "\r\n") == NULL;
}

bool mail_enqueue_tx(arena_t *a, store_pg_conn_t *conn, const char *to, const char *subject,
                     const char *body, eh_err_t *err) {
  /* Callers pass validated addresses and fixed texts: anything else is a bug, but one that must
   * never turn into header injection, so it is refused here too. */
  if (!mailer__header_safe(to) || strpbrk(to, "<>, ") != NULL || strchr(to, '@') == NULL ||
      !mailer__header_safe(subject) || body == NULL) {
    eh_err_set(err, EH_INTERNAL, NULL, "服务器内部错误", "internal server error");
    eh_err_detail(err, "mail_enqueue_tx: refused a malformed mail");
    return false;
  }
  return store_mail_enqueue_tx(a, conn, to, subject, body, err);
}

/* --- building the message ------------------------------------------------------------------- */

static const char MAILER_B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Standard padded base64 (RFC 4648 §4), as MIME wants it. */
static void mailer__b64(arena_buf_t *b, const unsigned char *s, size_t n) {
  for (size_t i = 0; i < n; i += 3) {
    unsigned v = (unsigned)s[i] << 16;
    if (i + 1 < n)
      v |= (unsigned)s[i + 1] << 8;
    if (i + 2 < n)
      v |= s[i + 2];
    char q[4] = {MAILER_B64[(v >> 18) & 63], MAILER_B64[(v >> 12) & 63],
                 i + 1 < n ? MAILER_B64[(v >> 6) & 63] : '=', i + 2 < n ? MAILER_B64[v & 63] : '='};
    arena_buf_put(b, q, 4);
  }
}

/* A header value as RFC 2047 "B" encoded-words of UTF-8, each at most 75 characters (45 input
 * bytes), cut only between characters, folded onto continuation lines. */
static void mailer__encoded_words(arena_buf_t *b, const char *s) {
  const unsigned char *p = (const unsigned char *)s;
  size_t n = strlen(s), i = 0;
  bool first = true;
  while (i < n) {
    size_t take = n - i < 45 ? n - i : 45;
    /* Back off to the start of a UTF-8 sequence (never split a character across words). */
    while (i + take < n && take > 0 && (p[i + take] & 0xC0) == 0x80)
      take--;
    if (take == 0)
      take = n - i < 45 ? n - i : 45;
    if (!first)
      arena_buf_puts(b, "\r\n ");
    arena_buf_puts(b, "=?UTF-8?B?");
    mailer__b64(b, p + i, take);
    arena_buf_puts(b, "?=");
    first = false;
    i += take;
  }
}

static bool mailer__ascii_printable(const char *s) {
  for (; *s; s++) {
    if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
      return false;
  }
  return true;
}

/* RFC 5322 date-time in UTC, built by hand so the process locale cannot change it. */
static void mailer__date(arena_buf_t *b, time_t t) {
  static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  struct tm tm;
  gmtime_r(&t, &tm);
  char s[64];
  snprintf(s, sizeof(s), "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
           months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  arena_buf_puts(b, s);
}

/* The whole message with CRLF line ends; the body's line ends are made CRLF before encoding
 * (text/plain's canonical form), then base64 in lines of 76. */
static const char *mailer__message(arena_t *a, const char *from, const store_mail_t *m,
                                   size_t *len) {
  arena_buf_t b = {.a = a};
  arena_buf_puts(&b, "Date: ");
  mailer__date(&b, time(NULL));
  arena_buf_puts(&b, "\r\nFrom: ");
  mailer__encoded_words(&b, MAILER_SENDER_NAME);
  arena_buf_puts(&b, " <");
  arena_buf_puts(&b, from);
  arena_buf_puts(&b, ">\r\nTo: <");
  arena_buf_puts(&b, m->to_addr);
  arena_buf_puts(&b, ">\r\nSubject: ");
  if (mailer__ascii_printable(m->subject))
    arena_buf_puts(&b, m->subject);
  else
    mailer__encoded_words(&b, m->subject);
  uint8_t rnd[8];
  char rhex[17];
  crypto_random(rnd, sizeof(rnd));
  crypto_hex_encode(rnd, sizeof(rnd), rhex);
  const char *at = strchr(from, '@');
  arena_buf_puts(&b, arena_printf(a, "\r\nMessage-ID: <%lld.%s@%s>\r\n", (long long)m->id, rhex,
                                  at && at[1] ? at + 1 : "ehall.invalid"));
  arena_buf_puts(&b, "MIME-Version: 1.0\r\n"
                     "Content-Type: text/plain; charset=UTF-8\r\n"
                     "Content-Transfer-Encoding: base64\r\n"
                     "\r\n");
  arena_buf_t body = {.a = a};
  for (const char *p = m->body; *p; p++) {
    if (*p == '\n' && (p == m->body || p[-1] != '\r'))
      arena_buf_put(&body, "\r\n", 2);
    else
      arena_buf_put(&body, p, 1);
  }
  arena_buf_t enc = {.a = a};
  mailer__b64(&enc, (const unsigned char *)(body.p ? body.p : ""), body.len);
  for (size_t i = 0; i < enc.len; i += 76) {
    arena_buf_put(&b, enc.p + i, enc.len - i < 76 ? enc.len - i : 76);
    arena_buf_puts(&b, "\r\n");
  }
  *len = b.len;
  return b.p;
}

/* --- sending -------------------------------------------------------------------------------- */

typedef struct mailer_reader {
  const char *data;
  size_t len, pos;
} mailer_reader_t;

static size_t mailer__read(char *out, size_t size, size_t nitems, void *ud) {
  mailer_reader_t *r = ud;
  size_t room = size * nitems, left = r->len - r->pos;
  size_t n = left < room ? left : room;
  memcpy(out, r->data + r->pos, n);
  r->pos += n;
  return n;
}

static bool mailer__stopping(void) {
  pthread_mutex_lock(&mailer.lock);
  bool s = mailer.stopping;
  pthread_mutex_unlock(&mailer.lock);
  return s;
}

/* Aborts a transfer in progress when the core is shutting down. */
static int mailer__progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un) {
  (void)ud, (void)dt, (void)dn, (void)ut, (void)un;
  return mailer__stopping() ? 1 : 0;
}

/* One delivery; on failure *error holds what went wrong (libcurl's text and the SMTP code,
 * never the address or the body). */
static bool mailer__send(arena_t *a, const core_config_t *cfg, const store_mail_t *m,
                         const char **error) {
  size_t len = 0;
  mailer_reader_t rd = {.data = mailer__message(a, cfg->smtp_from, m, &len)};
  rd.len = len;
  CURL *c = curl_easy_init();
  if (c == NULL) {
    *error = "curl_easy_init failed";
    return false;
  }
  char errbuf[CURL_ERROR_SIZE] = "";
  struct curl_slist *rcpt = curl_slist_append(NULL, arena_printf(a, "<%s>", m->to_addr));
  curl_easy_setopt(c, CURLOPT_URL, cfg->smtp_url);
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, arena_printf(a, "<%s>", cfg->smtp_from));
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
  curl_easy_setopt(c, CURLOPT_READFUNCTION, mailer__read);
  curl_easy_setopt(c, CURLOPT_READDATA, &rd);
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)MAILER_CONNECT_TIMEOUT_MS);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)MAILER_SEND_TIMEOUT_MS);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, mailer__progress);
  if (cfg->smtp_user != NULL && cfg->smtp_user[0] != '\0') {
    curl_easy_setopt(c, CURLOPT_USERNAME, cfg->smtp_user);
    curl_easy_setopt(c, CURLOPT_PASSWORD, cfg->smtp_password ? cfg->smtp_password : "");
    /* A password never crosses the network in clear: smtp:// with a login requires STARTTLS
     * (smtps:// is TLS from the start anyway). */
    curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
  }
  CURLcode rc = curl_easy_perform(c);
  long smtp_code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &smtp_code);
  curl_slist_free_all(rcpt);
  curl_easy_cleanup(c);
  if (rc == CURLE_OK)
    return true;
  *error = arena_printf(a, "curl %d (%s) smtp %ld: %.300s", (int)rc, curl_easy_strerror(rc),
                        smtp_code, errbuf);
  return false;
}

/* 1 s after the first refusal, doubling to an hour. */
static int mailer__backoff_s(int attempts_before) {
  int s = 1;
  for (int i = 0; i < attempts_before && s < MAILER_BACKOFF_MAX_S; i++)
    s *= 2;
  return s < MAILER_BACKOFF_MAX_S ? s : MAILER_BACKOFF_MAX_S;
}

/* One round: claim what is due and send it. Returns how many were claimed. */
static size_t mailer__round(bool *db_down) {
  arena_t *a = arena_create(0);
  eh_err_t err = EH_ERR_INIT;
  store_mail_t *mails = NULL;
  size_t n = 0;
  if (!store_mail_claim(a, mailer.pg, call_now_ms() + MAILER_DB_TIMEOUT_MS, MAILER_BATCH,
                        MAILER_MAX_ATTEMPTS, MAILER_LEASE_S, &mails, &n, &err)) {
    if (!*db_down)
      LOG_WARN("mailer", "cannot claim mail status=%s detail=%s", eh_status_name(err.code),
               err.detail);
    *db_down = true;
    arena_destroy(a);
    return 0;
  }
  *db_down = false;
  for (size_t i = 0; i < n && !mailer__stopping(); i++) {
    const store_mail_t *m = &mails[i];
    const char *error = NULL;
    eh_err_clear(&err);
    if (mailer__send(a, mailer.cfg, m, &error)) {
      LOG_INFO("mailer", "mail sent id=%lld attempt=%d", (long long)m->id, m->attempts + 1);
      if (!store_mail_mark_sent(a, mailer.pg, call_now_ms() + MAILER_DB_TIMEOUT_MS, m->id, &err))
        LOG_WARN("mailer", "mail sent but not marked id=%lld detail=%s", (long long)m->id,
                 err.detail);
    } else {
      int retry = mailer__backoff_s(m->attempts);
      LOG_WARN("mailer", "mail not sent id=%lld attempt=%d retry_s=%d error=\"%s\"",
               (long long)m->id, m->attempts + 1, retry, error);
      if (m->attempts + 1 >= MAILER_MAX_ATTEMPTS)
        LOG_ERROR("mailer", "mail given up id=%lld attempts=%d", (long long)m->id, m->attempts + 1);
      if (!store_mail_mark_failed(a, mailer.pg, call_now_ms() + MAILER_DB_TIMEOUT_MS, m->id, retry,
                                  error, &err))
        LOG_WARN("mailer", "mail failure not recorded id=%lld detail=%s", (long long)m->id,
                 err.detail);
    }
  }
  arena_destroy(a);
  return n;
}

static void *mailer__main(void *ud) {
  (void)ud;
  bool db_down = false;
  for (;;) {
    size_t claimed = mailer__round(&db_down);
    pthread_mutex_lock(&mailer.lock);
    /* A full batch means more may be due: go again at once. */
    if (!mailer.stopping && claimed < MAILER_BATCH) {
      struct timespec until;
      clock_gettime(CLOCK_MONOTONIC, &until);
      long ms = mailer.cfg->mail_poll_ms;
      until.tv_sec += ms / 1000;
      until.tv_nsec += (ms % 1000) * 1000000L;
      if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
      }
      pthread_cond_timedwait(&mailer.wake, &mailer.lock, &until);
    }
    bool stop = mailer.stopping;
    pthread_mutex_unlock(&mailer.lock);
    if (stop)
      break;
  }
  return NULL;
}

bool mailer_start(const struct core_config *cfg, store_pg_pool_t *pg) {
  if (cfg->smtp_url == NULL || cfg->smtp_url[0] == '\0') {
    LOG_INFO("mailer", "smtp.url is empty: mail stays queued in mail_outbox, nothing is sent");
    return true;
  }
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    LOG_ERROR("mailer", "curl_global_init failed");
    return false;
  }
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&mailer.wake, &ca);
  pthread_condattr_destroy(&ca);
  mailer.cfg = cfg;
  mailer.pg = pg;
  mailer.stopping = false;
  if (pthread_create(&mailer.thread, NULL, mailer__main, NULL) != 0) {
    LOG_ERROR("mailer", "cannot start the mail sender thread");
    pthread_cond_destroy(&mailer.wake);
    curl_global_cleanup();
    return false;
  }
  mailer.running = true;
  LOG_INFO("mailer", "mail sender started poll_ms=%ld", cfg->mail_poll_ms);
  return true;
}

void mailer_stop(void) {
  if (!mailer.running)
    return;
  pthread_mutex_lock(&mailer.lock);
  mailer.stopping = true;
  pthread_cond_signal(&mailer.wake);
  pthread_mutex_unlock(&mailer.lock);
  pthread_join(mailer.thread, NULL);
  pthread_cond_destroy(&mailer.wake);
  mailer.running = false;
  curl_global_cleanup();
}
