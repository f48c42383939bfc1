// An operation whose completion calls a JavaScript function with C-core's success flag.
#pragma once

#include <napi.h>

#include "completion_pump.h"

namespace grpc_native {

class CallbackOperation : public Operation {
 public:
  // `owner` is kept alive until the operation completes, so the C-core object it wraps outlives the operation.
  CallbackOperation(Napi::Object owner, Napi::Function callback)
      : owner_(Napi::Persistent(owner)), callback_(Napi::Persistent(callback)) {}

  void Run(napi_env env) override {
    if (env == nullptr) return;
    Napi::Function callback = callback_.Value();
    callback_.Reset();
    owner_.Reset();
    callback.Call({Napi::Boolean::New(Napi::Env(env), ok)});
  }

 private:
  Napi::ObjectReference owner_;
  Napi::FunctionReference callback_;
};

}  // namespace grpc_native
