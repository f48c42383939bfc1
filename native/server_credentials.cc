#include "server_credentials.h"

#include <optional>
#include <string>

#include "auth_metadata_processor.h"
#include "certificate_provider.h"
#include "credentials.h"
#include "util/key_cert_pairs.h"

namespace grpc_native {

grpc_ssl_client_certificate_request_type ClientCertificateRequestFromValue(Napi::Env env, Napi::Value value,
                                                                           const char* what) {
  if (!value.IsNumber()) throw Napi::TypeError::New(env, std::string(what) + " must be a number");
  int type = value.As<Napi::Number>().Int32Value();
  if (type < GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE ||
      type > GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY) {
    throw Napi::TypeError::New(env, std::string(what) + " must be a client certificate request type from 0 to 4");
  }
  return static_cast<grpc_ssl_client_certificate_request_type>(type);
}

namespace {

// Wraps `credentials` after attaching the processor, when there is one.
Napi::Value WrapWithProcessor(Napi::Env env, grpc_server_credentials* credentials, Napi::Value processor,
                              const char* failure_message) {
  Napi::Object wrapper = ServerCredentials::Wrap(env, credentials, failure_message);
  if (!processor.IsUndefined() && !processor.IsNull()) {
    AttachToServerCredentials(env, credentials, processor, nullptr);
  }
  return wrapper;
}

// sslServerCredentials(rootCertificates, pairs, clientCertificateRequest, processor)
Napi::Value SslServerCredentials(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::optional<std::string> roots = OptionalString(env, info[0], "sslServerCredentials: rootCertificates");
  KeyCertPairs pairs(env, info[1], "sslServerCredentials: pairs");
  if (pairs.size() == 0) throw Napi::TypeError::New(env, "sslServerCredentials: pairs must not be empty");
  grpc_ssl_client_certificate_request_type request =
      ClientCertificateRequestFromValue(env, info[2], "sslServerCredentials: clientCertificateRequest");

  // The options take the config, and the credentials take the options.
  grpc_ssl_server_certificate_config* config = grpc_ssl_server_certificate_config_create(
      roots.has_value() ? roots->c_str() : nullptr, pairs.data(), pairs.size());
  grpc_ssl_server_credentials_options* options =
      grpc_ssl_server_credentials_create_options_using_config(request, config);
  return WrapWithProcessor(env, grpc_ssl_server_credentials_create_with_options(options), info[3],
                           "C-core could not create SSL server credentials");
}

// tlsServerCredentials({certificates, clientCertificateRequest}, processor)
Napi::Value TlsServerCredentials(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject()) throw Napi::TypeError::New(env, "tlsServerCredentials: options must be an object");
  Napi::Object options = info[0].As<Napi::Object>();
  Napi::Value certificates = options.Get("certificates");
  grpc_ssl_client_certificate_request_type request = ClientCertificateRequestFromValue(
      env, options.Get("clientCertificateRequest"), "tlsServerCredentials: clientCertificateRequest");
  grpc_tls_certificate_provider* provider = CertificateProviderFromValue(env, certificates);
  if (!ProviderHasIdentity(certificates)) {
    grpc_tls_certificate_provider_release(provider);
    throw Napi::TypeError::New(env, "tlsServerCredentials: a server needs a private key and certificate chain");
  }

  grpc_tls_credentials_options* tls_options = grpc_tls_credentials_options_create();
  grpc_tls_credentials_options_set_certificate_provider(tls_options, provider);
  grpc_tls_certificate_provider_release(provider);
  grpc_tls_credentials_options_watch_identity_key_cert_pairs(tls_options);
  if (ProviderHasRoots(certificates)) grpc_tls_credentials_options_watch_root_certs(tls_options);
  grpc_tls_credentials_options_set_cert_request_type(tls_options, request);

  // The credentials take the options.
  return WrapWithProcessor(env, grpc_tls_server_credentials_create(tls_options), info[1],
                           "C-core could not create TLS server credentials");
}

// localServerCredentials(type, processor)
Napi::Value LocalServerCredentials(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber()) throw Napi::TypeError::New(env, "localServerCredentials: type must be a number");
  int type = info[0].As<Napi::Number>().Int32Value();
  if (type != UDS && type != LOCAL_TCP) {
    throw Napi::TypeError::New(env, "localServerCredentials: type must be UDS (0) or LOCAL_TCP (1)");
  }
  return WrapWithProcessor(env, grpc_local_server_credentials_create(static_cast<grpc_local_connect_type>(type)),
                           info[1], "C-core could not create local server credentials");
}

// xdsServerCredentials(fallback, processor)
Napi::Value XdsServerCredentials(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  grpc_server_credentials* fallback = ServerCredentials::FromValue(env, info[0], "xdsServerCredentials: fallback");
  return WrapWithProcessor(env, grpc_xds_server_credentials_create(fallback), info[1],
                           "C-core could not create xDS server credentials");
}

// insecureServerCredentialsWithProcessor(processor)
Napi::Value InsecureServerCredentialsWithProcessor(const Napi::CallbackInfo& info) {
  return WrapWithProcessor(info.Env(), grpc_insecure_server_credentials_create(), info[0],
                           "C-core could not create insecure server credentials");
}

}  // namespace

void InitServerCredentials(Napi::Env env, Napi::Object exports) {
  exports.Set("sslServerCredentials", Napi::Function::New(env, SslServerCredentials));
  exports.Set("tlsServerCredentials", Napi::Function::New(env, TlsServerCredentials));
  exports.Set("localServerCredentials", Napi::Function::New(env, LocalServerCredentials));
  exports.Set("xdsServerCredentials", Napi::Function::New(env, XdsServerCredentials));
  exports.Set("insecureServerCredentialsWithProcessor",
              Napi::Function::New(env, InsecureServerCredentialsWithProcessor));
}

}  // namespace grpc_native
