// A C-core server wrapped for JavaScript.
//
// Ownership: the wrapper owns the grpc_server. It is destroyed once its shutdown completes, or at once (after a
// forced shutdown) when the wrapper is collected or the environment closes. Each request for a call in flight holds
// the wrapper's JavaScript object, so a serving server is never collected.
#pragma once

#include <grpc/grpc.h>
#include <napi.h>

#include <memory>

#include "completion_pump.h"

namespace grpc_native {

class Server : public Napi::ObjectWrap<Server>, public Resource {
 public:
  static void Init(Napi::Env env, Napi::Object exports);

  // new Server(args)
  explicit Server(const Napi::CallbackInfo& info);
  ~Server() override;

  // Shuts down at once, cancelling every call, and destroys the server.
  void Close() override;

 private:
  grpc_server* Get(Napi::Env env) const;

  Napi::Value AddPort(const Napi::CallbackInfo& info);
  void Start(const Napi::CallbackInfo& info);
  void RequestCall(const Napi::CallbackInfo& info);
  void Shutdown(const Napi::CallbackInfo& info);
  void CancelAllCalls(const Napi::CallbackInfo& info);

  grpc_server* server_ = nullptr;
  bool started_ = false;
  bool shutting_down_ = false;
  std::shared_ptr<CompletionPump> pump_;

  friend class ShutdownOperation;
};

}  // namespace grpc_native
