#include "read_ahead.h"

#include <utility>

#include "util/metadata.h"

namespace grpc_native {

namespace {

// Bounds of the queue of one stream. 16 messages is the default highWaterMark of an object-mode Node.js Readable,
// which is how far the stream that consumes the messages reads ahead itself. The byte bound keeps a stream of
// large messages to 256 KiB of queued data, though a single larger message is still received, alone. When either
// bound is reached the reader stops receiving, and HTTP/2 flow control then pushes back on the sender.
// The byte bound was measured with bench/run.js --scenarios stream-64k on a 2-core VM: with 1 MiB, the client
// spent 36-63 µs of CPU per 64 KiB message, with 256 KiB 39-42 µs.
constexpr size_t kMaxQueuedMessages = 16;
constexpr size_t kMaxQueuedBytes = 256 * 1024;

void DestroyAll(std::deque<grpc_byte_buffer*>& buffers) {
  for (grpc_byte_buffer* buffer : buffers) grpc_byte_buffer_destroy(buffer);
  buffers.clear();
}

}  // namespace

ReadAhead::ReadAhead(grpc_call* call, std::shared_ptr<CompletionPump> pump) : call_(call), pump_(std::move(pump)) {
  grpc_call_ref(call_);
}

ReadAhead::~ReadAhead() {
  DestroyAll(queue_);
  if (receive_buffer_ != nullptr) grpc_byte_buffer_destroy(receive_buffer_);
  grpc_call_unref(call_);
}

Napi::Value ReadAhead::Read(Napi::Env env, Napi::Object call_object, Napi::Function callback, bool expect_replies) {
  TakenMessages taken;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (waiting_) throw Napi::Error::New(env, "readMessages: a read is already waiting for messages");
    if (closed_) throw Napi::Error::New(env, "readMessages: the call was released");
    expect_replies_ = expect_replies;
    if (!started_) {
      started_ = true;
      StartReceiveLocked();
    }
    if (HasDeliverableLocked()) {
      taken = TakeLocked();
      // JavaScript requests more, so it has handled what it took before and the queue has room again.
      if (!receiving_ && end_ == End::kNone) StartReceiveLocked();
    } else {
      waiting_ = true;
      if (!receiving_ && end_ == End::kNone) StartReceiveLocked();
    }
  }

  if (taken.messages.empty() && taken.end == End::kNone) {
    callback_ = Napi::Persistent(callback);
    call_object_ = Napi::Persistent(call_object);
    return env.Undefined();
  }
  return ToArray(env, taken);
}

void ReadAhead::Close() {
  bool cancel;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
    waiting_ = false;
    cancel = receiving_;
  }
  if (cancel) grpc_call_cancel(call_, nullptr);
  callback_.Reset();
  call_object_.Reset();
}

bool ReadAhead::ReceiveOperation::CompleteOnPoller() {
  reader_->OnReceived(ok);
  return true;
}

void ReadAhead::OnReceived(bool ok) {
  // Holding the reader here keeps it alive until this function returns, also when it drops `self_`.
  std::shared_ptr<ReadAhead> reader;
  bool post = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    reader = std::move(self_);
    receiving_ = false;
    if (!ok) {
      end_ = End::kFailed;
    } else if (receive_buffer_ == nullptr) {
      end_ = End::kEndOfStream;
    } else {
      queued_bytes_ += grpc_byte_buffer_length(receive_buffer_);
      queue_.push_back(receive_buffer_);
    }
    receive_buffer_ = nullptr;

    if (waiting_ && !delivery_posted_) {
      delivery_posted_ = true;
      post = true;
    }
    // On a call that may reply, with JavaScript idle and waiting for this message, the next receive starts once
    // JavaScript handled it (see Deliver). A receive that waits for data makes C-core send a WINDOW_UPDATE frame at
    // once. Started here, that frame would go out alone instead of with the reply of a ping-pong peer, at the cost
    // of a write and a read on each side. Other streams keep reading, so that flow control keeps granting window.
    bool deferred = waiting_ && expect_replies_;
    if (!deferred && end_ == End::kNone && !closed_ && HasRoomLocked()) StartReceiveLocked();
  }
  if (post) pump_->Post(new Delivery(reader));
}

void ReadAhead::Delivery::Run(napi_env env) {
  // A null env means the environment is being torn down, and dropping `reader_` is all there is to do.
  if (env != nullptr) reader_->Deliver(Napi::Env(env));
}

void ReadAhead::Deliver(Napi::Env env) {
  TakenMessages taken;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    delivery_posted_ = false;
    // A Read that came first may have taken the messages already, and then the callback keeps waiting.
    if (!waiting_ || closed_ || !HasDeliverableLocked()) return;
    waiting_ = false;
    taken = TakeLocked();
  }

  Napi::Function callback = callback_.Value();
  Napi::Object call_object = call_object_.Value();
  callback_.Reset();
  call_object_.Reset();
  Napi::Array messages = ToArray(env, taken);
  Napi::Value resume;
  try {
    resume = callback.Call(call_object, {messages});
  } catch (...) {
    ResumeReceiving();
    throw;
  }
  // A callback that returns false queued a send that has yet to start: the next readMessages resumes, after it.
  if (!resume.IsBoolean() || resume.As<Napi::Boolean>().Value()) ResumeReceiving();
}

void ReadAhead::ResumeReceiving() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (started_ && !receiving_ && end_ == End::kNone && !closed_ && HasRoomLocked()) StartReceiveLocked();
}

bool ReadAhead::HasDeliverableLocked() const {
  return !queue_.empty() || (end_ != End::kNone && !end_taken_);
}

bool ReadAhead::HasRoomLocked() const {
  return queue_.size() < kMaxQueuedMessages && queued_bytes_ < kMaxQueuedBytes;
}

ReadAhead::TakenMessages ReadAhead::TakeLocked() {
  TakenMessages taken;
  taken.messages.swap(queue_);
  queued_bytes_ = 0;
  if (end_ != End::kNone && !end_taken_) {
    end_taken_ = true;
    taken.end = end_;
  }
  return taken;
}

void ReadAhead::StartReceiveLocked() {
  grpc_op op = {};
  op.op = GRPC_OP_RECV_MESSAGE;
  op.data.recv_message.recv_message = &receive_buffer_;
  receiving_ = true;
  self_ = shared_from_this();
  grpc_call_error error = grpc_call_start_batch(call_, &op, 1, &receive_operation_, nullptr);
  if (error != GRPC_CALL_OK) {
    // C-core rejects receives on a call that is over, and JavaScript gets the failure after the queued messages.
    // The caller holds another reference, so dropping `self_` cannot destroy the reader here.
    receiving_ = false;
    self_.reset();
    end_ = End::kFailed;
  }
}

Napi::Array ReadAhead::ToArray(Napi::Env env, TakenMessages& taken) {
  Napi::Array result = Napi::Array::New(env);
  uint32_t index = 0;
  try {
    while (!taken.messages.empty()) {
      grpc_byte_buffer* buffer = taken.messages.front();
      Napi::Value message = BufferFromByteBuffer(env, buffer);
      taken.messages.pop_front();
      grpc_byte_buffer_destroy(buffer);
      result.Set(index++, message);
    }
  } catch (...) {
    DestroyAll(taken.messages);
    throw;
  }
  if (taken.end == End::kEndOfStream) {
    result.Set(index, env.Null());
  } else if (taken.end == End::kFailed) {
    result.Set(index, Napi::Error::New(env, "the receive failed because the call already ended").Value());
  }
  return result;
}

}  // namespace grpc_native
