#include "util/key_cert_pairs.h"

namespace grpc_native {

std::optional<std::string> OptionalString(Napi::Env env, Napi::Value value, const char* what) {
  if (value.IsUndefined() || value.IsNull()) return std::nullopt;
  return RequiredString(env, value, what);
}

std::string RequiredString(Napi::Env env, Napi::Value value, const char* what) {
  if (!value.IsString()) throw Napi::TypeError::New(env, std::string(what) + " must be a string");
  return value.As<Napi::String>().Utf8Value();
}

std::vector<std::string> StringArray(Napi::Env env, Napi::Value value, const char* what) {
  if (!value.IsArray()) throw Napi::TypeError::New(env, std::string(what) + " must be an array of strings");
  Napi::Array array = value.As<Napi::Array>();
  std::vector<std::string> strings;
  strings.reserve(array.Length());
  for (uint32_t i = 0; i < array.Length(); i++) {
    strings.push_back(RequiredString(env, array.Get(i), what));
  }
  return strings;
}

KeyCertPairs::KeyCertPairs(Napi::Env env, Napi::Value value, const char* what) {
  if (value.IsUndefined() || value.IsNull()) return;
  if (!value.IsArray()) throw Napi::TypeError::New(env, std::string(what) + " must be an array");

  Napi::Array array = value.As<Napi::Array>();
  uint32_t count = array.Length();
  keys_.reserve(count);
  chains_.reserve(count);
  for (uint32_t i = 0; i < count; i++) {
    Napi::Value entry = array.Get(i);
    if (!entry.IsObject()) {
      throw Napi::TypeError::New(env, std::string(what) + " must hold {privateKey, certificateChain} objects");
    }
    Napi::Object pair = entry.As<Napi::Object>();
    keys_.push_back(RequiredString(env, pair.Get("privateKey"), "privateKey"));
    chains_.push_back(RequiredString(env, pair.Get("certificateChain"), "certificateChain"));
  }

  // The strings are in place now, so their buffers no longer move.
  for (uint32_t i = 0; i < count; i++) {
    pairs_.push_back({keys_[i].c_str(), chains_[i].c_str()});
  }
}

}  // namespace grpc_native
