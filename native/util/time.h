// Deadlines cross the boundary as milliseconds since the Unix epoch; Infinity means none.
#pragma once

#include <grpc/support/time.h>

#include <cmath>

namespace grpc_native {

// The largest time a JavaScript Date can hold, 8.64e15 ms (about 275,000 years) from the epoch. Beyond it a
// deadline is infinite: converting a larger double to int64_t seconds would be undefined behaviour, and on x86 gave
// a deadline in the past.
constexpr double kMaxDeadlineMillis = 8.64e15;

inline gpr_timespec DeadlineFromMillis(double millis) {
  if (std::isnan(millis) || millis > kMaxDeadlineMillis) return gpr_inf_future(GPR_CLOCK_REALTIME);
  if (millis < -kMaxDeadlineMillis) return gpr_inf_past(GPR_CLOCK_REALTIME);
  double seconds = std::floor(millis / 1000);
  gpr_timespec deadline;
  deadline.tv_sec = static_cast<int64_t>(seconds);
  deadline.tv_nsec = static_cast<int32_t>((millis - seconds * 1000) * 1e6);
  deadline.clock_type = GPR_CLOCK_REALTIME;
  return deadline;
}

inline double MillisFromDeadline(gpr_timespec deadline) {
  gpr_timespec realtime = gpr_convert_clock_type(deadline, GPR_CLOCK_REALTIME);
  if (gpr_time_cmp(realtime, gpr_inf_future(GPR_CLOCK_REALTIME)) >= 0) return INFINITY;
  // Whole milliseconds, as grpc-js's deadlines are.
  return static_cast<double>(realtime.tv_sec) * 1000 + realtime.tv_nsec / 1000000;
}

}  // namespace grpc_native
