#include "channel_credentials.h"

#include <grpc/grpc_security.h>
#include <grpc/support/string_util.h>

#include <mutex>
#include <optional>
#include <string>

#include "certificate_provider.h"
#include "certificate_verifier.h"
#include "credentials.h"
#include "metadata_plugin.h"
#include "util/key_cert_pairs.h"

namespace grpc_native {

namespace {

// The default root certificates that TypeScript supplies. C-core requests them once per process, the first time a
// connection needs them, and only when GRPC_DEFAULT_SSL_ROOTS_FILE_PATH names no readable file.
std::mutex default_roots_mutex;
std::string default_roots;

grpc_ssl_roots_override_result SupplyDefaultRoots(char** pem_root_certs) {
  std::lock_guard<std::mutex> lock(default_roots_mutex);
  if (default_roots.empty()) return GRPC_SSL_ROOTS_OVERRIDE_FAIL;
  *pem_root_certs = gpr_strdup(default_roots.c_str());
  return GRPC_SSL_ROOTS_OVERRIDE_OK;
}

// setDefaultRootCertificates(pem)
void SetDefaultRootCertificates(const Napi::CallbackInfo& info) {
  std::string pem = RequiredString(info.Env(), info[0], "setDefaultRootCertificates: pem");
  std::lock_guard<std::mutex> lock(default_roots_mutex);
  default_roots = std::move(pem);
}

// sslChannelCredentials(rootCertificates, privateKey, certificateChain)
Napi::Value SslChannelCredentials(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::optional<std::string> roots = OptionalString(env, info[0], "sslChannelCredentials: rootCertificates");
  std::optional<std::string> key = OptionalString(env, info[1], "sslChannelCredentials: privateKey");
  std::optional<std::string> chain = OptionalString(env, info[2], "sslChannelCredentials: certificateChain");
  if (key.has_value() != chain.has_value()) {
    throw Napi::TypeError::New(env, "sslChannelCredentials: privateKey and certificateChain must be given together");
  }

  grpc_ssl_pem_key_cert_pair pair = {nullptr, nullptr};
  if (key.has_value()) pair = {key->c_str(), chain->c_str()};
  grpc_channel_credentials* credentials = grpc_ssl_credentials_create_ex(
      roots.has_value() ? roots->c_str() : nullptr, key.has_value() ? &pair : nullptr, nullptr, nullptr);
  return ChannelCredentials::Wrap(env, credentials, "C-core could not create SSL channel credentials");
}

// tlsChannelCredentials({certificates, verifyServerCertificate, checkServerIdentity, checkCallHost})
Napi::Value TlsChannelCredentials(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject()) throw Napi::TypeError::New(env, "tlsChannelCredentials: options must be an object");
  Napi::Object options = info[0].As<Napi::Object>();
  Napi::Value certificates = options.Get("certificates");
  Napi::Value check = options.Get("checkServerIdentity");
  if (!check.IsUndefined() && !check.IsNull() && !check.IsFunction()) {
    throw Napi::TypeError::New(env, "tlsChannelCredentials: checkServerIdentity must be a function");
  }
  bool verify_chain = options.Get("verifyServerCertificate").ToBoolean();
  bool check_call_host = options.Get("checkCallHost").ToBoolean();
  grpc_tls_certificate_provider* provider = CertificateProviderFromValue(env, certificates);

  // From here on nothing throws until the credentials are wrapped.
  grpc_tls_credentials_options* tls_options = grpc_tls_credentials_options_create();
  if (provider != nullptr) {
    grpc_tls_credentials_options_set_certificate_provider(tls_options, provider);
    grpc_tls_certificate_provider_release(provider);
  }
  // Without watched roots, C-core verifies the server against the default roots.
  if (ProviderHasRoots(certificates)) grpc_tls_credentials_options_watch_root_certs(tls_options);
  if (ProviderHasIdentity(certificates)) grpc_tls_credentials_options_watch_identity_key_cert_pairs(tls_options);

  grpc_tls_credentials_options_set_verify_server_cert(tls_options, verify_chain ? 1 : 0);
  grpc_tls_credentials_options_set_check_call_host(tls_options, check_call_host ? 1 : 0);

