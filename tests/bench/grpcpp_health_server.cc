// grpcpp_health_server — the reference server the core is measured against.
//
// A grpc++ server on the callback API (the generated Health::CallbackService with a
// ServerUnaryReactor) answering grpc.health.v1.Health/Check with SERVING: the same trivial
// work as ehall-core's health service, so tests/bench/ can compare the two servers' transport
// and dispatch cost with the same load client. It is a benchmark fixture, never part of the
// hall: it listens on loopback only and has no other method.
//
// Usage: grpcpp_health_server [--listen=127.0.0.1:PORT]   (SIGTERM or SIGINT stops it)
#include <signal.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include <absl/synchronization/mutex.h>
#include <grpcpp/grpcpp.h>

#include "grpc/health/v1/health.grpc.pb.h"

namespace {

class HealthService final : public grpc::health::v1::Health::CallbackService {
  grpc::ServerUnaryReactor *Check(grpc::CallbackServerContext *ctx,
                                  const grpc::health::v1::HealthCheckRequest *req,
                                  grpc::health::v1::HealthCheckResponse *resp) override {
    grpc::ServerUnaryReactor *reactor = ctx->DefaultReactor();
    if (!req->service().empty()) {
      reactor->Finish(grpc::Status(grpc::StatusCode::NOT_FOUND, "unknown service"));
      return reactor;
    }
    resp->set_status(grpc::health::v1::HealthCheckResponse::SERVING);
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

bool IsLoopback(const std::string &addr) {
  return addr.rfind("127.", 0) == 0 || addr.rfind("[::1]:", 0) == 0 ||
         addr.rfind("localhost:", 0) == 0;
}

} // namespace

int main(int argc, char **argv) {
  std::string listen = "127.0.0.1:50061";
  for (int i = 1; i < argc; i++) {
    if (std::strncmp(argv[i], "--listen=", 9) == 0) {
      listen = argv[i] + 9;
    } else {
      std::fprintf(stderr, "usage: grpcpp_health_server [--listen=127.0.0.1:PORT]\n");
      return 2;
    }
  }
  if (!IsLoopback(listen)) {
    std::fprintf(stderr, "grpcpp_health_server: refusing non-loopback address %s\n",
                 listen.c_str());
    return 2;
  }

  // Signals are taken by sigwait on the main thread; block them before gRPC starts its threads.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  // As ehall-core does at start-up (core/common/absl_shim.h): Debian's Abseil tracks lock order
  // on every absl::Mutex lock unless told not to; both servers run without it, for fairness.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  HealthService service;
  grpc::ServerBuilder builder;
  int bound_port = 0;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &bound_port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || bound_port == 0) {
    std::fprintf(stderr, "grpcpp_health_server: cannot listen on %s\n", listen.c_str());
    return 1;
  }
  std::fprintf(stderr, "grpcpp_health_server: listening on %s\n", listen.c_str());

  int sig = 0;
  sigwait(&stop_signals, &sig);
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  server->Wait();
  return 0;
}
