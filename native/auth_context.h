// Auth contexts of calls, and per-call credentials.
//
// An auth context crosses to JavaScript as {peerIdentityPropertyName, peerIsAuthenticated, properties}, where
// properties is an array of [name, Buffer] in C-core's order (a name may repeat, as x509_subject_alternative_name
// does once per SAN).
#pragma once

#include <grpc/grpc_security.h>
#include <napi.h>

#include <string>
#include <utility>
#include <vector>

namespace grpc_native {

// A copy of an auth context that outlives it and may cross threads.
struct AuthProperties {
  bool has_peer_identity_property_name = false;
  std::string peer_identity_property_name;
  bool peer_is_authenticated = false;
  std::vector<std::pair<std::string, std::string>> properties;
};

AuthProperties CopyAuthProperties(const grpc_auth_context* context);

Napi::Object AuthPropertiesToObject(Napi::Env env, const AuthProperties& properties);

// Registers callAuthContext(call) and callSetCredentials(call, callCredentials).
void InitAuthContext(Napi::Env env, Napi::Object exports);

}  // namespace grpc_native
