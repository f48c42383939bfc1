// C-core's auth metadata processor for server credentials, run by a JavaScript function, and the lifetime hook that
// comes with it.
//
// C-core calls the processor on its own threads for each incoming call, with the connection's auth context and the
// call's metadata, and may be completed later. The request goes to the JavaScript thread through the completion
// pump. The function receives (authContext, metadata, done), where authContext has the shape of callAuthContext,
// and calls done(code, details, consumedKeys): code 0 accepts the call and removes the metadata keys in
// consumedKeys, any other status code fails the call with it. The result reaches C-core exactly once, from the
// callback thread. If
// `done` is collected without having been called, or the environment closes first, the call fails with
// UNAUTHENTICATED.
//
// The processor slot is also the only place where C-core tells server credentials' owners that the credentials
// were freed (it calls the processor's destroy), so state that C-core's callbacks use, such as a certificate
// config fetcher's, is attached here even without a JavaScript processor.
#pragma once

#include <grpc/grpc_security.h>
#include <napi.h>

#include <memory>

namespace grpc_native {

// Attaches `processor` (a function, or undefined for none) and `keep_alive` to `credentials`. Both are released
// when C-core frees the credentials, on whatever thread does so. Call at most once per credentials, before they
// are used: a second call would free what the first attached. Throws a TypeError when `processor` is neither
// undefined nor a function.
void AttachToServerCredentials(Napi::Env env, grpc_server_credentials* credentials, Napi::Value processor,
                               std::shared_ptr<void> keep_alive);

}  // namespace grpc_native
