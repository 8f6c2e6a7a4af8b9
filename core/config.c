/*
 * config.c — the table of ehall-core's settings (name, type, bounds, default, help) and the
 * compiled-in build facts. Validation beyond bounds (e.g. TLS required off loopback) happens
 * where the setting is used, once, at start. Never reads the environment itself.
 */
#include "core/config.h"


#define F(field) offsetof(struct core_config, field)

const cfg_entry_t core_config_table[] = {
    {"listen", CFG_STRING, F(listen), 0, 256, "127.0.0.1:50051",
     "gRPC listen address host:port (TLS is required unless it is a loopback address)", 0},
    {"pg.dsn", CFG_STRING, F(pg_dsn), 0, 1024, "host=127.0.0.1 port=5432 dbname=ehall user=ehall",
     "libpq connection string of PostgreSQL", 0},
    {"pg.pool_size", CFG_INT, F(pg_pool_size), 1, 256, "8", "PostgreSQL connections per core", 0},
    {"redis.host", CFG_STRING, F(redis_host), 0, 256, "127.0.0.1", "Redis host", 0},
    {"redis.port", CFG_INT, F(redis_port), 1, 65535, "6379", "Redis port", 0},
    {"redis.pool_size", CFG_INT, F(redis_pool_size), 1, 256, "8", "Redis connections per core", 0},
    {"workers", CFG_INT, F(workers), 1, 256, "4",
     "worker threads, each with its own completion queue (handlers block on PostgreSQL)", 0},
    {"slow_workers", CFG_INT, F(slow_workers), 1, 1024, "16",
     "threads for calls that wait on the password-hashing pool (logins), apart from workers", 0},
    {"slow_queue", CFG_INT, F(slow_queue), 1, 100000, "256",
     "slow calls that may queue for those threads before RESOURCE_EXHAUSTED", 0},
    {"migrations.dir", CFG_STRING, F(migrations_dir), 0, 1024, "migrations",
     "directory of NNNN_verb_noun.sql migrations", 0},
    {"log.level", CFG_STRING, F(log_level), 0, 16, "info", "debug, info, warn or error", 0},
    {"log.json", CFG_BOOL, F(log_json), 0, 0, "false", "write JSON lines instead of text", 0},
    {"gateway.secret", CFG_STRING, F(gateway_secret), 0, 1024, NULL,
     "shared secret a gateway sends as x-ehall-gateway-secret to be trusted with x-forwarded-for",
     CFG_SECRET},
    {"tls.cert", CFG_STRING, F(tls_cert), 0, 1024, NULL, "PEM certificate chain file for TLS", 0},
    {"tls.key", CFG_STRING, F(tls_key), 0, 1024, NULL, "PEM private key file for TLS", 0},
    {"tls.client_ca", CFG_STRING, F(tls_client_ca), 0, 1024, NULL,
     "PEM CA file; when set, client certificates are requested and verified if presented", 0},
    {"shutdown.grace_ms", CFG_INT, F(shutdown_grace_ms), 0, 600000, "5000",
     "on SIGTERM, how long in-flight calls may take before they are cancelled", 0},
    /* Per client IP. A campus often puts many users behind one NAT address, and `./dev test`
     * runs every test from 127.0.0.1 against one core: the defaults are generous; a bucket of
     * `burst` calls refills at `per_min`. */
    {"ratelimit.enabled", CFG_BOOL, F(ratelimit_enabled), 0, 0, "true",
     "rate-limit calls per client IP in Redis (Redis down: calls pass)", 0},
    {"ratelimit.read_per_min", CFG_INT, F(ratelimit_read_per_min), 1, 10000000, "1200",
     "reads per minute per client IP", 0},
    {"ratelimit.read_burst", CFG_INT, F(ratelimit_read_burst), 1, 1000000, "300",
     "reads a client IP may make at once", 0},
    {"ratelimit.write_per_min", CFG_INT, F(ratelimit_write_per_min), 1, 10000000, "120",
     "state-changing calls per minute per client IP and method", 0},
    {"ratelimit.write_burst", CFG_INT, F(ratelimit_write_burst), 1, 1000000, "60",
     "state-changing calls a client IP may make at once (per method)", 0},
    {"ratelimit.login_per_min", CFG_INT, F(ratelimit_login_per_min), 1, 10000000, "20",
     "login attempts per minute per client IP", 0},
    {"ratelimit.login_burst", CFG_INT, F(ratelimit_login_burst), 1, 1000000, "10",
     "login attempts a client IP may make at once", 0},
    {"idempotency.ttl_s", CFG_INT, F(idempotency_ttl_s), 60, 30 * 86400, "86400",
     "how long an idempotency key keeps its first answer", 0},
    {"idempotency.stale_ms", CFG_INT, F(idempotency_stale_ms), 100, 86400000, "60000",
     "a pending idempotency claim older than this may be taken over by a retry", 0},
    {"idempotency.sweep_ms", CFG_INT, F(idempotency_sweep_ms), 100, 86400000, "300000",
     "how often expired idempotency keys are deleted", 0},
    {"session.idle_web_s", CFG_INT, F(session_idle_web_s), 60, 30 * 86400, "1800",
     "a web session ends after this long without a call", 0},
    {"session.idle_mp_s", CFG_INT, F(session_idle_mp_s), 60, 90 * 86400, "604800",
     "a mini-program session ends after this long without a call", 0},
    {"session.absolute_s", CFG_INT, F(session_absolute_s), 60, 365 * 86400, "43200",
     "a web session ends this long after login whatever its use (mini-program: idle only, "
     "capped at 30 days)", 0},
    {"password.pbkdf2_iterations", CFG_INT, F(pbkdf2_iterations), 1000, 10000000, "600000",
     "PBKDF2-HMAC-SHA256 iterations for new hashes; older hashes are upgraded at login", 0},
    {"password.hash_threads", CFG_INT, F(hash_threads), 1, 64, "1",
     "threads of the bounded password-hashing pool (nice 19); keep below the CPU count", 0},
    {"password.hash_queue", CFG_INT, F(hash_queue), 1, 100000, "16",
     "hashes that may wait for the pool before logins answer RESOURCE_EXHAUSTED", 0},
    {"identity.pepper", CFG_STRING, F(identity_pepper), 0, 1024, NULL,
     "HMAC key for ID-card numbers (never stored in clear); set it in production", CFG_SECRET},
    {"login.free_failures", CFG_INT, F(login_free_failures), 0, 1000, "3",
     "failed logins per account before each further try must wait", 0},
    {"login.lock_failures", CFG_INT, F(login_lock_failures), 1, 1000, "10",
     "failed logins per account within login.window_s that lock it for login.lock_s", 0},
    {"login.lock_s", CFG_INT, F(login_lock_s), 1, 86400, "900", "how long a login lock lasts", 0},
    {"login.window_s", CFG_INT, F(login_window_s), 60, 86400, "900",
     "the window in which failed logins are counted", 0},
    {"login.max_per_hour", CFG_INT, F(login_max_per_hour), 1, 100, "100",
     "failed logins per account per hour, whatever the locks (never more than 100)", 0},
    {"login.ip_lock_failures", CFG_INT, F(login_ip_lock_failures), 1, 100000, "50",
     "failed logins from one client IP within login.window_s that lock the IP", 0},
    {"email.code_ttl_s", CFG_INT, F(email_code_ttl_s), 60, 86400, "600",
     "how long an email binding code is valid", 0},
    {"email.code_attempts", CFG_INT, F(email_code_attempts), 1, 100, "5",
     "wrong codes before a binding code is void", 0},
    {"reset.ttl_s", CFG_INT, F(reset_ttl_s), 60, 86400, "1800",
     "how long a password-reset link is valid", 0},
    {"reset.url", CFG_STRING, F(reset_url), 0, 1024,
     "http://127.0.0.1:8080/#/pages/auth/reset", "the page a reset link opens", 0},
    {"smtp.url", CFG_STRING, F(smtp_url), 0, 1024, "",
     "smtp://host:port (smtps:// for TLS); empty: mail stays queued", 0},
    {"smtp.from", CFG_STRING, F(smtp_from), 0, 256, "ehall@campus.example",
     "the sender address of the hall's mail", 0},
    {"smtp.user", CFG_STRING, F(smtp_user), 0, 256, "", "SMTP login, if the server wants one", 0},
    {"smtp.password", CFG_STRING, F(smtp_password), 0, 1024, NULL, "SMTP password",
     CFG_SECRET},
    {"mail.poll_ms", CFG_INT, F(mail_poll_ms), 50, 600000, "1000",
     "how often the mail sender looks for queued mail", 0},
    {"wechat.base_url", CFG_STRING, F(wechat_base_url), 0, 1024, "https://api.weixin.qq.com",
     "WeChat's server API (a loopback stand-in in tests)", 0},
    {"wechat.appid", CFG_STRING, F(wechat_appid), 0, 128, "", "the mini-program's AppID", 0},
    {"wechat.secret", CFG_STRING, F(wechat_secret), 0, 1024, NULL, "the mini-program's AppSecret",
     CFG_SECRET},
    {"apps.token_ttl_s", CFG_INT, F(app_token_ttl_s), 60, 86400, "3600",
     "lifetime of a third-party app token", 0},
};

const size_t core_config_table_len = sizeof(core_config_table) / sizeof(core_config_table[0]);

/* Written by the :build_info genrule from Bazel's BUILD_TIMESTAMP (Bazel redacts __DATE__). */
extern const long long core__build_timestamp;

int64_t core_build_time_unix(void) { return (int64_t)core__build_timestamp; }
