/* rush_load — a booking-rush load generator over HTTP/1.1 (for tests/bench/lib/booking_rush.sh).
 *
 * Many logged-in students (one bearer token each) POST to one endpoint at about the same moment,
 * and the latency of bookings ("ok": 200) and of sold-out answers ("full": 429 whose field
 * violation is on slot_id; a person's own limit, 429 on quota, or 409 "you have it" count as
 * "other") is measured apart. One thread, epoll, one keep-alive connection per client; client
 * i (token line i % ntokens) sends its first request at a random moment in [0, spread), the next
 * ones after a random think time. Latency: first byte written to last byte read. Loopback only.
 * --out gets counts, percentiles, the statuses and up to 5 bodies of "other" answers (status 0 is
 * a connection error) and the booked ids; stdout one summary line. --trace F (optional) gets one
 * line per answer: when it was sent (µs since the start), its latency (µs), its HTTP status and
 * its kind (ok, full, other), to see where in a rush the slow answers fall.
 * Exit status: 0 when the run completed, 2 on bad usage, 1 on a setup failure.
 */
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* What a sold-out answer carries (ehall.forms.v1: RESOURCE_EXHAUSTED on slot_id). */
#define FULL_MARK "\"field\":\"slot_id\""

#define MAX_RESPONSE (1 << 20)
#define NSAMPLES 5
#define SAMPLE_BYTES 300

enum { ST_WAIT, ST_CONNECTING, ST_SENDING, ST_READING, ST_DONE };
enum { L_OK, L_FULL, L_ALL };

typedef struct client {
  int fd, state, done, reused, retried, counted, ever;
  unsigned gen; /* a newer timer makes the older ones of this client stale */
  const char *req;
  size_t req_len, sent, len, cap;
  char *buf;
  int64_t t_sent;
} client_t;

typedef struct tmr {
  int64_t at;
  unsigned c, gen;
} tmr_t;

static struct {
  int epfd, attempts, remaining, nsamples;
  int64_t t0, timeout_us, think_min_us, think_max_us, first_ok, last_ok;
  struct sockaddr_storage addr;
  socklen_t addrlen;
  client_t *cl;
  tmr_t *heap;
  size_t nheap, capheap, nlat[3], nids;
  uint64_t *lat[3];
  long sent, other, timeouts, reconnects, status[1000];
  char samples[NSAMPLES][SAMPLE_BYTES];
  size_t sample_len[NSAMPLES];
  char **ids;
  FILE *trace;
} G = {.first_ok = -1, .last_ok = -1};

static int64_t now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void timer_set(client_t *c, int64_t at) {
  if (G.nheap == G.capheap && !(G.heap = realloc(G.heap, (G.capheap += 4096) * sizeof *G.heap)))
    abort();
  size_t i = G.nheap++;
  for (; i > 0 && G.heap[(i - 1) / 2].at > at; i = (i - 1) / 2)
    G.heap[i] = G.heap[(i - 1) / 2];
  G.heap[i] = (tmr_t){at, (unsigned)(c - G.cl), ++c->gen};
}

static tmr_t timer_pop(void) {
  tmr_t top = G.heap[0], last = G.heap[--G.nheap];
  size_t i = 0, k;
  for (; (k = 2 * i + 1) < G.nheap; i = k) {
    k += k + 1 < G.nheap && G.heap[k + 1].at < G.heap[k].at;
    if (G.heap[k].at >= last.at)
      break;
    G.heap[i] = G.heap[k];
  }
  G.heap[i] = last; /* harmless when the heap became empty */
  return top;
}

static void set_events(client_t *c, uint32_t ev, int op) {
  struct epoll_event e = {.events = ev, .data.u32 = (uint32_t)(c - G.cl)};
  epoll_ctl(G.epfd, op, c->fd, &e); /* cannot fail on a valid fd; the deadline covers it */
}

static void close_conn(client_t *c) {
  if (c->fd >= 0)
    close(c->fd);
  c->fd = -1;
  c->len = 0;
}

