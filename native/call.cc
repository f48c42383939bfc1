#include "call.h"

#include <grpc/slice.h>
#include <grpc/support/alloc.h>

#include <string>

#include "addon.h"
#include "batch.h"
#include "util/metadata.h"

namespace grpc_native {

namespace {

// True when a batch sends grpc-timeout in initial or trailing metadata. C-core's HTTP/2 transport aborts the
// process when a server does that.
bool SendsTimeout(const Batch& batch) {
  for (size_t i = 0; i < batch.size(); i++) {
    const grpc_op& op = batch.ops()[i];
    const grpc_metadata* entries = nullptr;
    size_t count = 0;
    if (op.op == GRPC_OP_SEND_INITIAL_METADATA) {
      entries = op.data.send_initial_metadata.metadata;
      count = op.data.send_initial_metadata.count;
    } else if (op.op == GRPC_OP_SEND_STATUS_FROM_SERVER) {
      entries = op.data.send_status_from_server.trailing_metadata;
      count = op.data.send_status_from_server.trailing_metadata_count;
    }
    for (size_t j = 0; j < count; j++) {
      if (grpc_slice_str_cmp(entries[j].key, "grpc-timeout") == 0) return true;
    }
  }
  return false;
}

}  // namespace

const char* CallErrorName(grpc_call_error error) {
  switch (error) {
    case GRPC_CALL_OK: return "GRPC_CALL_OK";
    case GRPC_CALL_ERROR: return "GRPC_CALL_ERROR";
    case GRPC_CALL_ERROR_NOT_ON_SERVER: return "GRPC_CALL_ERROR_NOT_ON_SERVER";
    case GRPC_CALL_ERROR_NOT_ON_CLIENT: return "GRPC_CALL_ERROR_NOT_ON_CLIENT";
    case GRPC_CALL_ERROR_ALREADY_ACCEPTED: return "GRPC_CALL_ERROR_ALREADY_ACCEPTED";
    case GRPC_CALL_ERROR_ALREADY_INVOKED: return "GRPC_CALL_ERROR_ALREADY_INVOKED";
    case GRPC_CALL_ERROR_NOT_INVOKED: return "GRPC_CALL_ERROR_NOT_INVOKED";
    case GRPC_CALL_ERROR_ALREADY_FINISHED: return "GRPC_CALL_ERROR_ALREADY_FINISHED";
    case GRPC_CALL_ERROR_TOO_MANY_OPERATIONS: return "GRPC_CALL_ERROR_TOO_MANY_OPERATIONS";
    case GRPC_CALL_ERROR_INVALID_FLAGS: return "GRPC_CALL_ERROR_INVALID_FLAGS";
    case GRPC_CALL_ERROR_INVALID_METADATA: return "GRPC_CALL_ERROR_INVALID_METADATA";
    case GRPC_CALL_ERROR_INVALID_MESSAGE: return "GRPC_CALL_ERROR_INVALID_MESSAGE";
    case GRPC_CALL_ERROR_NOT_SERVER_COMPLETION_QUEUE: return "GRPC_CALL_ERROR_NOT_SERVER_COMPLETION_QUEUE";
    case GRPC_CALL_ERROR_BATCH_TOO_BIG: return "GRPC_CALL_ERROR_BATCH_TOO_BIG";
    case GRPC_CALL_ERROR_PAYLOAD_TYPE_MISMATCH: return "GRPC_CALL_ERROR_PAYLOAD_TYPE_MISMATCH";
    case GRPC_CALL_ERROR_COMPLETION_QUEUE_SHUTDOWN: return "GRPC_CALL_ERROR_COMPLETION_QUEUE_SHUTDOWN";
  }
  return "unknown grpc_call_error";
}

void Call::Init(Napi::Env env, Napi::Object exports) {
  Napi::Function constructor = DefineClass(env, "Call", {
      InstanceMethod<&Call::StartBatch>("startBatch"),
      InstanceMethod<&Call::Cancel>("cancel"),
      InstanceMethod<&Call::CancelWithStatus>("cancelWithStatus"),
      InstanceMethod<&Call::GetPeer>("getPeer"),
      InstanceMethod<&Call::ReadMessages>("readMessages"),
      InstanceMethod<&Call::QueueMessage>("queueMessage"),
      InstanceMethod<&Call::WaitForSends>("waitForSends"),
  });
  GetAddonData(env)->call_constructor = Napi::Persistent(constructor);
}

Napi::Object Call::Wrap(Napi::Env env, grpc_call* call, bool server_side) {
  Napi::Object object;
  try {
    object = GetAddonData(env)->call_constructor.New({});
  } catch (const Napi::Error&) {
    grpc_call_unref(call);
    throw;
  }
  Call* wrapper = Unwrap(object);
  wrapper->call_ = call;
  wrapper->server_side_ = server_side;
  return object;
}

Call* Call::FromValue(Napi::Env env, Napi::Value value, const char* what) {
  if (!value.IsObject() || !value.As<Napi::Object>().InstanceOf(GetAddonData(env)->call_constructor.Value())) {
    throw Napi::TypeError::New(env, std::string(what) + " must be a call");
  }
  return Unwrap(value.As<Napi::Object>());
}

Call::Call(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Call>(info) {
  // Calls are made only by Channel.createCall and Server.requestCall, which fill call_ right after this.
  pump_ = GetAddonData(info.Env())->pump;
  pump_->Track(this);
}

Call::~Call() {
  pump_->Untrack(this);
  Close();
}

void Call::Close() {
  if (call_ == nullptr) return;

  if (reader_ != nullptr) {
    reader_->Close();
    reader_.reset();
  }
  if (sender_ != nullptr) {
    sender_->Close();
    sender_.reset();
  }

  // Unref cancels a call that has not finished; batches in flight still complete on the queue.
  grpc_call_unref(call_);
  call_ = nullptr;
}

grpc_call* Call::Get(Napi::Env env) const {
  if (call_ == nullptr) throw Napi::Error::New(env, "the call was released because the environment is closing");
  return call_;
}

Napi::Value Call::StartBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  // The first argument is either an operation bitmask (the positional form) or a batch object; see batch.h.
  bool positional = info[0].IsNumber();
  if (!positional && !info[0].IsObject()) {
    throw Napi::TypeError::New(env, "startBatch: batch must be an object or an operation bitmask");
  }
  if (!info[1].IsFunction()) throw Napi::TypeError::New(env, "startBatch: callback must be a function");
  grpc_call* call = Get(env);

  auto* batch = positional ? new Batch(env, Value(), info)
                           : new Batch(env, Value(), info[0].As<Napi::Object>(), info[1].As<Napi::Function>());
  if (server_side_ && SendsTimeout(*batch)) {
    delete batch;
    throw Napi::TypeError::New(env, "startBatch: a server cannot send grpc-timeout metadata");
  }
  void* tag = pump_->Start(batch, true);
  grpc_call_error error = grpc_call_start_batch(call, batch->ops(), batch->size(), tag, nullptr);
  if (error != GRPC_CALL_OK) {
    pump_->Abandon(batch);
    throw Napi::Error::New(env, std::string("startBatch failed: ") + CallErrorName(error));
  }
  return env.Undefined();
}

Napi::Value Call::ReadMessages(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsFunction()) throw Napi::TypeError::New(env, "readMessages: callback must be a function");
  grpc_call* call = Get(env);

