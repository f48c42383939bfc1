// C-core's log lines, routed to the JavaScript logger.
//
// C-core logs from any thread through one process-wide function. Once JavaScript registers a sink, each line is
// posted to the sink's environment through its completion pump and reaches the package's logger (setLogger), as
// grpc-js's own lines do. Without a sink, or once the sink's environment is closing, lines go to stderr in C-core's
// format.
#pragma once

#include <napi.h>

namespace grpc_native {

// Exports setCoreLogSink(callback) and setCoreLogVerbosity(severity).
void InitCoreLog(Napi::Env env, Napi::Object exports);

}  // namespace grpc_native
