#include "certificate_provider.h"

#include <optional>
#include <string>

#include "util/key_cert_pairs.h"

namespace grpc_native {

namespace {

bool HasString(Napi::Object object, const char* key) {
  return object.Get(key).IsString();
}

grpc_tls_certificate_provider* StaticProvider(Napi::Env env, Napi::Object description) {
  std::optional<std::string> roots =
      OptionalString(env, description.Get("rootCertificates"), "rootCertificates");
  std::optional<std::string> key = OptionalString(env, description.Get("privateKey"), "privateKey");
  std::optional<std::string> chain = OptionalString(env, description.Get("certificateChain"), "certificateChain");
  if (key.has_value() != chain.has_value()) {
    throw Napi::TypeError::New(env, "privateKey and certificateChain must be given together");
  }

  // C-core's static provider aborts when it gets neither roots nor a pair, so there is no provider then.
  if (!roots.has_value() && !key.has_value()) return nullptr;

  // The provider takes the pairs; it copies the roots.
  grpc_tls_identity_pairs* pairs = nullptr;
  if (key.has_value()) {
    pairs = grpc_tls_identity_pairs_create();
    grpc_tls_identity_pairs_add_pair(pairs, key->c_str(), chain->c_str());
  }
  return grpc_tls_certificate_provider_static_data_create(roots.has_value() ? roots->c_str() : nullptr, pairs);
}

grpc_tls_certificate_provider* FileProvider(Napi::Env env, Napi::Object description) {
  std::optional<std::string> roots =
      OptionalString(env, description.Get("rootCertificatesPath"), "rootCertificatesPath");
  std::optional<std::string> key = OptionalString(env, description.Get("privateKeyPath"), "privateKeyPath");
  std::optional<std::string> chain =
      OptionalString(env, description.Get("certificateChainPath"), "certificateChainPath");
  if (key.has_value() != chain.has_value()) {
    throw Napi::TypeError::New(env, "privateKeyPath and certificateChainPath must be given together");
  }
  if (!key.has_value() && !roots.has_value()) {
    throw Napi::TypeError::New(env, "a file watcher needs rootCertificatesPath or privateKeyPath and "
                                    "certificateChainPath");
  }
  Napi::Value interval = description.Get("refreshIntervalSeconds");
  if (!interval.IsNumber() || interval.As<Napi::Number>().Int64Value() < 1) {
    throw Napi::TypeError::New(env, "refreshIntervalSeconds must be a positive number");
  }

  return grpc_tls_certificate_provider_file_watcher_create(
      key.has_value() ? key->c_str() : nullptr, chain.has_value() ? chain->c_str() : nullptr,
      roots.has_value() ? roots->c_str() : nullptr, interval.As<Napi::Number>().Uint32Value());
}

}  // namespace

grpc_tls_certificate_provider* CertificateProviderFromValue(Napi::Env env, Napi::Value value) {
  if (!value.IsObject()) throw Napi::TypeError::New(env, "certificates must be an object");
  Napi::Object description = value.As<Napi::Object>();
  std::string kind = RequiredString(env, description.Get("kind"), "certificates.kind");
  if (kind == "static") return StaticProvider(env, description);
  if (kind == "files") return FileProvider(env, description);
  throw Napi::TypeError::New(env, "certificates.kind must be 'static' or 'files'");
}

bool ProviderHasRoots(Napi::Value value) {
  Napi::Object description = value.As<Napi::Object>();
  return HasString(description, "rootCertificates") || HasString(description, "rootCertificatesPath");
}

bool ProviderHasIdentity(Napi::Value value) {
  Napi::Object description = value.As<Napi::Object>();
  return HasString(description, "privateKey") || HasString(description, "privateKeyPath");
}

}  // namespace grpc_native
