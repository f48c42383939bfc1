// Call credentials whose metadata comes from a JavaScript function: grpcio's metadata plugins and grpc-js's
// metadata generators. The function receives (serviceUrl, methodName). It returns its result if it has one at once:
// a flat [key, value, ...] array, or a message that fails the call. Otherwise it returns a function, which receives
// `done` and calls done(null, metadata) or done(message) later.
//
// C-core 1.51 requests metadata while it starts a call's initial metadata. On a connected channel that happens
// synchronously on the thread that called grpc_call_start_batch, usually the JavaScript thread, and otherwise on
// C-core's own threads.
// - On the JavaScript thread of the environment that made the plugin, the function runs inline, inside the C-core
//   call, and get_metadata returns a result that the function returned synchronously. A result that comes later
//   through `done` goes to C-core's callback right there on the JavaScript thread.
// - On any other thread, get_metadata posts the request to the JavaScript thread through the completion pump and
//   returns. The function's result then goes to C-core's callback from the JavaScript thread.
// C-core must not get its callback from inside get_metadata, so results that would need that take the callback
// thread: a synchronous result of more than GRPC_METADATA_CREDENTIALS_PLUGIN_SYNC_MAX entries, and a result that
// `done` delivers while another request's plugin runs inline on this thread. Only the first call of `done` counts.
// If `done` is collected without having been called, or the environment closes first, the call fails. The call
// also fails when the function throws before it received `done`, or returns anything else. The function's
// exceptions are raised as uncaught exceptions on a later turn of the event loop.
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
