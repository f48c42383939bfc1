// A certificate verifier for C-core's TLS credentials that delegates the server check to a JavaScript function,
// for grpc-js's `checkServerIdentity`.
//
// C-core calls the verifier on its own threads once the TLS handshake has checked the chain. The verifier never
// completes synchronously and never waits: it posts the request to the JavaScript thread and returns. The JavaScript
// function receives (targetName, peerCertificatePem, peerCertificateChainPem, done) and calls done(null) to accept
// or done(message) to reject; the result reaches C-core from the callback thread. If `done` is collected without
// having been called, or the environment closes first, the peer is rejected.
#pragma once

#include <grpc/grpc_security.h>
#include <napi.h>

namespace grpc_native {

// Creates the verifier. The caller releases it with grpc_tls_certificate_verifier_release after handing it to the
// options, which keep their own reference.
grpc_tls_certificate_verifier* NewJsCertificateVerifier(Napi::Env env, Napi::Function check);

}  // namespace grpc_native
