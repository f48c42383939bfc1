// Call credentials whose metadata comes from a JavaScript function: grpcio's metadata plugins and grpc-js's
// metadata generators.
//
// C-core requests metadata from a plugin on its own threads, and on a warm channel synchronously on the caller's
// thread inside grpc_call_start_batch, which may be the JavaScript thread. The plugin here never completes
// synchronously: get_metadata posts the request to the JavaScript thread through the completion pump and returns at
// once, so the JavaScript function always runs on a later turn of the event loop. The function receives
// (serviceUrl, methodName, done) and calls done(null, metadata) with a flat [key, value, ...] array, or
// done(message) to fail the call. The result reaches C-core exactly once, from the callback thread, which is never
// the thread that called get_metadata: the first call of `done` delivers it and later calls are ignored. If `done` is
// collected without having been called, or the environment closes first, the call fails.
//
// NOTE: a request that C-core makes after the environment's teardown has finished is never completed. By then the
// teardown has destroyed the environment's channels, so only a call that C-core was tearing down can be affected.
#pragma once

#include <grpc/grpc_security.h>
#include <napi.h>

#include <string>

namespace grpc_native {

// Creates the credentials; the caller owns the returned reference. `type` names the plugin in C-core's traces.
// Metadata is sent only on connections whose security level is at least `min_security_level`.
grpc_call_credentials* NewJsMetadataCredentials(Napi::Env env, Napi::Function plugin, const std::string& type,
                                                grpc_security_level min_security_level);

// Creates call credentials that add no metadata, grpc-js's empty call credentials. They complete synchronously and
// send nothing, so they are allowed on connections of any security level. The caller owns the returned reference.
grpc_call_credentials* NewEmptyCallCredentials();

}  // namespace grpc_native
