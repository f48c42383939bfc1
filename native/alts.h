// ALTS channel and server credentials.
//
// C-core's public constructors return null, without a message, unless they run on Google Cloud, where the ALTS
// handshaker service is reached at the metadata server's address. Its customized constructors take the handshaker
// service address instead and skip the platform check; they are used when the caller names a handshaker service.
// The handshaker service does the whole handshake and returns the keys and peer identity, so trust rests entirely
// on it.
#pragma once

#include <napi.h>

namespace grpc_native {

// Registers altsChannelCredentials(targetServiceAccounts, handshakerServiceAddress) and
// altsServerCredentials(handshakerServiceAddress, processor); a null address selects C-core's Google Cloud default.
void InitAlts(Napi::Env env, Napi::Object exports);

}  // namespace grpc_native
