/*
 * main.c — ehall-gateway: config, routes from the embedded descriptor set, the gRPC channel
 * pool and the HTTP server; SIGTERM/SIGINT stop it gracefully (stop accepting, finish the
 * requests in flight, exit 0).
 *
 * Holds no business rule and never prints a secret (core.secret is a CFG_SECRET entry).
 */
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/common/config.h"
#include "core/common/log.h"
#include "gateway/client/client.h"
#include "gateway/http/http.h"
#include "gateway/routes/routes.h"
#include "gateway/http/cache.h"
#include "gateway/services.h"
#include "core/store/redis_sub.h"

extern const unsigned char ehall_descriptor_set[];
extern const size_t ehall_descriptor_set_len;

#ifndef EHALL_VERSION
#define EHALL_VERSION "0.1.0"
#endif

typedef struct gateway_config {
  char *listen;
  char *core_addr;
  char *core_secret;
  long threads;
  char *static_dir;
  long body_max_bytes;
  long header_max_bytes;
  long timeout_header_ms;
  long timeout_body_ms;
  long deadline_ms;
  char *cors_origins;
  char *log_level;
  bool log_json;
  bool access_log;
  long core_channels;
  long shutdown_grace_ms;
  long health_watch_backoff_max_ms;
  bool cookie_secure;
  char *redis_host;
  long redis_port;
  long cache_max_bytes;
} gateway_config_t;

#define O(f) offsetof(gateway_config_t, f)
static const cfg_entry_t gateway_cfg[] = {
    {"listen", CFG_STRING, O(listen), 0, 0, "127.0.0.1:8080", "HTTP listen address host:port", 0},
    {"core.addr", CFG_STRING, O(core_addr), 0, 0, "127.0.0.1:50051", "ehall-core gRPC address", 0},
    {"core.secret", CFG_STRING, O(core_secret), 0, 0, NULL,
     "shared secret sent as x-ehall-gateway-secret", CFG_SECRET},
    {"core.channels", CFG_INT, O(core_channels), 1, 64, "2", "gRPC channels to the core", 0},
    {"threads", CFG_INT, O(threads), 1, 256, "2", "HTTP event loop threads", 0},
    {"static.dir", CFG_STRING, O(static_dir), 0, 0, "miniprogram/dist/build/h5",
     "directory of the H5 build served for non-API paths", 0},
    {"body.max_bytes", CFG_INT, O(body_max_bytes), 1, 1L << 30, "1048576",
     "largest request body accepted (413 above)", 0},
    {"header.max_bytes", CFG_INT, O(header_max_bytes), 256, 1L << 20, "16384",
     "largest request header block accepted (431 above)", 0},
    {"timeout.header_ms", CFG_INT, O(timeout_header_ms), 10, 3600000, "10000",
     "time allowed for a request head after its first byte (slow clients are closed)", 0},
    {"timeout.body_ms", CFG_INT, O(timeout_body_ms), 10, 3600000, "30000",
     "time allowed for an HTTP/1 body after its head (408 after it); HTTP/2 idle timeout", 0},
    {"deadline_ms", CFG_INT, O(deadline_ms), 1, 600000, "5000", "deadline of every gRPC call", 0},
    {"cors.origins", CFG_STRING, O(cors_origins), 0, 0, NULL,
     "comma-separated allowed CORS origins", 0},
    {"log.level", CFG_STRING, O(log_level), 0, 0, "info", "debug, info, warn or error", 0},
    {"log.json", CFG_BOOL, O(log_json), 0, 0, "false", "log as JSON lines", 0},
    {"access_log", CFG_BOOL, O(access_log), 0, 0, "true", "one log line per request", 0},
    {"shutdown.grace_ms", CFG_INT, O(shutdown_grace_ms), 0, 600000, "10000",
     "on SIGTERM, how long requests in flight may take to finish", 0},
    {"health.watch_backoff_max_ms", CFG_INT, O(health_watch_backoff_max_ms), 100, 600000, "2000",
     "/healthz follows the core's health Watch stream; after it breaks it is re-opened after "
     "100 ms, doubling up to this",
     0},
    {"cookie.secure", CFG_BOOL, O(cookie_secure), 0, 0, "false",
     "the site is served over HTTPS: the web session and CSRF cookies get the Secure attribute", 0},
    {"redis.host", CFG_STRING, O(redis_host), 0, 0, NULL,
     "Redis whose ehall:cache:invalidate channel says when cached answers change; unset: no "
     "response cache",
     0},
    {"redis.port", CFG_INT, O(redis_port), 1, 65535, "6379", "Redis port", 0},
    {"cache.max_bytes", CFG_INT, O(cache_max_bytes), 0, 1L << 32, "33554432",
     "memory for cached public answers (anonymous catalogue reads); 0: no response cache", 0},
};
#undef O
#define GATEWAY_NCFG (sizeof(gateway_cfg) / sizeof(gateway_cfg[0]))

/* The subscriber's thread: every message, and every loss or gain of the subscription, drops
 * what the response cache holds (cache.h). */