  // A verifier replaces C-core's own host name check: the JavaScript function, or nothing at all when the chain
  // is not verified either.
  grpc_tls_certificate_verifier* verifier = nullptr;
  if (check.IsFunction()) {
    verifier = NewJsCertificateVerifier(env, check.As<Napi::Function>());
  } else if (!verify_chain) {
    verifier = grpc_tls_certificate_verifier_no_op_create();
  } else {
    verifier = grpc_tls_certificate_verifier_host_name_create();
  }
  grpc_tls_credentials_options_set_certificate_verifier(tls_options, verifier);
  grpc_tls_certificate_verifier_release(verifier);

  // The credentials take the options.
  return ChannelCredentials::Wrap(env, grpc_tls_credentials_create(tls_options),
                                  "C-core could not create TLS channel credentials");
}

// localChannelCredentials(type): type is C-core's grpc_local_connect_type, UDS (0) or LOCAL_TCP (1).
Napi::Value LocalChannelCredentials(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber()) throw Napi::TypeError::New(env, "localChannelCredentials: type must be a number");
  int type = info[0].As<Napi::Number>().Int32Value();
  if (type != UDS && type != LOCAL_TCP) {
    throw Napi::TypeError::New(env, "localChannelCredentials: type must be UDS (0) or LOCAL_TCP (1)");
  }
  return ChannelCredentials::Wrap(env, grpc_local_credentials_create(static_cast<grpc_local_connect_type>(type)),
                                  "C-core could not create local channel credentials");
}

// compositeChannelCredentials(channelCredentials, callCredentials)
Napi::Value CompositeChannelCredentials(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  grpc_channel_credentials* channel =
      ChannelCredentials::FromValue(env, info[0], "compositeChannelCredentials: channelCredentials");
  grpc_call_credentials* call =
      CallCredentials::FromValue(env, info[1], "compositeChannelCredentials: callCredentials");
  // The composite takes its own references to both.
  return ChannelCredentials::Wrap(env, grpc_composite_channel_credentials_create(channel, call, nullptr),
                                  "C-core could not compose the channel credentials with the call credentials");
}

// xdsChannelCredentials(fallback)
Napi::Value XdsChannelCredentials(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  grpc_channel_credentials* fallback = ChannelCredentials::FromValue(env, info[0], "xdsChannelCredentials: fallback");
  return ChannelCredentials::Wrap(env, grpc_xds_credentials_create(fallback),
                                  "C-core could not create xDS channel credentials");
}

// computeEngineChannelCredentials(callCredentials): C-core's Google default channel credentials with the given call
// credentials, as grpcio builds them. They use TLS with the default roots, or ALTS where C-core selects it (grpclb
// and some xDS clusters), and ALTS exists only on Google Cloud. Nothing is contacted while they are made.
Napi::Value ComputeEngineChannelCredentials(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  grpc_call_credentials* call =
      CallCredentials::FromValue(env, info[0], "computeEngineChannelCredentials: callCredentials");

  // C-core adopts the reference it is given, and the public API cannot add a reference to `call`. A composite with
  // the empty credentials is a new object that behaves the same.
  grpc_call_credentials* empty = NewEmptyCallCredentials();
  grpc_call_credentials* adopted = grpc_composite_call_credentials_create(call, empty, nullptr);
  grpc_call_credentials_release(empty);
  return ChannelCredentials::Wrap(env, grpc_google_default_credentials_create(adopted),
                                  "C-core could not create Compute Engine channel credentials");
}

}  // namespace

void InitChannelCredentials(Napi::Env env, Napi::Object exports) {
  // C-core reads the override once per process and requires it to be set before any credentials exist.
  static std::once_flag override_installed;
  std::call_once(override_installed, [] { grpc_set_ssl_roots_override_callback(SupplyDefaultRoots); });

  exports.Set("setDefaultRootCertificates", Napi::Function::New(env, SetDefaultRootCertificates));
  exports.Set("sslChannelCredentials", Napi::Function::New(env, SslChannelCredentials));
  exports.Set("tlsChannelCredentials", Napi::Function::New(env, TlsChannelCredentials));
  exports.Set("localChannelCredentials", Napi::Function::New(env, LocalChannelCredentials));
  exports.Set("compositeChannelCredentials", Napi::Function::New(env, CompositeChannelCredentials));
  exports.Set("xdsChannelCredentials", Napi::Function::New(env, XdsChannelCredentials));
  exports.Set("computeEngineChannelCredentials", Napi::Function::New(env, ComputeEngineChannelCredentials));
}

}  // namespace grpc_native
