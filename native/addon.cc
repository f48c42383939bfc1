// The addon's entry point: creates the environment's completion pump and registers every class.
#include <grpc/grpc.h>
#include <napi.h>
#include <openssl/crypto.h>

#include "addon.h"
#include "alts.h"
#include "auth_context.h"
#include "call.h"
#include "call_credentials.h"
#include "certificate_config_fetcher.h"
#include "channel.h"
#include "channel_credentials.h"
#include "core_log.h"
#include "credentials.h"
#include "server.h"
#include "server_credentials.h"

namespace grpc_native {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // process.exit() ends the process without the environment's teardown, so C-core's threads may still be in a TLS
  // handshake while exit handlers run. OpenSSL's own exit handler frees its global state, and those threads then
  // crashed (null locks) or hit C-core assertions. The first initialization decides whether OpenSSL registers that
  // handler. This copy of OpenSSL is the addon's own, so no other code relies on the handler.
  OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, nullptr);

  auto* data = new AddonData();
  env.SetInstanceData(data);
  data->pump = CompletionPump::Create(env);

  Call::Init(env, exports);
  Channel::Init(env, exports);
  Server::Init(env, exports);
  InitCredentials(env, exports);
  InitCoreLog(env, exports);

  // The security layer.
  InitChannelCredentials(env, exports);
  InitCallCredentials(env, exports);
  InitServerCredentials(env, exports);
  CertificateConfigFetcher::Init(env, exports);
  InitAlts(env, exports);
  InitAuthContext(env, exports);

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