static void gateway__on_invalidate(void *ud, bool subscribed, const char *message) {
  http_cache_t *cache = ud;
  if (message == NULL) {
    http_cache_set_live(cache, subscribed);
    LOG_INFO("gateway", "response cache %s",
             subscribed ? "live (subscribed)" : "off (no subscription)");
  } else {
    http_cache_invalidate(cache);
  }
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      printf("usage: ehall-gateway [--config=FILE] [--key=value…] [--help]\n\n");
      cfg_print_help(stdout, gateway_cfg, GATEWAY_NCFG, "EHALL_GATEWAY_");
      return 0;
    }
  }
  gateway_config_t cfg = {0};
  eh_err_t err = EH_ERR_INIT;
  int rest[64], nrest = 0;
  if (!cfg_load(gateway_cfg, GATEWAY_NCFG, &cfg, "EHALL_GATEWAY_", argc, argv, rest, &nrest,
                &err)) {
    fprintf(stderr, "ehall-gateway: %s (%s)\n", err.message_en, err.message);
    return 2;
  }
  if (nrest > 0) {
    fprintf(stderr, "ehall-gateway: unexpected argument %s (try --help)\n", argv[rest[0]]);
    cfg_free(gateway_cfg, GATEWAY_NCFG, &cfg);
    return 2;
  }
  log_level_t level;
  if (!log_level_parse(cfg.log_level, &level)) {
    fprintf(stderr, "ehall-gateway: log.level must be debug, info, warn or error\n");
    return 2;
  }
  log_init(level, cfg.log_json);

  /* Block the stop signals before any thread exists (gRPC's too) so only sigwait sees them. */
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, NULL);
  signal(SIGPIPE, SIG_IGN);

  int rc = 1;
  routes_t *routes = routes_create(ehall_descriptor_set, ehall_descriptor_set_len, gateway_services,
                                   gateway_services_count, &err);
  client_pool_t *client = NULL;
  http_server_t *srv = NULL;
  http_cache_t *cache = NULL;
  store_redis_sub_t *sub = NULL;
  if (routes == NULL) {
    LOG_ERROR("gateway", "routes failed: %s detail=%s", err.message_en, err.detail);
    goto done;
  }
  client = client_pool_create(cfg.core_addr, (int)cfg.core_channels,
                              (size_t)cfg.body_max_bytes + 65536 > (4u << 20)
                                  ? (size_t)cfg.body_max_bytes + 65536
                                  : (4u << 20),
                              &err);
  if (client == NULL) {
    LOG_ERROR("gateway", "gRPC client failed: %s", err.message_en);
    goto done;
  }
  /* The response cache lives only while subscribed to the invalidation channel (cache.h). */
  if (cfg.redis_host != NULL && cfg.redis_host[0] != '\0' && cfg.cache_max_bytes > 0) {
    cache = http_cache_create((size_t)cfg.cache_max_bytes);
    sub = store_redis_sub_start(cfg.redis_host, (int)cfg.redis_port, "ehall:cache:invalidate",
                                gateway__on_invalidate, cache);
  }
  /* /healthz answers from this stream's latest state; until its first answer: 503. */
  client_health_watch_start(client, 100, cfg.health_watch_backoff_max_ms);
  http_config_t hc = {
      .listen = cfg.listen,
      .threads = (int)cfg.threads,
      .static_dir = cfg.static_dir,
      .body_max_bytes = (size_t)cfg.body_max_bytes,
      .header_max_bytes = (size_t)cfg.header_max_bytes,
      .header_timeout_ms = cfg.timeout_header_ms,
      .body_timeout_ms = cfg.timeout_body_ms,
      .deadline_ms = cfg.deadline_ms,
      .cors_origins = cfg.cors_origins ? cfg.cors_origins : "",
      .core_secret = cfg.core_secret ? cfg.core_secret : "",
      .version = EHALL_VERSION,
      .access_log = cfg.access_log,
      .cookie_secure = cfg.cookie_secure,
      .cache = cache,
  };
  srv = http_server_create(&hc, routes, client, &err);
  if (srv == NULL) {
    LOG_ERROR("gateway", "listen failed: %s detail=%s", err.message_en, err.detail);
    goto done;
  }
  http_server_start(srv);
  LOG_INFO("gateway", "listening addr=%s port=%d core=%s threads=%ld routes=%zu", cfg.listen,
           http_server_port(srv), cfg.core_addr, cfg.threads, routes_count(routes));

  int sig = 0;
  sigwait(&stop, &sig);
  LOG_INFO("gateway", "stopping signal=%d", sig);
  http_server_stop(srv, cfg.shutdown_grace_ms);
  rc = 0;
  LOG_INFO("gateway", "stopped");

done:
  http_server_destroy(srv);
  store_redis_sub_stop(sub);
  http_cache_destroy(cache);
  client_pool_destroy(client);
  routes_destroy(routes);
  cfg_free(gateway_cfg, GATEWAY_NCFG, &cfg);
  return rc;
}
