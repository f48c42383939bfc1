// A C-core call, client or server side, wrapped for JavaScript.
//
// Ownership: the wrapper holds one reference to the grpc_call and drops it when collected or when the environment
// closes. Each batch in flight holds a reference to the wrapper's JavaScript object, so a call cannot be collected
// while C-core may still complete one of its operations.
#pragma once

#include <grpc/grpc.h>
#include <napi.h>

#include <memory>

#include "completion_pump.h"
#include "read_ahead.h"
#include "send_queue.h"

namespace grpc_native {

class Call : public Napi::ObjectWrap<Call>, public Resource {
 public:
  static void Init(Napi::Env env, Napi::Object exports);

  // Wraps `call`, taking over the caller's reference, also when it throws. `server_side` marks a call that a
  // server accepted.
  static Napi::Object Wrap(Napi::Env env, grpc_call* call, bool server_side);

  // The wrapper behind `value`, or a TypeError naming `what`.
  static Call* FromValue(Napi::Env env, Napi::Value value, const char* what);

  explicit Call(const Napi::CallbackInfo& info);
  ~Call() override;

  // The C-core call; throws when the call was already released.
  grpc_call* Get(Napi::Env env) const;

  // True for a call that a server accepted. Only those may be the parent of a client call: C-core aborts the
  // process when given a client call as a parent.
  bool server_side() const { return server_side_; }

  void Close() override;

 private:
  Napi::Value StartBatch(const Napi::CallbackInfo& info);
  void Cancel(const Napi::CallbackInfo& info);
  void CancelWithStatus(const Napi::CallbackInfo& info);
  Napi::Value GetPeer(const Napi::CallbackInfo& info);
  Napi::Value ReadMessages(const Napi::CallbackInfo& info);
  Napi::Value QueueMessage(const Napi::CallbackInfo& info);
  Napi::Value WaitForSends(const Napi::CallbackInfo& info);

  grpc_call* call_ = nullptr;
  bool server_side_ = false;
  std::shared_ptr<CompletionPump> pump_;
  // Made by the first readMessages; owns the streaming receives from then on.
  std::shared_ptr<ReadAhead> reader_;
  // Made by the first queueMessage; owns the streaming sends from then on.
  std::shared_ptr<SendQueue> sender_;
};

// Names a grpc_call_error for messages, as C-core spells it.
const char* CallErrorName(grpc_call_error error);

}  // namespace grpc_native
