#include "call_credentials.h"

#include <grpc/grpc_security.h>

#include <string>

#include "credentials.h"
#include "metadata_plugin.h"
#include "util/key_cert_pairs.h"

namespace grpc_native {

namespace {

// accessTokenCallCredentials(token)
Napi::Value AccessTokenCallCredentials(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string token = RequiredString(env, info[0], "accessTokenCallCredentials: token");
  return CallCredentials::Wrap(env, grpc_access_token_credentials_create(token.c_str(), nullptr),
                               "C-core could not create access token call credentials");
}

// metadataCallCredentials(plugin, name, minSecurityLevel)
Napi::Value MetadataCallCredentials(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsFunction()) throw Napi::TypeError::New(env, "metadataCallCredentials: plugin must be a function");
  std::string name = RequiredString(env, info[1], "metadataCallCredentials: name");
  if (!info[2].IsNumber()) {
    throw Napi::TypeError::New(env, "metadataCallCredentials: minSecurityLevel must be a number");
  }
  int level = info[2].As<Napi::Number>().Int32Value();
  if (level < GRPC_SECURITY_NONE || level > GRPC_PRIVACY_AND_INTEGRITY) {
    throw Napi::TypeError::New(env, "metadataCallCredentials: minSecurityLevel must be 0, 1 or 2");
  }
  grpc_call_credentials* credentials = NewJsMetadataCredentials(env, info[0].As<Napi::Function>(), name,
                                                                static_cast<grpc_security_level>(level));
  return CallCredentials::Wrap(env, credentials, "C-core could not create metadata plugin call credentials");
}

// compositeCallCredentials(first, second)
Napi::Value CompositeCallCredentials(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  grpc_call_credentials* first = CallCredentials::FromValue(env, info[0], "compositeCallCredentials: first");
  grpc_call_credentials* second = CallCredentials::FromValue(env, info[1], "compositeCallCredentials: second");
  return CallCredentials::Wrap(env, grpc_composite_call_credentials_create(first, second, nullptr),
                               "C-core could not compose the call credentials");
}

// computeEngineCallCredentials(): tokens from the Compute Engine metadata server, fetched when a call needs one.
Napi::Value ComputeEngineCallCredentials(const Napi::CallbackInfo& info) {
  return CallCredentials::Wrap(info.Env(), grpc_google_compute_engine_credentials_create(nullptr),
                               "C-core could not create Compute Engine call credentials");
}

// emptyCallCredentials()
Napi::Value EmptyCallCredentials(const Napi::CallbackInfo& info) {
  return CallCredentials::Wrap(info.Env(), NewEmptyCallCredentials(), "C-core could not create empty call credentials");
}

}  // namespace

void InitCallCredentials(Napi::Env env, Napi::Object exports) {
  exports.Set("accessTokenCallCredentials", Napi::Function::New(env, AccessTokenCallCredentials));
  exports.Set("metadataCallCredentials", Napi::Function::New(env, MetadataCallCredentials));
  exports.Set("compositeCallCredentials", Napi::Function::New(env, CompositeCallCredentials));
  exports.Set("computeEngineCallCredentials", Napi::Function::New(env, ComputeEngineCallCredentials));
  exports.Set("emptyCallCredentials", Napi::Function::New(env, EmptyCallCredentials));
}

}  // namespace grpc_native
