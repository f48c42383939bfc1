#include "auth_context.h"

#include "call.h"
#include "credentials.h"

namespace grpc_native {

AuthProperties CopyAuthProperties(const grpc_auth_context* context) {
  AuthProperties copy;
  if (context == nullptr) return copy;

  const char* identity_name = grpc_auth_context_peer_identity_property_name(context);
  if (identity_name != nullptr) {
    copy.has_peer_identity_property_name = true;
    copy.peer_identity_property_name = identity_name;
  }
  copy.peer_is_authenticated = grpc_auth_context_peer_is_authenticated(context) != 0;

  grpc_auth_property_iterator it = grpc_auth_context_property_iterator(context);
  for (const grpc_auth_property* property = grpc_auth_property_iterator_next(&it); property != nullptr;
       property = grpc_auth_property_iterator_next(&it)) {
    copy.properties.emplace_back(property->name, std::string(property->value, property->value_length));
  }
  return copy;
}

Napi::Object AuthPropertiesToObject(Napi::Env env, const AuthProperties& properties) {
  Napi::Object object = Napi::Object::New(env);
  object.Set("peerIdentityPropertyName", properties.has_peer_identity_property_name
                                             ? Napi::String::New(env, properties.peer_identity_property_name)
                                             : env.Null());
  object.Set("peerIsAuthenticated", Napi::Boolean::New(env, properties.peer_is_authenticated));

  Napi::Array list = Napi::Array::New(env, properties.properties.size());
  for (size_t i = 0; i < properties.properties.size(); i++) {
    const auto& [name, value] = properties.properties[i];
    Napi::Array entry = Napi::Array::New(env, 2);
    entry.Set(0u, Napi::String::New(env, name));
    entry.Set(1u, Napi::Buffer<char>::Copy(env, value.data(), value.size()));
    list.Set(i, entry);
  }
  object.Set("properties", list);
  return object;
}

namespace {

// callAuthContext(call): the call's auth context, or null before the call has one (a client call whose connection
// is not yet established).
Napi::Value CallAuthContext(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  grpc_call* call = Call::FromValue(env, info[0], "callAuthContext: call")->Get(env);

  grpc_auth_context* context = grpc_call_auth_context(call);
  if (context == nullptr) return env.Null();
  AuthProperties properties = CopyAuthProperties(context);
  grpc_auth_context_release(context);
  return AuthPropertiesToObject(env, properties);
}

// callSetCredentials(call, callCredentials): per-call credentials, composed by C-core with the channel's. Client
// calls only, before their first batch.
void CallSetCredentials(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  grpc_call* call = Call::FromValue(env, info[0], "callSetCredentials: call")->Get(env);
  grpc_call_credentials* credentials =
      CallCredentials::FromValue(env, info[1], "callSetCredentials: callCredentials");

  grpc_call_error error = grpc_call_set_credentials(call, credentials);
  if (error != GRPC_CALL_OK) {
    throw Napi::Error::New(env, std::string("callSetCredentials failed: ") + CallErrorName(error) +
                                    " (per-call credentials are for client calls, before their first batch)");
  }
}

}  // namespace

void InitAuthContext(Napi::Env env, Napi::Object exports) {
  exports.Set("callAuthContext", Napi::Function::New(env, CallAuthContext));
  exports.Set("callSetCredentials", Napi::Function::New(env, CallSetCredentials));
}

}  // namespace grpc_native