static void add_other(int status, const char *b, size_t n) {
  G.other++;
  G.status[status > 0 && status < 1000 ? status : 0]++;
  if (G.nsamples < NSAMPLES) {
    size_t k = n < SAMPLE_BYTES ? n : SAMPLE_BYTES;
    while (k < n && k > 0 && ((unsigned char)b[k] & 0xc0) == 0x80)
      k--; /* do not cut a UTF-8 sequence */
    memcpy(G.samples[G.nsamples], b, G.sample_len[G.nsamples] = k);
    G.nsamples++;
  }
}

static void finish_attempt(client_t *c, int64_t now) {
  c->len = c->sent = c->retried = c->counted = 0;
  c->t_sent = 0;
  if (++c->done >= G.attempts) {
    close_conn(c);
    c->state = ST_DONE;
    c->gen++;
    G.remaining--;
    return;
  }
  c->state = ST_WAIT;
  timer_set(c, now + G.think_min_us +
                   (int64_t)(drand48() * (double)(G.think_max_us - G.think_min_us + 1)));
  if (c->fd >= 0)
    set_events(c, EPOLLIN, EPOLL_CTL_MOD); /* to notice an idle close by the server */
}

static void open_conn(client_t *c);

/* A connection error. A kept-alive connection closed before any answer is retried once on a new
 * one (the server may close idle connections); anything else is an "other" with status 0. */
static void fail(client_t *c, const char *what, int err) {
  char msg[160];
  int n = snprintf(msg, sizeof msg, "%s%s%s", what, err ? ": " : "", err ? strerror(err) : "");
  int retry = c->reused && !c->retried && c->len == 0;
  close_conn(c);
  if (retry) {
    c->retried = 1;
    c->sent = 0;
    c->t_sent = 0;
    open_conn(c);
    return;
  }
  add_other(0, msg, (size_t)n);
  finish_attempt(c, now_us());
}

static void open_conn(client_t *c) {
  c->fd = socket(G.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  if (c->fd < 0 || setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0 ||
      (connect(c->fd, (struct sockaddr *)&G.addr, G.addrlen) < 0 && errno != EINPROGRESS)) {
    c->reused = 0;
    fail(c, "connect", errno);
    return;
  }
  set_events(c, EPOLLOUT, EPOLL_CTL_ADD);
  G.reconnects += c->ever;
  c->ever = 1;
  c->reused = 0;
  c->state = ST_CONNECTING;
}

static void do_send(client_t *c) {
  c->state = ST_SENDING;
  while (c->sent < c->req_len) {
    int64_t t = now_us();
    ssize_t n = send(c->fd, c->req + c->sent, c->req_len - c->sent, MSG_NOSIGNAL);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      set_events(c, EPOLLOUT, EPOLL_CTL_MOD); /* level-triggered: back when writable */
      return;
    }
    if (n <= 0) {
      fail(c, "send", errno);
      return;
    }
    c->t_sent = c->t_sent ? c->t_sent : t;
    G.sent += !c->counted;
    c->counted = 1;
    c->sent += (size_t)n;
  }
  c->state = ST_READING;
  set_events(c, EPOLLIN, EPOLL_CTL_MOD);
}

/* Whether a chunked body [p, p+n) is complete (up to the 0-chunk and the trailers' empty line);
 * -1 if malformed. It is not decoded: the chunk-size lines stay in what gets classified. */
static int chunked_done(const char *p, size_t n) {
  for (size_t i = 0;;) {
    const char *eol = memmem(p + i, n - i, "\r\n", 2);
    char *end;
    if (!eol)
      return 0;
    unsigned long long sz = strtoull(p + i, &end, 16);
    if (end == p + i || sz > MAX_RESPONSE)
      return -1;
    i = (size_t)(eol - p) + 2;
    if (sz == 0)
      return memmem(p + i - 2, n - i + 2, "\r\n\r\n", 4) != NULL;
    if (n - i < sz + 2)
      return 0;
    i += sz + 2;
  }
}

