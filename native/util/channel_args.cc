#include "util/channel_args.h"

#include <cmath>

namespace grpc_native {

ChannelArgs::ChannelArgs(Napi::Env env, Napi::Value value) {
  if (value.IsUndefined() || value.IsNull()) return;
  if (!value.IsObject()) throw Napi::TypeError::New(env, "channel arguments must be an object");

  Napi::Object object = value.As<Napi::Object>();
  Napi::Array names = object.GetPropertyNames();
  uint32_t count = names.Length();

  // Reserve first: grpc_arg keeps pointers into these strings.
  keys_.reserve(count);
  strings_.reserve(count);
  entries_.reserve(count);

  for (uint32_t i = 0; i < count; i++) {
    std::string key = names.Get(i).ToString().Utf8Value();
    Napi::Value entry = object.Get(key);
    grpc_arg arg = {};
    keys_.push_back(key);
    arg.key = const_cast<char*>(keys_.back().c_str());

    if (entry.IsNumber()) {
      double number = entry.As<Napi::Number>().DoubleValue();
      if (!std::isfinite(number) || number != std::trunc(number) || number < INT32_MIN || number > INT32_MAX) {
        throw Napi::TypeError::New(env, "channel argument " + key + " must be a 32-bit integer, got " +
                                            entry.ToString().Utf8Value());
      }
      arg.type = GRPC_ARG_INTEGER;
      arg.value.integer = static_cast<int>(number);
    } else if (entry.IsString()) {
      strings_.push_back(entry.As<Napi::String>().Utf8Value());
      arg.type = GRPC_ARG_STRING;
      arg.value.string = const_cast<char*>(strings_.back().c_str());
    } else {
      throw Napi::TypeError::New(env, "channel argument " + key + " must be an integer or a string");
    }
    entries_.push_back(arg);
  }

  args_.num_args = entries_.size();
  args_.args = entries_.data();
}

}  // namespace grpc_native
