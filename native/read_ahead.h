// Read-ahead for streaming calls: the poller thread keeps a GRPC_OP_RECV_MESSAGE in flight and queues what it
// receives, so that JavaScript takes every queued message in one task. Without it each message costs two thread
// hand-offs: the completion to JavaScript, and JavaScript's next receive back to C-core.
//
// Threads: Read and Close run on the JavaScript thread, OnReceived on the poller thread; `mutex_` guards the state
// that both touch. JavaScript references (`callback_`, `call_object_`) are used on the JavaScript thread only.
//
// Ownership: the reader keeps its own reference to the grpc_call, dropped by the destructor. It keeps itself alive
// (`self_`) while a receive is in flight, and each posted delivery keeps a reference to it too. So it may be
// destroyed on either thread, and by then Close or the delivery already released the JavaScript references.
#pragma once

#include <grpc/grpc.h>
#include <napi.h>

#include <deque>
#include <memory>
#include <mutex>

#include "completion_pump.h"

namespace grpc_native {

class ReadAhead : public std::enable_shared_from_this<ReadAhead> {
 public:
  // Takes a new reference to `call`.
  ReadAhead(grpc_call* call, std::shared_ptr<CompletionPump> pump);
  ~ReadAhead();

  ReadAhead(const ReadAhead&) = delete;
  ReadAhead& operator=(const ReadAhead&) = delete;

  // Returns the queued messages as an array of Buffers, ending with `null` at the end of the stream or with an
  // Error when a receive failed. With nothing queued, returns undefined and calls `callback` once with the next
  // such array, on a later task; `call_object` is kept alive until then. The first call starts receiving.
  // `expect_replies` marks a call that may reply to each message with a send (a bidi stream that is still open).
  // Throws when a callback is already waiting.
  Napi::Value Read(Napi::Env env, Napi::Object call_object, Napi::Function callback, bool expect_replies);

  // Stops receiving for good and releases the JavaScript references. Cancels the call if a receive is in flight,
  // as dropping the last reference to the call would. JavaScript thread, also during environment teardown.
  void Close();

 private:
  // End of the stream, which JavaScript must get after every queued message.
  enum class End { kNone, kEndOfStream, kFailed };

  class ReceiveOperation : public Operation {
   public:
    explicit ReceiveOperation(ReadAhead* reader) : reader_(reader) {}
    bool CompleteOnPoller() override;
    void Run(napi_env) override {}

   private:
    ReadAhead* reader_;
  };

  class Delivery : public Task {
   public:
    explicit Delivery(std::shared_ptr<ReadAhead> reader) : reader_(std::move(reader)) {}
    void Run(napi_env env) override;

   private:
    std::shared_ptr<ReadAhead> reader_;
  };

  // Messages and end that one Read or delivery takes out of the queue under the lock, for JavaScript.
  struct TakenMessages {
    std::deque<grpc_byte_buffer*> messages;
    End end = End::kNone;
  };

  void OnReceived(bool ok);
  void Deliver(Napi::Env env);
  // Starts the next receive if the reader stopped and the queue has room.
  void ResumeReceiving();

  bool HasDeliverableLocked() const;
  bool HasRoomLocked() const;
  TakenMessages TakeLocked();
  void StartReceiveLocked();
  static Napi::Array ToArray(Napi::Env env, TakenMessages& taken);

  grpc_call* const call_;
  const std::shared_ptr<CompletionPump> pump_;
  ReceiveOperation receive_operation_{this};

  // JavaScript thread only.
  Napi::FunctionReference callback_;
  Napi::ObjectReference call_object_;

  std::mutex mutex_;
  std::shared_ptr<ReadAhead> self_;
  grpc_byte_buffer* receive_buffer_ = nullptr;
  std::deque<grpc_byte_buffer*> queue_;
  size_t queued_bytes_ = 0;
  End end_ = End::kNone;
  bool end_taken_ = false;
  bool started_ = false;
  bool receiving_ = false;
  bool waiting_ = false;
  bool expect_replies_ = false;
  bool delivery_posted_ = false;
  bool closed_ = false;
};

}  // namespace grpc_native
