#include "util/once_function.h"

#include <utility>

namespace grpc_native {

namespace {

struct OnceState {
  std::function<void(const Napi::CallbackInfo&)> on_call;
  std::function<void()> on_drop;
  bool called = false;
};

Napi::Value CallOnce(const Napi::CallbackInfo& info) {
  auto* state = static_cast<OnceState*>(info.Data());
  if (state->called) return info.Env().Undefined();

  state->called = true;
  auto on_call = std::move(state->on_call);
  state->on_drop = nullptr;
  on_call(info);
  return info.Env().Undefined();
}

void Finalize(Napi::Env, OnceState* state) {
  if (!state->called && state->on_drop) state->on_drop();
  delete state;
}

}  // namespace

Napi::Function NewOnceFunction(Napi::Env env, const char* name,
                               std::function<void(const Napi::CallbackInfo&)> on_call,
                               std::function<void()> on_drop) {
  auto* state = new OnceState{std::move(on_call), std::move(on_drop)};
  Napi::Function function;
  try {
    function = Napi::Function::New(env, CallOnce, name, state);
    function.AddFinalizer(Finalize, state);
  } catch (...) {
    delete state;
    throw;
  }
  return function;
}

}  // namespace grpc_native
