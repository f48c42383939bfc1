// A C-core channel wrapped for JavaScript.
//
// Ownership: the wrapper owns the grpc_channel and destroys it on close(), when collected, or when the environment
// closes, whichever comes first. Calls made on the channel hold C-core's own references and outlive it.
#pragma once

#include <grpc/grpc.h>
#include <napi.h>

#include <memory>

#include "completion_pump.h"

namespace grpc_native {

class Channel : public Napi::ObjectWrap<Channel>, public Resource {
 public:
  static void Init(Napi::Env env, Napi::Object exports);

  // new Channel(target, credentials, args)
  explicit Channel(const Napi::CallbackInfo& info);
  ~Channel() override;

  void Close() override;

 private:
  grpc_channel* Get(Napi::Env env) const;

  Napi::Value GetTarget(const Napi::CallbackInfo& info);
  Napi::Value GetConnectivityState(const Napi::CallbackInfo& info);
  void WatchConnectivityState(const Napi::CallbackInfo& info);
  Napi::Value CreateCall(const Napi::CallbackInfo& info);
  void CloseFromJs(const Napi::CallbackInfo& info);

  grpc_channel* channel_ = nullptr;
  std::string target_;
  std::shared_ptr<CompletionPump> pump_;
};

}  // namespace grpc_native
