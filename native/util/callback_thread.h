// A thread of its own for completing C-core's asynchronous requests. C-core requires some asynchronous results (a
// metadata plugin's, an
// external certificate verifier's, an auth metadata processor's) to come from a thread other than the one it called
// in on, and the thread it called in on may be the JavaScript thread. One thread serves the whole process.
#pragma once

#include <functional>

namespace grpc_native {

// Queues `callback` for the callback thread, which runs callbacks one at a time in the order they were queued.
// Any thread. Callbacks must not block: they hand a result to C-core and return.
void RunOnCallbackThread(std::function<void()> callback);

}  // namespace grpc_native