  if (reader_ == nullptr) reader_ = std::make_shared<ReadAhead>(call, pump_);
  return reader_->Read(env, Value(), info[0].As<Napi::Function>(), info[1].ToBoolean().Value());
}

Napi::Value Call::QueueMessage(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[1].IsNumber()) throw Napi::TypeError::New(env, "queueMessage: flags must be a number");
  if (!info[2].IsBoolean()) throw Napi::TypeError::New(env, "queueMessage: initialMetadata must be a boolean");
  grpc_call* call = Get(env);

  grpc_byte_buffer* message = ByteBufferFromBuffer(env, info[0], "queueMessage: message");
  if (sender_ == nullptr) sender_ = std::make_shared<SendQueue>(call, pump_);
  bool has_room =
      sender_->Queue(message, info[1].As<Napi::Number>().Uint32Value(), info[2].As<Napi::Boolean>().Value());
  return Napi::Boolean::New(env, has_room);
}

Napi::Value Call::WaitForSends(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsBoolean()) throw Napi::TypeError::New(env, "waitForSends: untilEmpty must be a boolean");
  if (!info[1].IsFunction()) throw Napi::TypeError::New(env, "waitForSends: callback must be a function");
  Get(env);

  if (sender_ == nullptr) return env.Null();
  return sender_->Wait(env, Value(), info[0].As<Napi::Boolean>().Value(), info[1].As<Napi::Function>());
}

void Call::Cancel(const Napi::CallbackInfo& info) {
  if (call_ != nullptr) grpc_call_cancel(call_, nullptr);
}

void Call::CancelWithStatus(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber()) throw Napi::TypeError::New(env, "cancelWithStatus: code must be a number");
  if (!info[1].IsString()) throw Napi::TypeError::New(env, "cancelWithStatus: details must be a string");
  // C-core's HTTP/2 transport aborts the process when it writes a status outside 0-99 into a cancelled stream.
  double number = info[0].As<Napi::Number>().DoubleValue();
  if (!(number >= 0 && number <= 99) || number != static_cast<int>(number)) {
    throw Napi::RangeError::New(env, "cancelWithStatus: code must be an integer from 0 to 99, got " +
                                         info[0].ToString().Utf8Value());
  }
  if (call_ == nullptr) return;

  auto code = static_cast<grpc_status_code>(static_cast<int>(number));
  std::string details = info[1].As<Napi::String>().Utf8Value();
  grpc_call_cancel_with_status(call_, code, details.c_str(), nullptr);
}

Napi::Value Call::GetPeer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (call_ == nullptr) return Napi::String::New(env, "unknown");

  char* peer = grpc_call_get_peer(call_);
  Napi::String result = Napi::String::New(env, peer);
  gpr_free(peer);
  return result;
}

}  // namespace grpc_native