/* Whether header `name` (given as "\nname:") has `word` in its value; the block is NUL-ended. */
static int hdr(const char *b, const char *name, const char *word) {
  const char *v = strcasestr(b, name), *w = v ? strcasestr(v + 1, word) : NULL;
  return w && w < strchr(v + 1, '\n');
}

static void take_id(const char *b, size_t n) {
  for (const char *e = b + n, *p = b; (p = memmem(p, (size_t)(e - p), "\"id\"", 4));) {
    for (p += 4; p < e && (*p == ' ' || *p == ':'); p++)
      ;
    int quoted = p < e && *p == '"';
    const char *s = p + quoted, *q = s;
    while (q < e && (quoted ? *q != '"' : (*q >= '0' && *q <= '9')))
      q++;
    if (q > s && q - s <= 64 && (!quoted || q < e)) {
      G.ids[G.nids++] = strndup(s, (size_t)(q - s));
      return;
    }
  }
}

static void on_response(client_t *c, int status, const char *body, size_t blen, int close_after) {
  int64_t now = now_us();
  uint64_t lat = (uint64_t)(now - c->t_sent);
  G.lat[L_ALL][G.nlat[L_ALL]++] = lat;
  int full = status == 429 && memmem(body, blen, FULL_MARK, sizeof FULL_MARK - 1);
  if (G.trace)
    fprintf(G.trace, "%" PRId64 " %" PRIu64 " %d %s\n", c->t_sent - G.t0, lat, status,
            status == 200 ? "ok" : full ? "full" : "other");
  if (status == 200) {
    G.lat[L_OK][G.nlat[L_OK]++] = lat;
    G.first_ok = G.first_ok < 0 ? now - G.t0 : G.first_ok;
    G.last_ok = now - G.t0;
    take_id(body, blen);
  } else if (full) {
    G.lat[L_FULL][G.nlat[L_FULL]++] = lat;
  } else {
    add_other(status, body, blen);
  }
  c->reused = 1;
  if (close_after)
    close_conn(c);
  finish_attempt(c, now);
}

/* Handles the response in c->buf if it is whole: 1 done, 0 more is needed, -1 malformed. */
static int parse(client_t *c, int eof) {
  char *b = c->buf, *h = memmem(b, c->len, "\r\n\r\n", 4);
  int status = 0, r = 1;
  if (!h)
    return c->len > 65536 ? -1 : 0;
  if (strncmp(b, "HTTP/1.", 7) || sscanf(b + 8, " %3d", &status) != 1)
    return -1;
  size_t off = (size_t)(h - b) + 4, blen = c->len - off;
  char save = h[2];
  h[2] = '\0'; /* the header block as a string, each line ending in "\r\n" */
  const char *cl = strcasestr(b, "\ncontent-length:");
  int chunked = hdr(b, "\ntransfer-encoding:", "chunked");
  int close_after = eof || hdr(b, "\nconnection:", "close");
  h[2] = save;
  if (chunked)
    r = chunked_done(b + off, blen);
  else if (cl && strtoull(cl + 16, NULL, 10) > blen)
    r = 0;
  else if (cl)
    blen = strtoull(cl + 16, NULL, 10);
  else if (status != 204 && status != 304 && !eof)
    r = 0; /* no length: the body runs to the close */
  if (r == 1)
    on_response(c, status, b + off, blen, close_after);
  return r;
}

