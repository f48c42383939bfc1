// Factories of channel credentials: TLS (C-core's SSL credentials, and its TLS credentials options when the server
// check is customized), local, composite and xDS, and the default root certificates.
#pragma once

#include <napi.h>

namespace grpc_native {

void InitChannelCredentials(Napi::Env env, Napi::Object exports);

}  // namespace grpc_native
