// Channel arguments from a JavaScript object whose values are integers or strings.
#pragma once

#include <grpc/grpc.h>
#include <napi.h>

#include <string>
#include <vector>

namespace grpc_native {

class ChannelArgs {
 public:
  // Reads `value` (undefined or an object). Throws a TypeError naming the key whose value is neither an integer
  // nor a string.
  ChannelArgs(Napi::Env env, Napi::Value value);
  ChannelArgs(const ChannelArgs&) = delete;
  ChannelArgs& operator=(const ChannelArgs&) = delete;

  // Valid while this object lives.
  const grpc_channel_args* get() const { return &args_; }

 private:
  std::vector<std::string> keys_;
  std::vector<std::string> strings_;
  std::vector<grpc_arg> entries_;
  grpc_channel_args args_ = {0, nullptr};
};

}  // namespace grpc_native