static void on_read(client_t *c) {
  int eof = 0, r, err = 0;
  while (!eof) {
    if (c->cap - c->len < 4096 + 1) {
      size_t cap = c->cap ? 2 * c->cap : 16384;
      char *nb = cap <= 2 * MAX_RESPONSE ? realloc(c->buf, cap) : NULL;
      if (!nb) {
        fail(c, "response too large", 0);
        return;
      }
      c->buf = nb, c->cap = cap;
    }
    ssize_t n = recv(c->fd, c->buf + c->len, c->cap - c->len - 1, 0);
    if (n < 0 && errno == EAGAIN)
      break;
    eof = n == 0 || (n < 0 && errno != EINTR);
    err = n < 0 ? errno : 0;
    c->len += c->state == ST_WAIT || n < 0 ? 0 : (size_t)n; /* bytes while idle are dropped */
    c->buf[c->len] = '\0';
  }
  if (c->state == ST_WAIT) {
    if (eof)
      close_conn(c); /* closed while idle: the next attempt reconnects */
  } else if ((r = parse(c, eof)) < 0 || (r == 0 && eof)) {
    fail(c, r < 0 ? "malformed response" : err ? "recv" : "closed before the response", err);
  }
}

static void on_io(client_t *c) {
  int err = 0;
  socklen_t el = sizeof err;
  if (c->state == ST_CONNECTING && getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el) == 0 && err) {
    fail(c, "connect", err);
  } else if (c->state == ST_CONNECTING || c->state == ST_SENDING) {
    do_send(c);
  } else if (c->state == ST_READING || (c->state == ST_WAIT && c->fd >= 0)) {
    on_read(c);
  }
}

static void on_timer(client_t *c, int64_t now) {
  if (c->state == ST_WAIT) {
    timer_set(c, now + G.timeout_us); /* the attempt's deadline */
    if (c->fd < 0)
      open_conn(c);
    else
      do_send(c);
  } else if (c->state != ST_DONE) {
    G.timeouts++;
    close_conn(c);
    finish_attempt(c, now);
  }
}

static void json_str(FILE *f, const char *s, size_t n, int comma) {
  fputs(comma ? ",\"" : "\"", f);
  for (const unsigned char *p = (const unsigned char *)s; p < (const unsigned char *)s + n; p++)
    fprintf(f, *p < 0x20 || *p == 0x7f || *p == '"' || *p == '\\' ? "\\u%04x" : "%c", *p);
  fputc('"', f);
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return (x > y) - (x < y);
}

static uint64_t pct(int k, size_t p) {
  return G.nlat[k] ? G.lat[k][(G.nlat[k] * p + 99) / 100 - 1] : 0;
}

static void usage(const char *why, const char *what) {
  fprintf(stderr,
          "rush_load: %s%s\nusage: rush_load --host H --port P --tokens F --path /P "
          "--clients N --attempts N --spread-ms MS\n  --think-min-ms MS --think-max-ms MS "
          "--out F.json [--body '{}'] [--timeout-ms 30000] [--raise-nofile] [--trace F]\n",
          why, what);
  exit(2);
}

