#include "batch.h"

#include <grpc/support/alloc.h>

#include <string>

namespace grpc_native {

namespace {

bool Has(Napi::Object description, const char* field) {
  Napi::Value value = description.Get(field);
  return !value.IsUndefined() && !value.IsNull();
}

// Reads the `ops` bitmask of a positional description.
uint32_t OpsFromValue(Napi::Env env, Napi::Value value) {
  double number = value.As<Napi::Number>().DoubleValue();
  if (!(number >= 1 && number <= kAllBatchOps) || number != static_cast<uint32_t>(number)) {
    throw Napi::RangeError::New(env, "startBatch: ops must be an integer from 1 to " + std::to_string(kAllBatchOps) +
                                         " (a bitmask of batch operations), got " + value.ToString().Utf8Value());
  }
  return static_cast<uint32_t>(number);
}

}  // namespace

Batch::Batch(Napi::Env env, Napi::Object call_object, Napi::Object description, Napi::Function callback) {
  Build(call_object, callback, [&] { ReadDescription(env, description); });
}

Batch::Batch(Napi::Env env, Napi::Object call_object, const Napi::CallbackInfo& info) {
  positional_ = true;
  Build(call_object, info[kCallbackArgument].As<Napi::Function>(), [&] { ReadArguments(env, info); });
}

template <typename Reader>
void Batch::Build(Napi::Object call_object, Napi::Function callback, Reader read) {
  grpc_metadata_array_init(&recv_metadata_);
  grpc_metadata_array_init(&recv_trailing_metadata_);
  ops_.reserve(8);

  // A constructor that throws runs no destructor, so a malformed description must free what was read before it.
  try {
    read();
  } catch (...) {
    Release();
    throw;
  }

  // Only now that the description is valid do the references get taken.
  call_object_ = Napi::Persistent(call_object);
  callback_ = Napi::Persistent(callback);
}

void Batch::ReadDescription(Napi::Env env, Napi::Object description) {
  if (Has(description, "sendInitialMetadata")) {
    AddSendInitialMetadata(env, description.Get("sendInitialMetadata"), description.Get("sendInitialMetadataFlags"),
                           "sendInitialMetadata");
  }
  if (Has(description, "sendMessage")) {
    AddSendMessage(env, description.Get("sendMessage"), description.Get("sendMessageFlags"), "sendMessage");
  }
  if (Has(description, "sendCloseFromClient")) AddOp(GRPC_OP_SEND_CLOSE_FROM_CLIENT);

  if (Has(description, "sendStatusFromServer")) {
    Napi::Value status_value = description.Get("sendStatusFromServer");
    if (!status_value.IsObject()) throw Napi::TypeError::New(env, "sendStatusFromServer must be an object");
    Napi::Object status = status_value.As<Napi::Object>();
    AddSendStatusFromServer(env, status.Get("code"), status.Get("details"), status.Get("metadata"),
                            "sendStatusFromServer.code", "sendStatusFromServer.details",
                            "sendStatusFromServer.metadata");
  }

  if (Has(description, "recvInitialMetadata")) AddRecvInitialMetadata();
  if (Has(description, "recvMessage")) AddRecvMessage();
  if (Has(description, "recvStatusOnClient")) AddRecvStatusOnClient();
  if (Has(description, "recvCloseOnServer")) AddRecvCloseOnServer();

  if (ops_.empty()) throw Napi::TypeError::New(env, "a batch must contain at least one operation");
}

void Batch::ReadArguments(Napi::Env env, const Napi::CallbackInfo& info) {
  uint32_t ops = OpsFromValue(env, info[kOpsArgument]);

  if (ops & kSendInitialMetadata) {
    AddSendInitialMetadata(env, info[kInitialMetadataArgument], info[kInitialMetadataFlagsArgument],
                           "startBatch: initialMetadata");
  }
  if (ops & kSendMessage) {
    AddSendMessage(env, info[kMessageArgument], info[kMessageFlagsArgument], "startBatch: message");
  }
  if (ops & kSendCloseFromClient) AddOp(GRPC_OP_SEND_CLOSE_FROM_CLIENT);
  if (ops & kSendStatusFromServer) {
    AddSendStatusFromServer(env, info[kStatusCodeArgument], info[kStatusDetailsArgument],
                            info[kTrailingMetadataArgument], "startBatch: statusCode", "startBatch: statusDetails",
                            "startBatch: trailingMetadata");
  }

  if (ops & kRecvInitialMetadata) AddRecvInitialMetadata();
  if (ops & kRecvMessage) AddRecvMessage();
  if (ops & kRecvStatusOnClient) AddRecvStatusOnClient();
  if (ops & kRecvCloseOnServer) AddRecvCloseOnServer();
}

void Batch::AddSendInitialMetadata(Napi::Env env, Napi::Value metadata, Napi::Value flags, const char* what) {
  send_metadata_.Assign(env, metadata, what);
  grpc_op& op = AddOp(GRPC_OP_SEND_INITIAL_METADATA);
  op.data.send_initial_metadata.count = send_metadata_.size();
  op.data.send_initial_metadata.metadata = send_metadata_.data();
  if (flags.IsNumber()) op.flags = flags.As<Napi::Number>().Uint32Value() & GRPC_INITIAL_METADATA_USED_MASK;
}

void Batch::AddSendMessage(Napi::Env env, Napi::Value message, Napi::Value flags, const char* what) {
  send_message_ = ByteBufferFromBuffer(env, message, what);
  grpc_op& op = AddOp(GRPC_OP_SEND_MESSAGE);
  op.data.send_message.send_message = send_message_;
  if (flags.IsNumber()) op.flags = flags.As<Napi::Number>().Uint32Value() & GRPC_WRITE_USED_MASK;
}

void Batch::AddSendStatusFromServer(Napi::Env env, Napi::Value code, Napi::Value details, Napi::Value metadata,
                                    const char* code_what, const char* details_what, const char* metadata_what) {
  if (!code.IsNumber()) throw Napi::TypeError::New(env, std::string(code_what) + " must be a number");

  send_status_details_ = SliceFromString(env, details, details_what);
  send_trailing_metadata_.Assign(env, metadata, metadata_what);
  grpc_op& op = AddOp(GRPC_OP_SEND_STATUS_FROM_SERVER);
  op.data.send_status_from_server.status = static_cast<grpc_status_code>(code.As<Napi::Number>().Int32Value());
  op.data.send_status_from_server.status_details = &send_status_details_;
  op.data.send_status_from_server.trailing_metadata_count = send_trailing_metadata_.size();
  op.data.send_status_from_server.trailing_metadata = send_trailing_metadata_.data();
}

void Batch::AddRecvInitialMetadata() {
  recv_initial_metadata_ = true;
  AddOp(GRPC_OP_RECV_INITIAL_METADATA).data.recv_initial_metadata.recv_initial_metadata = &recv_metadata_;
}

void Batch::AddRecvMessage() {
  recv_message_ = true;
  AddOp(GRPC_OP_RECV_MESSAGE).data.recv_message.recv_message = &recv_message_buffer_;
}

void Batch::AddRecvStatusOnClient() {
  recv_status_ = true;
  grpc_op& op = AddOp(GRPC_OP_RECV_STATUS_ON_CLIENT);
  op.data.recv_status_on_client.trailing_metadata = &recv_trailing_metadata_;
  op.data.recv_status_on_client.status = &recv_status_code_;
  op.data.recv_status_on_client.status_details = &recv_status_details_;
  op.data.recv_status_on_client.error_string = &recv_error_string_;
}

void Batch::AddRecvCloseOnServer() {
  recv_close_ = true;
  AddOp(GRPC_OP_RECV_CLOSE_ON_SERVER).data.recv_close_on_server.cancelled = &recv_cancelled_;
}

Batch::~Batch() {
  Release();
}

void Batch::Release() {
  if (send_message_ != nullptr) grpc_byte_buffer_destroy(send_message_);
  grpc_slice_unref(send_status_details_);
  grpc_metadata_array_destroy(&recv_metadata_);
  if (recv_message_buffer_ != nullptr) grpc_byte_buffer_destroy(recv_message_buffer_);
  grpc_metadata_array_destroy(&recv_trailing_metadata_);
  grpc_slice_unref(recv_status_details_);
  if (recv_error_string_ != nullptr) gpr_free(const_cast<char*>(recv_error_string_));
}

grpc_op& Batch::AddOp(grpc_op_type type) {
  grpc_op op = {};
  op.op = type;
  ops_.push_back(op);
  return ops_.back();
}

void Batch::Run(napi_env raw_env) {
  if (raw_env == nullptr) return;
  Napi::Env env(raw_env);

  Napi::Value error = env.Null();
  if (!ok) error = Napi::Error::New(env, "the batch failed because the call already ended").Value();

  Napi::Function callback = callback_.Value();
  callback_.Reset();
  call_object_.Reset();
  if (positional_) {
    RunWithArguments(env, error, callback);
  } else {
    RunWithResultObject(env, error, callback);
  }
}

void Batch::RunWithResultObject(Napi::Env env, Napi::Value error, Napi::Function callback) {
  Napi::Object result = Napi::Object::New(env);
  if (recv_initial_metadata_) result.Set("metadata", MetadataToArray(env, recv_metadata_));
  if (recv_message_) {
    result.Set("message", recv_message_buffer_ == nullptr ? env.Null() : BufferFromByteBuffer(env, recv_message_buffer_));
  }
  if (recv_status_) {
    Napi::Object status = Napi::Object::New(env);
    status.Set("code", Napi::Number::New(env, recv_status_code_));
    status.Set("details", StringFromSlice(env, recv_status_details_));
    status.Set("metadata", MetadataToArray(env, recv_trailing_metadata_));
    if (recv_error_string_ != nullptr) status.Set("debugErrorString", Napi::String::New(env, recv_error_string_));
    result.Set("status", status);
  }
  if (recv_close_) result.Set("cancelled", Napi::Boolean::New(env, recv_cancelled_ != 0));

  callback.Call({error, result});
}

void Batch::RunWithArguments(Napi::Env env, Napi::Value error, Napi::Function callback) {
  Napi::Value undefined = env.Undefined();
  Napi::Value metadata = undefined;
  Napi::Value message = undefined;
  Napi::Value status_code = undefined;
  Napi::Value status_details = undefined;
  Napi::Value trailing_metadata = undefined;
  Napi::Value cancelled = undefined;

  if (recv_initial_metadata_) metadata = MetadataToArray(env, recv_metadata_);
  if (recv_message_) {
    message = recv_message_buffer_ == nullptr ? env.Null() : BufferFromByteBuffer(env, recv_message_buffer_);
  }
  if (recv_status_) {
    status_code = Napi::Number::New(env, recv_status_code_);
    status_details = StringFromSlice(env, recv_status_details_);
    trailing_metadata = MetadataToArray(env, recv_trailing_metadata_);
  }
  if (recv_close_) cancelled = Napi::Boolean::New(env, recv_cancelled_ != 0);

  callback.Call({error, metadata, message, status_code, status_details, trailing_metadata, cancelled});
}

}  // namespace grpc_native
