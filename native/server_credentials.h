// Factories of server credentials: TLS with fixed certificates (C-core's SSL credentials), TLS from C-core's
// certificate providers (files that C-core re-reads), local and xDS. Each takes an optional JavaScript auth metadata
// processor as its last argument.
#pragma once

#include <grpc/grpc_security.h>
#include <napi.h>

namespace grpc_native {

void InitServerCredentials(Napi::Env env, Napi::Object exports);

// Reads a grpc_ssl_client_certificate_request_type (0 to 4). Throws a TypeError naming `what` otherwise.
grpc_ssl_client_certificate_request_type ClientCertificateRequestFromValue(Napi::Env env, Napi::Value value,
                                                                           const char* what);

}  // namespace grpc_native
