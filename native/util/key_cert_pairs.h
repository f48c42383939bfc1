// PEM strings and key/certificate pairs read from JavaScript. The TypeScript layer validates PEM content; these
// readers check only types, so that a bypassed TypeScript layer gets a TypeError rather than a crash.
#pragma once

#include <grpc/grpc_security.h>
#include <napi.h>

#include <optional>
#include <string>
#include <vector>

namespace grpc_native {

// A string argument, or nothing for undefined and null. Throws a TypeError naming `what` for other types.
std::optional<std::string> OptionalString(Napi::Env env, Napi::Value value, const char* what);

// A string argument. Throws a TypeError naming `what` when `value` is not a string.
std::string RequiredString(Napi::Env env, Napi::Value value, const char* what);

// An array of JavaScript strings. Throws a TypeError naming `what` for anything else.
std::vector<std::string> StringArray(Napi::Env env, Napi::Value value, const char* what);

// Private keys and certificate chains in PEM, from `[{privateKey, certificateChain}, ...]`. C-core copies them
// when it takes them, so the pointers of `data()` need to live only as long as the C-core call that reads them.
class KeyCertPairs {
 public:
  // Reads an array of pairs; undefined and null give no pairs.
  KeyCertPairs(Napi::Env env, Napi::Value value, const char* what);
  KeyCertPairs(const KeyCertPairs&) = delete;
  KeyCertPairs& operator=(const KeyCertPairs&) = delete;

  grpc_ssl_pem_key_cert_pair* data() { return pairs_.empty() ? nullptr : pairs_.data(); }
  size_t size() const { return pairs_.size(); }
  const std::string& private_key(size_t i) const { return keys_[i]; }
  const std::string& certificate_chain(size_t i) const { return chains_[i]; }

 private:
  std::vector<std::string> keys_;
  std::vector<std::string> chains_;
  std::vector<grpc_ssl_pem_key_cert_pair> pairs_;
};

}  // namespace grpc_native
