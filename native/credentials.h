// JavaScript handles of C-core credentials. Each wrapper owns one reference to its C-core credentials and
// releases it when collected or when the environment closes. C-core takes its own references where it keeps
// credentials (channels, composites, servers' ports), so a wrapper may be collected while they live on.
#pragma once

#include <grpc/grpc_security.h>
#include <napi.h>

#include <memory>

#include "completion_pump.h"

namespace grpc_native {

// Releases one kind of C-core credentials.
template <typename T>
struct CredentialsTraits;

template <>
struct CredentialsTraits<grpc_channel_credentials> {
  static constexpr const char* kName = "ChannelCredentials";
  static constexpr const char* kKind = "channel";
  static void Release(grpc_channel_credentials* credentials) { grpc_channel_credentials_release(credentials); }
};

template <>
struct CredentialsTraits<grpc_call_credentials> {
  static constexpr const char* kName = "CallCredentials";
  static constexpr const char* kKind = "call";
  static void Release(grpc_call_credentials* credentials) { grpc_call_credentials_release(credentials); }
};

template <>
struct CredentialsTraits<grpc_server_credentials> {
  static constexpr const char* kName = "ServerCredentials";
  static constexpr const char* kKind = "server";
  static void Release(grpc_server_credentials* credentials) { grpc_server_credentials_release(credentials); }
};

template <typename T>
class Credentials : public Napi::ObjectWrap<Credentials<T>>, public Resource {
 public:
  static void Init(Napi::Env env);

  // Wraps `credentials`, taking over the caller's reference. Throws when C-core returned null.
  static Napi::Object Wrap(Napi::Env env, T* credentials, const char* failure_message);

  // The C-core credentials of a wrapper, or a TypeError naming `what` if `value` is not one. The wrapper keeps
  // ownership; callers that keep the pointer take their own reference through C-core.
  static T* FromValue(Napi::Env env, Napi::Value value, const char* what);

  explicit Credentials(const Napi::CallbackInfo& info);
  ~Credentials() override;

  void Close() override;

 private:
  T* credentials_ = nullptr;
  std::shared_ptr<CompletionPump> pump_;
};

using ChannelCredentials = Credentials<grpc_channel_credentials>;
using CallCredentials = Credentials<grpc_call_credentials>;
using ServerCredentials = Credentials<grpc_server_credentials>;

// Registers the credentials classes and the insecure credentials factories on `exports`.
void InitCredentials(Napi::Env env, Napi::Object exports);

}  // namespace grpc_native
