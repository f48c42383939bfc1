// Factories of call credentials: access tokens, JavaScript metadata plugins, composites, Compute Engine tokens and
// grpc-js's empty credentials.
#pragma once

#include <napi.h>

namespace grpc_native {

void InitCallCredentials(Napi::Env env, Napi::Object exports);

}  // namespace grpc_native
