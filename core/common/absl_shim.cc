// absl_shim.cc — the C++ side of absl_shim.h: one call into Abseil, nothing else.
//
// Must never hold state or be called on a hot path; C code never sees an absl type.
#include "core/common/absl_shim.h"

#include <absl/synchronization/mutex.h>

extern "C" void absl_shim_deadlock_detection_off(void) {
  // Lock-order graphs are a debugging aid of absl's debug builds; gRPC's locking is tested
  // upstream, and the cost is paid on every lock of every call.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
}
