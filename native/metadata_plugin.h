// Call credentials whose metadata comes from a JavaScript function: grpcio's metadata plugins and grpc-js's
// metadata generators.
//
// C-core asks a plugin for metadata on its own threads, and on a warm channel synchronously on the caller's thread
// inside grpc_call_start_batch, which may be the JavaScript thread. The plugin here never answers synchronously:
// get_metadata posts the request to the JavaScript thread through the completion pump and returns at once, so the
// JavaScript function always runs on a later turn of the event loop. The function receives
// (serviceUrl, methodName, done) and calls done(null, metadata) with a flat [key, value, ...] array, or
// done(message) to fail the call. The answer reaches C-core exactly once, from the callback thread, which is never
// the thread that called get_metadata: the first call of `done` answers and later calls are ignored; if `done` is
// collected without having been called, or the environment closes first, the call fails.
#pragma once

#include <grpc/grpc_security.h>
#include <napi.h>

#include <string>

namespace grpc_native {

// Creates the credentials; the caller owns the returned reference. `type` names the plugin in C-core's traces.
// Metadata is sent only on connections whose security level is at least `min_security_level`.
grpc_call_credentials* NewJsMetadataCredentials(Napi::Env env, Napi::Function plugin, const std::string& type,
                                                grpc_security_level min_security_level);

// Creates call credentials that add no metadata, grpc-js's empty call credentials. They answer synchronously and
// send nothing, so they are allowed on connections of any security level. The caller owns the returned reference.
grpc_call_credentials* NewEmptyCallCredentials();

}  // namespace grpc_native
