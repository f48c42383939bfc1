// Metadata and messages across the boundary: metadata as flat arrays [key, value, ...] (Buffers for `-bin` keys,
// strings otherwise), messages as Buffers.
#pragma once

#include <grpc/byte_buffer.h>
#include <grpc/grpc.h>
#include <napi.h>

#include <vector>

namespace grpc_native {

// Metadata to send. Owns the slices it made until destroyed, which must happen after C-core finished the batch
// that sent them.
class OutgoingMetadata {
 public:
  OutgoingMetadata() = default;
  OutgoingMetadata(const OutgoingMetadata&) = delete;
  OutgoingMetadata& operator=(const OutgoingMetadata&) = delete;
  ~OutgoingMetadata();

  // Fills from a flat JavaScript array. Throws a TypeError naming `what` when the array is malformed.
  void Assign(Napi::Env env, Napi::Value value, const char* what);

  grpc_metadata* data() { return entries_.data(); }
  size_t size() const { return entries_.size(); }

 private:
  std::vector<grpc_metadata> entries_;
};

// Converts received metadata to a flat JavaScript array. The slices stay owned by the call.
Napi::Array MetadataToArray(Napi::Env env, const grpc_metadata_array& metadata);

// Copies a JavaScript Buffer into a new byte buffer; the caller destroys it.
grpc_byte_buffer* ByteBufferFromBuffer(Napi::Env env, Napi::Value value, const char* what);

// Reads a received (possibly compressed) byte buffer into a new Buffer.
Napi::Value BufferFromByteBuffer(Napi::Env env, grpc_byte_buffer* buffer);

// A slice that holds a copy of a JavaScript string.
grpc_slice SliceFromString(Napi::Env env, Napi::Value value, const char* what);

Napi::String StringFromSlice(Napi::Env env, const grpc_slice& slice);

}  // namespace grpc_native
