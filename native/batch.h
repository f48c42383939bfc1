// One batch of C-core operations on a call, built from a JavaScript description and turned back into a
// JavaScript result when C-core completes it.
#pragma once

#include <grpc/grpc.h>
#include <napi.h>

#include <vector>

#include "completion_pump.h"
#include "util/metadata.h"

namespace grpc_native {

class Batch : public Operation {
 public:
  // Reads the batch description (see NativeBatch in lib/native.ts). Throws a TypeError on a malformed one.
  Batch(Napi::Env env, Napi::Object call_object, Napi::Object description, Napi::Function callback);
  ~Batch() override;

  const grpc_op* ops() const { return ops_.data(); }
  size_t size() const { return ops_.size(); }

  // Calls the callback with (error, result); with a null env only releases.
  void Run(napi_env env) override;

 private:
  grpc_op& AddOp(grpc_op_type type);
  void ReadDescription(Napi::Env env, Napi::Object description);
  // Frees the buffers, slices and arrays; runs once, from the destructor or from a constructor that throws.
  void Release();

  // Keeps the call wrapper alive while C-core may still write into this batch.
  Napi::ObjectReference call_object_;
  Napi::FunctionReference callback_;
  std::vector<grpc_op> ops_;

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
