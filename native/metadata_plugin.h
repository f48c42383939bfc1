// Call credentials whose metadata comes from a JavaScript function: grpcio's metadata plugins and grpc-js's
// metadata generators. The function receives (serviceUrl, methodName, done) and calls done(null, metadata) with a
// flat [key, value, ...] array, or done(message) to fail the call.
//
// C-core 1.51 requests metadata while it starts a call's initial metadata: on a connected channel synchronously on
// the thread that called grpc_call_start_batch, usually the JavaScript thread, and otherwise on its own threads.
// - On the JavaScript thread of the environment that made the plugin, the function runs inline, inside the C-core
//   call. If it calls `done` before returning, get_metadata returns the result synchronously; if it calls `done`
//   later, the result goes to C-core's callback right there on the JavaScript thread.
// - On any other thread, get_metadata posts the request to the JavaScript thread through the completion pump and
//   returns; `done` then hands the result to C-core on the JavaScript thread.
// C-core must not get a callback from inside get_metadata, so results that would need one take the callback
// thread instead: a synchronous answer of more than GRPC_METADATA_CREDENTIALS_PLUGIN_SYNC_MAX entries, and an
// answer given while another request's plugin runs inline on this thread. The first call of `done` delivers the
// result and later calls are ignored. If `done` is collected without having been called, or the environment closes
// first, the call fails. An exception that the function throws inline is raised as an uncaught exception on a later
// turn of the event loop, as it is when the pump runs the function.
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