int main(int argc, char **argv) {
  static const char *names[] = {"--host",      "--port",         "--tokens",       "--path",
                                "--out",       "--body",         "--clients",      "--attempts",
                                "--spread-ms", "--think-min-ms", "--think-max-ms", "--timeout-ms",
                                "--trace"};
  static const long lo[] = {1, 1, 0, 0, 0, 1},
                    hi[] = {100000, 1000, 600000, 600000, 600000, 600000};
  const char *val[13] = {[5] = "{}", [11] = "30000", [12] = ""};
  long num[6];
  int raise = 0, k;
  for (int i = 1; i < argc; i++) {
    for (k = 0; k < 13 && strcmp(argv[i], names[k]);)
      k++;
    if (!strcmp(argv[i], "--raise-nofile"))
      raise = 1;
    else if (k == 13 || i + 1 == argc)
      usage("unknown option or missing value: ", argv[i]);
    else
      val[k] = argv[++i];
  }
  for (k = 0; k < 13; k++) {
    char *end;
    if (!val[k])
      usage("missing ", names[k]);
    errno = 0;
    if (k >= 6 && k < 12 && ((num[k - 6] = strtol(val[k], &end, 10)) < lo[k - 6] || num[k - 6] > hi[k - 6] ||
                   errno || end == val[k] || *end))
      usage("out of range: ", names[k]);
  }
  const char *host = val[0], *port = val[1], *path = val[3], *body = val[5];
  if (path[0] != '/' || num[3] > num[4] || num[0] * num[1] > 2000000)
    usage("--path must start with /, think-min <= think-max, clients x attempts <= 2e6", "");
  int nclients = (int)num[0];
  G.attempts = (int)num[1];
  G.think_min_us = num[3] * 1000, G.think_max_us = num[4] * 1000, G.timeout_us = num[5] * 1000;

  struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai;
  int gai = getaddrinfo(host, port, &hints, &ai);
  if (gai) {
    fprintf(stderr, "rush_load: cannot resolve %s:%s: %s\n", host, port, gai_strerror(gai));
    return 1;
  }
  memcpy(&G.addr, ai->ai_addr, ai->ai_addrlen);
  G.addrlen = ai->ai_addrlen;
  freeaddrinfo(ai);
  if (G.addr.ss_family == AF_INET
          ? ntohl(((struct sockaddr_in *)&G.addr)->sin_addr.s_addr) >> 24 != 127
          : !IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)&G.addr)->sin6_addr))
    usage("refusing a non-loopback host: ", host);

  size_t total = (size_t)nclients * (size_t)G.attempts, ntok = 0, *req_len;
  char line[1024], **req = calloc((size_t)nclients, sizeof *req);
  req_len = calloc((size_t)nclients, sizeof *req_len);
  G.cl = calloc((size_t)nclients, sizeof *G.cl);
  G.ids = calloc(total, sizeof *G.ids);
  for (k = 0; k < 3; k++)
    G.lat[k] = calloc(total, sizeof *G.lat[k]);
  if (!req || !req_len || !G.cl || !G.ids || !G.lat[0] || !G.lat[1] || !G.lat[2])
    return perror("rush_load: calloc"), 1;
  FILE *tf = fopen(val[2], "r");
  while (tf && ntok < (size_t)nclients && fgets(line, sizeof line, tf)) {
    size_t n = strcspn(line, "\r\n"), cap = strlen(path) + strlen(host) + n + strlen(body) + 200;
    if (n > 200)
      return fprintf(stderr, "rush_load: a token is longer than 200 in %s\n", val[2]), 1;
    line[n] = '\0';
    if (n && (req[ntok] = malloc(cap)))
      req_len[ntok] = (size_t)snprintf(
          req[ntok], cap,
          "POST %s HTTP/1.1\r\nHost: %s:%s\r\nAuthorization: Bearer %s\r\nContent-Type: "
          "application/json\r\nContent-Length: %zu\r\nx-ehall-client: rush\r\n\r\n%s",
          path, host, port, line, strlen(body), body);
    ntok += n && req[ntok];
  }
  if (!tf || !ntok)
    return fprintf(stderr, "rush_load: no tokens read from %s\n", val[2]), 1;
  fclose(tf);
  FILE *of = fopen(val[4], "w");
  if (!of)
    return fprintf(stderr, "rush_load: cannot write %s: %s\n", val[4], strerror(errno)), 1;
  struct rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  rl.rlim_cur = raise ? rl.rlim_max : rl.rlim_cur;
  if (raise && setrlimit(RLIMIT_NOFILE, &rl) < 0)
    return perror("rush_load: setrlimit"), 1;
  if (rl.rlim_cur < (rlim_t)nclients + 16)
    fprintf(stderr, "rush_load: warning: RLIMIT_NOFILE %llu is below clients + 16\n",
            (unsigned long long)rl.rlim_cur);
  if (val[12][0] && !(G.trace = fopen(val[12], "w")))
    return fprintf(stderr, "rush_load: cannot write %s: %s\n", val[12], strerror(errno)), 1;
  if ((G.epfd = epoll_create1(EPOLL_CLOEXEC)) < 0)
    return perror("rush_load: epoll_create1"), 1;

  srand48(42);
  G.t0 = now_us();
  if (G.trace)
    fprintf(G.trace, "# start %" PRId64 " (CLOCK_MONOTONIC, µs); sent_us latency_us status kind\n",
            G.t0);
  G.remaining = nclients;
  for (int i = 0; i < nclients; i++) {
    G.cl[i].fd = -1;
    G.cl[i].req = req[(size_t)i % ntok], G.cl[i].req_len = req_len[(size_t)i % ntok];
    timer_set(&G.cl[i], G.t0 + (int64_t)(drand48() * (double)num[2] * 1000.0));
  }
  struct epoll_event evs[512];
  while (G.remaining > 0) {
    int64_t now = now_us();
    while (G.nheap && G.heap[0].at <= now) {
      tmr_t t = timer_pop();
      if (t.gen == G.cl[t.c].gen)
        on_timer(&G.cl[t.c], now);
    }
    int64_t d = G.nheap ? G.heap[0].at - now_us() : 0;
    int n = G.remaining ? epoll_wait(G.epfd, evs, 512, d <= 0 ? 0 : (int)((d + 999) / 1000)) : 0;
    if (n < 0 && errno != EINTR)
      return perror("rush_load: epoll_wait"), 1;
    for (int i = 0; i < n; i++)
      on_io(&G.cl[evs[i].data.u32]);
  }
  double elapsed = (double)(now_us() - G.t0) / 1e6;

  static const char *lat_names[] = {"lat_ok_us", "lat_full_us", "lat_all_us"};
  fprintf(of,
          "{\"clients\":%d,\"attempts_sent\":%ld,\"ok\":%zu,\"full\":%zu,\"other\":%ld,"
          "\"timeouts\":%ld,\"reconnects\":%ld,\"elapsed_s\":%.3f,",
          nclients, G.sent, G.nlat[L_OK], G.nlat[L_FULL], G.other, G.timeouts, G.reconnects,
          elapsed);
  if (G.first_ok < 0)
    fputs("\"first_ok_us\":null,\"last_ok_us\":null", of);
  else
    fprintf(of, "\"first_ok_us\":%" PRId64 ",\"last_ok_us\":%" PRId64, G.first_ok, G.last_ok);
  for (k = 0; k < 3; k++) {
    qsort(G.lat[k], G.nlat[k], sizeof *G.lat[k], cmp_u64);
    fprintf(of,
            ",\"%s\":{\"n\":%zu,\"p50\":%" PRIu64 ",\"p90\":%" PRIu64 ",\"p99\":%" PRIu64
            ",\"max\":%" PRIu64 "}",
            lat_names[k], G.nlat[k], pct(k, 50), pct(k, 90), pct(k, 99), pct(k, 100));
  }
  fputs(",\"other_status\":{", of);
  for (int s = 0, first = 1; s < 1000; s++)
    if (G.status[s])
      fprintf(of, "%s\"%d\":%ld", first ? "" : ",", s, G.status[s]), first = 0;
  fputs("},\"other_samples\":[", of);
  for (int i = 0; i < G.nsamples; i++)
    json_str(of, G.samples[i], G.sample_len[i], i > 0);
  fputs("],\"booked_ids\":[", of);
  for (size_t i = 0; i < G.nids; i++)
    json_str(of, G.ids[i], strlen(G.ids[i]), i > 0);
  fputs("]}\n", of);
  if (fclose(of) != 0 || (G.trace && fclose(G.trace) != 0))
    return perror("rush_load: writing --out or --trace"), 1;
  printf("rush_load: clients=%d sent=%ld ok=%zu full=%zu other=%ld timeouts=%ld reconnects=%ld "
         "elapsed=%.2fs ok_p50=%.1fms ok_p99=%.1fms full_p50=%.1fms full_p99=%.1fms\n",
         nclients, G.sent, G.nlat[L_OK], G.nlat[L_FULL], G.other, G.timeouts, G.reconnects, elapsed,
         (double)pct(L_OK, 50) / 1e3, (double)pct(L_OK, 99) / 1e3, (double)pct(L_FULL, 50) / 1e3,
         (double)pct(L_FULL, 99) / 1e3);
  return 0;
}
