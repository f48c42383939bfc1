// Per-environment state of the addon, stored as the environment's instance data.
#pragma once

#include <napi.h>

#include <memory>

#include "completion_pump.h"

namespace grpc_native {

struct AddonData {
  std::shared_ptr<CompletionPump> pump;

  // Constructors of the wrapped classes that native code itself instantiates.
  Napi::FunctionReference call_constructor;
  Napi::FunctionReference channel_credentials_constructor;
  Napi::FunctionReference call_credentials_constructor;
  Napi::FunctionReference server_credentials_constructor;
};

inline AddonData* GetAddonData(Napi::Env env) {
  return env.GetInstanceData<AddonData>();
}

// Throws a JavaScript TypeError that names the argument; used by the cheap guards that stop a crash when the
// TypeScript layer is bypassed.
[[noreturn]] inline void ThrowTypeError(Napi::Env env, const char* what) {
  throw Napi::TypeError::New(env, what);
}

}  // namespace grpc_native
