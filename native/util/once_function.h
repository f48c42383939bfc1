// JavaScript callbacks that must reach C-core exactly once.
#pragma once

#include <napi.h>

#include <functional>

namespace grpc_native {

// Creates a JavaScript function that passes its arguments to `on_call` the first time it is called and ignores
// later calls. If the function is collected, or the environment closes, before anyone called it, `on_drop` runs
// instead, without JavaScript (it runs inside a finalizer). Exactly one of the two runs.
Napi::Function NewOnceFunction(Napi::Env env, const char* name,
                               std::function<void(const Napi::CallbackInfo&)> on_call,
                               std::function<void()> on_drop);

}  // namespace grpc_native
