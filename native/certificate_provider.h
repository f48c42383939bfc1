// C-core certificate providers for the TLS credentials options: fixed PEM data, or files that C-core re-reads.
#pragma once

#include <grpc/grpc_security.h>
#include <napi.h>

namespace grpc_native {

// Creates a provider from a JavaScript description, one of
//   {kind: 'static', rootCertificates?: string, privateKey?: string, certificateChain?: string}
//   {kind: 'files', rootCertificatesPath?: string, privateKeyPath?: string, certificateChainPath?: string,
//    refreshIntervalSeconds: number}
// The caller releases the provider with grpc_tls_certificate_provider_release. Returns null for a static
// description with no certificates at all: the options then get no provider. Throws a TypeError for a malformed
// description, including the combinations C-core would abort on (a key without its chain, a file provider with no
// file).
grpc_tls_certificate_provider* CertificateProviderFromValue(Napi::Env env, Napi::Value value);

// True when the description has root certificates, so the options should watch them.
bool ProviderHasRoots(Napi::Value value);

// True when the description has a key and certificate chain, so the options should watch them.
bool ProviderHasIdentity(Napi::Value value);

}  // namespace grpc_native
