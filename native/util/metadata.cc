#include "util/metadata.h"

#include <grpc/byte_buffer_reader.h>
#include <grpc/slice.h>

#include <cstring>
#include <string>

namespace grpc_native {

namespace {

grpc_slice SliceFromBuffer(Napi::Buffer<char> buffer) {
  return grpc_slice_from_copied_buffer(buffer.Data(), buffer.Length());
}

}  // namespace

grpc_slice SliceFromString(Napi::Env env, Napi::Value value, const char* what) {
  if (!value.IsString()) {
    throw Napi::TypeError::New(env, std::string(what) + " must be a string");
  }
  std::string text = value.As<Napi::String>().Utf8Value();
  return grpc_slice_from_copied_buffer(text.data(), text.size());
}

Napi::String StringFromSlice(Napi::Env env, const grpc_slice& slice) {
  return Napi::String::New(env, reinterpret_cast<const char*>(GRPC_SLICE_START_PTR(slice)),
                           GRPC_SLICE_LENGTH(slice));
}

OutgoingMetadata::~OutgoingMetadata() {
  for (grpc_metadata& entry : entries_) {
    grpc_slice_unref(entry.key);
    grpc_slice_unref(entry.value);
  }
}

void OutgoingMetadata::Assign(Napi::Env env, Napi::Value value, const char* what) {
  if (!value.IsArray()) {
    throw Napi::TypeError::New(env, std::string(what) + " must be an array of keys and values");
  }
  Napi::Array array = value.As<Napi::Array>();
  uint32_t length = array.Length();
  if (length % 2 != 0) {
    throw Napi::TypeError::New(env, std::string(what) + " must have an even number of entries");
  }

  entries_.reserve(length / 2);
  for (uint32_t i = 0; i < length; i += 2) {
    Napi::Value key = array.Get(i);
    Napi::Value entry_value = array.Get(i + 1);

    grpc_metadata entry = {};
    entry.key = SliceFromString(env, key, "metadata key");
    if (entry_value.IsBuffer()) {
      entry.value = SliceFromBuffer(entry_value.As<Napi::Buffer<char>>());
    } else if (entry_value.IsString()) {
      entry.value = SliceFromString(env, entry_value, "metadata value");
    } else {
      grpc_slice_unref(entry.key);
      throw Napi::TypeError::New(env, std::string(what) + " values must be strings or Buffers");
    }
    entries_.push_back(entry);
  }
}

Napi::Array MetadataToArray(Napi::Env env, const grpc_metadata_array& metadata) {
  Napi::Array array = Napi::Array::New(env, metadata.count * 2);
  for (size_t i = 0; i < metadata.count; i++) {
    const grpc_metadata& entry = metadata.metadata[i];
    const grpc_slice& key = entry.key;
    size_t key_length = GRPC_SLICE_LENGTH(key);
    const char* key_data = reinterpret_cast<const char*>(GRPC_SLICE_START_PTR(key));
    bool binary = key_length > 4 && std::string(key_data + key_length - 4, 4) == "-bin";

    array.Set(i * 2, StringFromSlice(env, key));
    if (binary) {
      array.Set(i * 2 + 1,
                Napi::Buffer<char>::Copy(env, reinterpret_cast<const char*>(GRPC_SLICE_START_PTR(entry.value)),
                                         GRPC_SLICE_LENGTH(entry.value)));
    } else {
      array.Set(i * 2 + 1, StringFromSlice(env, entry.value));
    }
  }
  return array;
}

grpc_byte_buffer* ByteBufferFromBuffer(Napi::Env env, Napi::Value value, const char* what) {
  if (!value.IsBuffer()) {
    throw Napi::TypeError::New(env, std::string(what) + " must be a Buffer");
  }
  grpc_slice slice = SliceFromBuffer(value.As<Napi::Buffer<char>>());
  grpc_byte_buffer* buffer = grpc_raw_byte_buffer_create(&slice, 1);
  grpc_slice_unref(slice);
  return buffer;
}

Napi::Value BufferFromByteBuffer(Napi::Env env, grpc_byte_buffer* buffer) {
  grpc_byte_buffer_reader reader;
  if (!grpc_byte_buffer_reader_init(&reader, buffer)) {
    throw Napi::Error::New(env, "failed to decompress a received message");
  }

  // The slices are copied straight into one Node.js Buffer: a single copy, where reading them into one C-core
  // slice first would cost a second allocation and, for small messages, a second copy.
  size_t length = grpc_byte_buffer_length(reader.buffer_out);
  napi_value result;
  void* data = nullptr;
  napi_status status = napi_create_buffer(env, length, &data, &result);
  if (status != napi_ok) {
    grpc_byte_buffer_reader_destroy(&reader);
    NAPI_THROW_IF_FAILED(env, status, Napi::Value());
  }

  char* destination = static_cast<char*>(data);
  size_t copied = 0;
  grpc_slice slice;
  while (grpc_byte_buffer_reader_next(&reader, &slice) != 0) {
    size_t slice_length = GRPC_SLICE_LENGTH(slice);
    if (slice_length > length - copied) slice_length = length - copied;  // Never past the Buffer's end.
    memcpy(destination + copied, GRPC_SLICE_START_PTR(slice), slice_length);
    copied += slice_length;
    grpc_slice_unref(slice);
  }
  grpc_byte_buffer_reader_destroy(&reader);
  // The slices always add up to the length, so this only keeps uninitialized memory from JavaScript if they did not.
  if (copied < length) memset(destination + copied, 0, length - copied);
  return Napi::Value(env, result);
}

}  // namespace grpc_native
