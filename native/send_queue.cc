#include "send_queue.h"

#include <utility>

namespace grpc_native {

namespace {

// Bounds of the queue of one stream, the same as the read-ahead's. 16 messages is the default highWaterMark of an
// object-mode Node.js Writable, and the byte bound keeps a stream of large messages to 256 KiB of queued copies.
// Measured with bench/run.js --scenarios stream-64k on a 2-core VM, 1 MiB cost the server 54-60 µs of CPU per
// 64 KiB message, 256 KiB 39-51 µs, likely because fewer copies stay in the CPU caches (an estimate).
// A writer whose queue is full gets its write callback only once there is room again, so Node's Writable buffers
// the rest in JavaScript, as it does for grpc-js.
constexpr size_t kMaxQueuedMessages = 16;
constexpr size_t kMaxQueuedBytes = 256 * 1024;

Napi::Value SendFailure(Napi::Env env) {
  return Napi::Error::New(env, "the send failed because the call already ended").Value();
}

}  // namespace

SendQueue::SendQueue(grpc_call* call, std::shared_ptr<CompletionPump> pump) : call_(call), pump_(std::move(pump)) {
  grpc_call_ref(call_);
}

SendQueue::~SendQueue() {
  DropQueuedLocked();
  grpc_call_unref(call_);
}

bool SendQueue::Queue(grpc_byte_buffer* message, uint32_t flags, bool initial_metadata) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (failed_ || closed_) {
    // No room: the writer then waits, and Wait reports the failure.
    grpc_byte_buffer_destroy(message);
    return false;
  }
  size_t length = grpc_byte_buffer_length(message);
  pending_.push_back({message, length, flags, initial_metadata});
  queued_count_++;
  queued_bytes_ += length;
  if (in_flight_.buffer == nullptr) StartNextLocked();
  return HasRoomLocked();
}

Napi::Value SendQueue::Wait(Napi::Env env, Napi::Object call_object, bool until_empty, Napi::Function callback) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (waiting_) throw Napi::Error::New(env, "waitForSends: a callback is already waiting");
    if (failed_) return SendFailure(env);
    if (closed_) throw Napi::Error::New(env, "waitForSends: the call was released");
    wait_until_empty_ = until_empty;
    if (WaitOverLocked()) return env.Null();
    waiting_ = true;
  }
  callback_ = Napi::Persistent(callback);
  call_object_ = Napi::Persistent(call_object);
  return env.Undefined();
}

void SendQueue::Close() {
  bool cancel;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
    waiting_ = false;
    cancel = in_flight_.buffer != nullptr;
  }
  if (cancel) grpc_call_cancel(call_, nullptr);
  callback_.Reset();
  call_object_.Reset();
}

bool SendQueue::SendOperation::CompleteOnPoller() {
  queue_->OnSent(ok);
  return true;
}

void SendQueue::OnSent(bool ok) {
  // Holding the queue here keeps it alive until this function returns, also when it drops `self_`.
  std::shared_ptr<SendQueue> queue;
  bool post = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queue = std::move(self_);
    queued_count_--;
    queued_bytes_ -= in_flight_.length;
    grpc_byte_buffer_destroy(in_flight_.buffer);
    in_flight_ = {nullptr, 0, 0, false};

    if (!ok) {
      // C-core fails a send only when the call is over, so the messages behind it can never go out.
      failed_ = true;
      DropQueuedLocked();
    } else if (!pending_.empty() && !closed_) {
      StartNextLocked();
    }
    if (waiting_ && WaitOverLocked() && !delivery_posted_) {
      delivery_posted_ = true;
      post = true;
    }
  }
  if (post) pump_->Post(new Delivery(queue));
}

void SendQueue::Delivery::Run(napi_env env) {
  // A null env means the environment is being torn down, and dropping `queue_` is all there is to do.
  if (env != nullptr) queue_->Deliver(Napi::Env(env));
}

void SendQueue::Deliver(Napi::Env env) {
  bool failed;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    delivery_posted_ = false;
    if (closed_ || !waiting_ || !WaitOverLocked()) return;
    waiting_ = false;
    failed = failed_;
  }

  Napi::Function callback = callback_.Value();
  Napi::Object call_object = call_object_.Value();
  callback_.Reset();
  call_object_.Reset();
  callback.Call(call_object, {failed ? SendFailure(env) : env.Null()});
}

bool SendQueue::HasRoomLocked() const {
  return queued_count_ < kMaxQueuedMessages && queued_bytes_ < kMaxQueuedBytes;
}

bool SendQueue::WaitOverLocked() const {
  return failed_ || (wait_until_empty_ ? queued_count_ == 0 : HasRoomLocked());
}

// NOTE: this starts a C-core batch while `mutex_` is held. That is safe for server calls, the only users today.
// On a client call, C-core could run a metadata plugin inline here, and a plugin that queued a message would then
// deadlock on `mutex_`.
void SendQueue::StartNextLocked() {
  in_flight_ = pending_.front();
  pending_.pop_front();

  grpc_op ops[2] = {};
  size_t count = 0;
  if (in_flight_.initial_metadata) ops[count++].op = GRPC_OP_SEND_INITIAL_METADATA;
  grpc_op& send = ops[count++];
  send.op = GRPC_OP_SEND_MESSAGE;
  send.flags = in_flight_.flags & GRPC_WRITE_USED_MASK;
  send.data.send_message.send_message = in_flight_.buffer;

  self_ = shared_from_this();
  grpc_call_error error = grpc_call_start_batch(call_, ops, count, &send_operation_, nullptr);
  if (error != GRPC_CALL_OK) {
    // C-core rejects sends on a call that is over. The caller has another reference, so dropping `self_`
    // cannot destroy the queue here.
    self_.reset();
    queued_count_--;
    queued_bytes_ -= in_flight_.length;
    grpc_byte_buffer_destroy(in_flight_.buffer);
    in_flight_ = {nullptr, 0, 0, false};
    failed_ = true;
    DropQueuedLocked();
  }
}

void SendQueue::DropQueuedLocked() {
  for (Message& message : pending_) {
    queued_count_--;
    queued_bytes_ -= message.length;
    grpc_byte_buffer_destroy(message.buffer);
  }
  pending_.clear();
  if (in_flight_.buffer != nullptr) {
    // Only the destructor gets here with a send in flight, and then C-core is done with the call's operations.
    grpc_byte_buffer_destroy(in_flight_.buffer);
    in_flight_ = {nullptr, 0, 0, false};
  }
}

}  // namespace grpc_native
