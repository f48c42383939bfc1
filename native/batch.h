// One batch of C-core operations on a call, built from a JavaScript description and turned back into a
// JavaScript result when C-core completes it.
//
// A description comes in one of two forms (see NativeCall.startBatch in lib/native.ts):
// - positional: startBatch(ops, callback, initialMetadata, initialMetadataFlags, message, messageFlags,
//   statusCode, statusDetails, trailingMetadata), where `ops` is a bitmask of BatchOpBit and only the arguments
//   of the operations it names are read. The callback gets (error, metadata, message, statusCode, statusDetails,
//   trailingMetadata, cancelled).
// - object: startBatch({ sendInitialMetadata, ..., recvCloseOnServer }, callback), where each present field adds
//   one operation. The callback gets (error, result) with one result field per receive.
// The positional form exists for speed: each property lookup on an object costs a Node-API call of about 1,400
// instructions, while all the arguments of a call arrive in one napi_get_cb_info.
#pragma once

#include <grpc/grpc.h>
#include <napi.h>

#include <cstdint>
#include <vector>

#include "completion_pump.h"
#include "util/metadata.h"

namespace grpc_native {

// The operation bits of a positional batch description. lib/native.ts declares the same values as BatchOp.
enum BatchOpBit : uint32_t {
  kSendInitialMetadata = 1u << 0,
  kSendMessage = 1u << 1,
  kSendCloseFromClient = 1u << 2,
  kSendStatusFromServer = 1u << 3,
  kRecvInitialMetadata = 1u << 4,
  kRecvMessage = 1u << 5,
  kRecvStatusOnClient = 1u << 6,
  kRecvCloseOnServer = 1u << 7,
  kAllBatchOps = (1u << 8) - 1,
};

// Positions of the values of the positional form in the startBatch arguments.
enum BatchArgument : size_t {
  kOpsArgument = 0,
  kCallbackArgument = 1,
  kInitialMetadataArgument = 2,
  kInitialMetadataFlagsArgument = 3,
  kMessageArgument = 4,
  kMessageFlagsArgument = 5,
  kStatusCodeArgument = 6,
  kStatusDetailsArgument = 7,
  kTrailingMetadataArgument = 8,
};

class Batch : public Operation {
 public:
  // Reads the object form. Throws a TypeError on a malformed description.
  Batch(Napi::Env env, Napi::Object call_object, Napi::Object description, Napi::Function callback);
  // Reads the positional form from the arguments of startBatch. Throws a TypeError on malformed arguments.
  Batch(Napi::Env env, Napi::Object call_object, const Napi::CallbackInfo& info);
  ~Batch() override;

  const grpc_op* ops() const { return ops_.data(); }
  size_t size() const { return ops_.size(); }

  // Calls the callback with the result in the form the batch was described in; with a null env only releases.
  void Run(napi_env env) override;

 private:
  // Reads a description with `read` and takes the references; frees what was read when `read` throws.
  template <typename Reader>
  void Build(Napi::Object call_object, Napi::Function callback, Reader read);
  void ReadDescription(Napi::Env env, Napi::Object description);
  void ReadArguments(Napi::Env env, const Napi::CallbackInfo& info);

  grpc_op& AddOp(grpc_op_type type);
  void AddSendInitialMetadata(Napi::Env env, Napi::Value metadata, Napi::Value flags, const char* what);
  void AddSendMessage(Napi::Env env, Napi::Value message, Napi::Value flags, const char* what);
  void AddSendStatusFromServer(Napi::Env env, Napi::Value code, Napi::Value details, Napi::Value metadata,
                               const char* code_what, const char* details_what, const char* metadata_what);
  void AddRecvInitialMetadata();
  void AddRecvMessage();
  void AddRecvStatusOnClient();
  void AddRecvCloseOnServer();

  void RunWithResultObject(Napi::Env env, Napi::Value error, Napi::Function callback);
  void RunWithArguments(Napi::Env env, Napi::Value error, Napi::Function callback);

  // Frees the buffers, slices and arrays; runs once, from the destructor or from a constructor that throws.
  void Release();

  // Keeps the call wrapper alive while C-core may still write into this batch.
  Napi::ObjectReference call_object_;
  Napi::FunctionReference callback_;
  std::vector<grpc_op> ops_;
  bool positional_ = false;

  // Sent.
  OutgoingMetadata send_metadata_;
  OutgoingMetadata send_trailing_metadata_;
  grpc_byte_buffer* send_message_ = nullptr;
  grpc_slice send_status_details_ = grpc_empty_slice();

  // Received.
  bool recv_initial_metadata_ = false;
  grpc_metadata_array recv_metadata_;
  bool recv_message_ = false;
  grpc_byte_buffer* recv_message_buffer_ = nullptr;
  bool recv_status_ = false;
  grpc_metadata_array recv_trailing_metadata_;
  grpc_status_code recv_status_code_ = GRPC_STATUS_UNKNOWN;
  grpc_slice recv_status_details_ = grpc_empty_slice();
  const char* recv_error_string_ = nullptr;
  bool recv_close_ = false;
  int recv_cancelled_ = 0;
};

}  // namespace grpc_native
