#include "batch.h"

#include <grpc/support/alloc.h>

#include <string>

namespace grpc_native {

namespace {

bool Has(Napi::Object description, const char* field) {
  Napi::Value value = description.Get(field);
  return !value.IsUndefined() && !value.IsNull();
}

}  // namespace

Batch::Batch(Napi::Env env, Napi::Object call_object, Napi::Object description, Napi::Function callback) {
  grpc_metadata_array_init(&recv_metadata_);
  grpc_metadata_array_init(&recv_trailing_metadata_);
  ops_.reserve(8);

  // A constructor that throws runs no destructor, so a malformed description must free what was read before it.
  try {
    ReadDescription(env, description);
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
    send_metadata_.Assign(env, description.Get("sendInitialMetadata"), "sendInitialMetadata");
    grpc_op& op = AddOp(GRPC_OP_SEND_INITIAL_METADATA);
    op.data.send_initial_metadata.count = send_metadata_.size();
    op.data.send_initial_metadata.metadata = send_metadata_.data();
    Napi::Value flags = description.Get("sendInitialMetadataFlags");
    if (flags.IsNumber()) op.flags = flags.As<Napi::Number>().Uint32Value() & GRPC_INITIAL_METADATA_USED_MASK;
  }

  if (Has(description, "sendMessage")) {
    send_message_ = ByteBufferFromBuffer(env, description.Get("sendMessage"), "sendMessage");
    grpc_op& op = AddOp(GRPC_OP_SEND_MESSAGE);
    op.data.send_message.send_message = send_message_;
    Napi::Value flags = description.Get("sendMessageFlags");
    if (flags.IsNumber()) op.flags = flags.As<Napi::Number>().Uint32Value() & GRPC_WRITE_USED_MASK;
  }

  if (Has(description, "sendCloseFromClient")) AddOp(GRPC_OP_SEND_CLOSE_FROM_CLIENT);

  if (Has(description, "sendStatusFromServer")) {
    Napi::Value status_value = description.Get("sendStatusFromServer");
    if (!status_value.IsObject()) throw Napi::TypeError::New(env, "sendStatusFromServer must be an object");
    Napi::Object status = status_value.As<Napi::Object>();
    Napi::Value code = status.Get("code");
    if (!code.IsNumber()) throw Napi::TypeError::New(env, "sendStatusFromServer.code must be a number");

    send_status_details_ = SliceFromString(env, status.Get("details"), "sendStatusFromServer.details");
    send_trailing_metadata_.Assign(env, status.Get("metadata"), "sendStatusFromServer.metadata");
    grpc_op& op = AddOp(GRPC_OP_SEND_STATUS_FROM_SERVER);
    op.data.send_status_from_server.status = static_cast<grpc_status_code>(code.As<Napi::Number>().Int32Value());
    op.data.send_status_from_server.status_details = &send_status_details_;
    op.data.send_status_from_server.trailing_metadata_count = send_trailing_metadata_.size();
    op.data.send_status_from_server.trailing_metadata = send_trailing_metadata_.data();
  }

  if (Has(description, "recvInitialMetadata")) {
    recv_initial_metadata_ = true;
    AddOp(GRPC_OP_RECV_INITIAL_METADATA).data.recv_initial_metadata.recv_initial_metadata = &recv_metadata_;
  }

  if (Has(description, "recvMessage")) {
    recv_message_ = true;
    AddOp(GRPC_OP_RECV_MESSAGE).data.recv_message.recv_message = &recv_message_buffer_;
  }

  if (Has(description, "recvStatusOnClient")) {
    recv_status_ = true;
    grpc_op& op = AddOp(GRPC_OP_RECV_STATUS_ON_CLIENT);
    op.data.recv_status_on_client.trailing_metadata = &recv_trailing_metadata_;
    op.data.recv_status_on_client.status = &recv_status_code_;
    op.data.recv_status_on_client.status_details = &recv_status_details_;
    op.data.recv_status_on_client.error_string = &recv_error_string_;
  }

  if (Has(description, "recvCloseOnServer")) {
    recv_close_ = true;
    AddOp(GRPC_OP_RECV_CLOSE_ON_SERVER).data.recv_close_on_server.cancelled = &recv_cancelled_;
  }

  if (ops_.empty()) throw Napi::TypeError::New(env, "a batch must contain at least one operation");
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

  Napi::Value error = env.Null();
  if (!ok) error = Napi::Error::New(env, "the batch failed because the call already ended").Value();

  Napi::Function callback = callback_.Value();
  callback_.Reset();
  call_object_.Reset();
  callback.Call({error, result});
}

}  // namespace grpc_native
