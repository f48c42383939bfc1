// The addon's entry point: creates the environment's completion pump and registers every class.
#include <grpc/grpc.h>
#include <napi.h>

#include "addon.h"
#include "call.h"
#include "channel.h"
#include "credentials.h"
#include "server.h"

namespace grpc_native {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* data = new AddonData();
  env.SetInstanceData(data);
  data->pump = CompletionPump::Create(env);

  Call::Init(env, exports);
  Channel::Init(env, exports);
  Server::Init(env, exports);
  InitCredentials(env, exports);

  exports.Set("coreVersion", Napi::Function::New(env, [](const Napi::CallbackInfo& info) {
    return Napi::String::New(info.Env(), grpc_version_string());
  }));
  return exports;
}

}  // namespace grpc_native

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) {
  return grpc_native::Init(env, exports);
}

NODE_API_MODULE(grpc_native, InitAddon)
