// Server certificates that change while the server runs: grpcio's dynamic_ssl_server_credentials.
//
// C-core requests the certificate configuration synchronously, on its own thread, at the start of each TLS
// handshake (and once on the JavaScript thread when a port is bound). A JavaScript fetcher cannot run there
// without making a C-core thread wait for the JavaScript thread, so the design splits the two:
//
// - The fetcher object keeps the latest configuration in native memory, with a generation number. C-core's
//   callback compares generations and returns NEW with a copy of the latest configuration, or UNCHANGED. It never
//   waits for anything but a mutex held for a few pointer copies.
// - Each time C-core asks, the callback also posts a request to the JavaScript thread (at most one queued at a
//   time). There `onFetch` runs the user's fetcher, and a configuration it returns is stored with update(), for
//   the handshakes that follow.
//
// The trade-off: a configuration that the fetcher returns reaches the first handshake that starts after the
// fetcher returned it, not the handshake that triggered the fetch. A certificate rotated on disk is therefore
// served from the second new connection after the rotation, or from the first one when something else made the
// fetcher run in between (update() may be called at any time). Existing connections keep their configuration.
//
// C-core keeps one certificate state per listening port but calls the fetcher without saying which port asks, so
// each bound port needs credentials of its own: createServerCredentials makes a new C-core credentials object each
// time, and all of them share this fetcher's configuration.
#pragma once

#include <napi.h>

#include <memory>

namespace grpc_native {

struct FetcherStore;

class CertificateConfigFetcher : public Napi::ObjectWrap<CertificateConfigFetcher> {
 public:
  static void Init(Napi::Env env, Napi::Object exports);

  // new CertificateConfigFetcher(initialConfiguration, onFetch), where a configuration is
  // {rootCertificates: string | null, pairs: [{privateKey, certificateChain}, ...]}.
  explicit CertificateConfigFetcher(const Napi::CallbackInfo& info);

 private:
  // update(configuration): the configuration for the handshakes that start from now on.
  void Update(const Napi::CallbackInfo& info);

  // createServerCredentials(clientCertificateRequest, processor): new credentials for one listening port.
  Napi::Value CreateServerCredentials(const Napi::CallbackInfo& info);

  // Shared with the C-core credentials made here; they may outlive this wrapper.
  std::shared_ptr<FetcherStore> store_;
};

}  // namespace grpc_native
