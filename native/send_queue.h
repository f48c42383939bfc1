// A send queue for streaming calls: JavaScript queues messages without waiting for the previous send to complete,
// and the poller thread starts each GRPC_OP_SEND_MESSAGE as soon as the one before it completed. Without it each
// message costs two thread hand-offs: the completion to JavaScript, and JavaScript's next send back to C-core.
//
// JavaScript learns about completions only when it asked to: through Wait, when the queue has room again or is
// empty. That is how a writer is held back once the queue is full (see kMaxQueuedMessages in send_queue.cc).
//
// Threads: Queue, Wait and Close run on the JavaScript thread, OnSent on the poller thread; `mutex_` guards the
// state that both touch. JavaScript references (`callback_`, `call_object_`) are used on the JavaScript thread only.
//
// Ownership: the queue keeps its own reference to the grpc_call, dropped by the destructor, and owns the byte
// buffers of queued messages. It keeps itself alive (`self_`) while a send is in flight, and each posted delivery
// keeps a reference to it too. It keeps the call's JavaScript object alive only while a Wait callback is pending,
// because releasing it each time the queue empties would cost a wake-up of the JavaScript thread.
// NOTE: so a call object that is collected with sends queued cancels its call (Call::Close). The server call keeps
// its object referenced until the call ends, through its GRPC_OP_RECV_CLOSE_ON_SERVER batch.
#pragma once

#include <grpc/grpc.h>
#include <napi.h>

#include <deque>
#include <memory>
#include <mutex>

#include "completion_pump.h"

namespace grpc_native {

class SendQueue : public std::enable_shared_from_this<SendQueue> {
 public:
  // Takes a new reference to `call`.
  SendQueue(grpc_call* call, std::shared_ptr<CompletionPump> pump);
  ~SendQueue();

  SendQueue(const SendQueue&) = delete;
  SendQueue& operator=(const SendQueue&) = delete;

  // Queues `message`, taking over the byte buffer, and returns whether the queue has room for more. With
  // `initial_metadata`, empty initial metadata goes out in the same batch, ahead of the message. After a send
  // failed, messages are dropped, because C-core ended the call, and the result is false.
  bool Queue(grpc_byte_buffer* message, uint32_t flags, bool initial_metadata);

  // Returns null when the queue has room (with `until_empty`: is empty), or the Error of a failed send. Otherwise
  // returns undefined and calls `callback` once with null or the Error when that becomes true, on a later task.
  // Throws when a callback is already waiting.
  Napi::Value Wait(Napi::Env env, Napi::Object call_object, bool until_empty, Napi::Function callback);

  // Stops sending for good, releases the JavaScript references and cancels the call if a send is in flight, as
  // dropping the last reference to the call would. JavaScript thread, also during environment teardown.
  void Close();

 private:
  struct Message {
    grpc_byte_buffer* buffer;
    // Taken when queued: C-core moves the slices out of a buffer that it sends.
    size_t length;
    uint32_t flags;
    bool initial_metadata;
  };

  class SendOperation : public Operation {
   public:
    explicit SendOperation(SendQueue* queue) : queue_(queue) {}
    bool CompleteOnPoller() override;
    void Run(napi_env) override {}

   private:
    SendQueue* queue_;
  };

  class Delivery : public Task {
   public:
    explicit Delivery(std::shared_ptr<SendQueue> queue) : queue_(std::move(queue)) {}
    void Run(napi_env env) override;

   private:
    std::shared_ptr<SendQueue> queue_;
  };

  void OnSent(bool ok);
  void Deliver(Napi::Env env);

  bool HasRoomLocked() const;
  bool WaitOverLocked() const;
  void StartNextLocked();
  void DropQueuedLocked();

  grpc_call* const call_;
  const std::shared_ptr<CompletionPump> pump_;
  SendOperation send_operation_{this};

  // JavaScript thread only.
  Napi::FunctionReference callback_;
  Napi::ObjectReference call_object_;

  std::mutex mutex_;
  std::shared_ptr<SendQueue> self_;
  std::deque<Message> pending_;
  Message in_flight_ = {nullptr, 0, 0, false};
  // Messages and bytes queued or in flight.
  size_t queued_count_ = 0;
  size_t queued_bytes_ = 0;
  bool failed_ = false;
  bool closed_ = false;
  bool waiting_ = false;
  bool wait_until_empty_ = false;
  bool delivery_posted_ = false;
};

}  // namespace grpc_native
