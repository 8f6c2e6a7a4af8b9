/*
 * metrics_test.c — the Prometheus text: per-thread counters summed, equal labels merged,
 * histogram buckets cumulative, label values escaped.
 */
#include "gateway/http/metrics.h"

#include "tests/unit/test.h"

static void test_render(void) {
  const char *labels[] = {"none", "/api/v1/a/{id}", "/api/v1/a/{id}", "we\"ird"};
  metrics_t *m = metrics_create(labels, 4, 2);
  metrics_request(m, 0, 1, "GET", 200, 0.0005);
  metrics_request(m, 1, 1, "GET", 200, 0.02);
  metrics_request(m, 1, 2, "POST", 201, 3.0);
  metrics_request(m, 0, 0, "GET", 404, 0.001);
  metrics_request(m, 0, 3, "BREW", 418, 0.001);
  metrics_grpc_error(m, 1, 14);
  metrics_grpc_error(m, 0, 14);
  metrics_in_flight_add(m, 3);
  metrics_in_flight_add(m, -1);
  arena_t *a = arena_create(0);
  size_t len = 0;
  char *t = metrics_render(m, a, &len);
  CHECK_INT(strlen(t), len);
  CHECK(strstr(t, "# TYPE ehall_http_requests_total counter\n") != NULL);
  CHECK(strstr(t, "ehall_http_requests_total{route=\"/api/v1/a/{id}\",method=\"GET\",status=\"200\"} 2\n") != NULL);
  CHECK(strstr(t, "ehall_http_requests_total{route=\"/api/v1/a/{id}\",method=\"POST\",status=\"201\"} 1\n") != NULL);
  CHECK(strstr(t, "ehall_http_requests_total{route=\"none\",method=\"GET\",status=\"404\"} 1\n") != NULL);
  CHECK(strstr(t, "ehall_http_requests_total{route=\"we\\\"ird\",method=\"OTHER\",status=\"418\"} 1\n") != NULL);
  /* Buckets are cumulative; the two labels with one template are one series. */
  CHECK(strstr(t, "ehall_http_request_duration_seconds_bucket{route=\"/api/v1/a/{id}\",le=\"0.001\"} 1\n") != NULL);
  CHECK(strstr(t, "ehall_http_request_duration_seconds_bucket{route=\"/api/v1/a/{id}\",le=\"0.025\"} 2\n") != NULL);
  CHECK(strstr(t, "ehall_http_request_duration_seconds_bucket{route=\"/api/v1/a/{id}\",le=\"2.5\"} 2\n") != NULL);
  CHECK(strstr(t, "ehall_http_request_duration_seconds_bucket{route=\"/api/v1/a/{id}\",le=\"5\"} 3\n") != NULL);
  CHECK(strstr(t, "ehall_http_request_duration_seconds_bucket{route=\"/api/v1/a/{id}\",le=\"+Inf\"} 3\n") != NULL);
  CHECK(strstr(t, "ehall_http_request_duration_seconds_count{route=\"/api/v1/a/{id}\"} 3\n") != NULL);
  CHECK(strstr(t, "ehall_http_in_flight 2\n") != NULL);
  CHECK(strstr(t, "ehall_grpc_errors_total{code=\"14\"} 2\n") != NULL);
  /* One HELP/TYPE per family, and no series for a label that saw nothing. */
  CHECK(strstr(strstr(t, "# TYPE ehall_http_requests_total") + 1, "# TYPE ehall_http_requests_total") == NULL);
  CHECK(t[len - 1] == '\n');
  arena_destroy(a);
  metrics_destroy(m);
}

int main(void) {
  RUN(test_render);
  return test_done();
}
