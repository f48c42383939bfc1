#include "channel.h"

#include <grpc/grpc_security.h>

#include <string>

#include "addon.h"
#include "call.h"
#include "credentials.h"
#include "util/callback_operation.h"
#include "util/channel_args.h"
#include "util/metadata.h"
#include "util/time.h"

namespace grpc_native {

void Channel::Init(Napi::Env env, Napi::Object exports) {
  Napi::Function constructor = DefineClass(env, "Channel", {
      InstanceMethod<&Channel::GetTarget>("getTarget"),
      InstanceMethod<&Channel::GetConnectivityState>("getConnectivityState"),
      InstanceMethod<&Channel::WatchConnectivityState>("watchConnectivityState"),
      InstanceMethod<&Channel::CreateCall>("createCall"),
      InstanceMethod<&Channel::CloseFromJs>("close"),
  });
  exports.Set("Channel", constructor);
}

Channel::Channel(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Channel>(info) {
  Napi::Env env = info.Env();
  if (!info.IsConstructCall()) throw Napi::TypeError::New(env, "Channel must be called with new");
  if (!info[0].IsString()) throw Napi::TypeError::New(env, "Channel: target must be a string");

  target_ = info[0].As<Napi::String>().Utf8Value();
  grpc_channel_credentials* credentials = ChannelCredentials::FromValue(env, info[1], "Channel: credentials");
  ChannelArgs args(env, info[2]);

  pump_ = GetAddonData(env)->pump;
  if (pump_->closing()) throw Napi::Error::New(env, "Channel: the environment is closing");

  // C-core takes its own reference to the credentials, and never returns null: a target it cannot parse gives a
  // channel whose calls fail with UNAVAILABLE, as grpc-js's do.
  channel_ = grpc_channel_create(target_.c_str(), credentials, args.get());
  pump_->Track(this);
}

Channel::~Channel() {
  pump_->Untrack(this);
  Close();
}

void Channel::Close() {
  if (channel_ == nullptr) return;
  grpc_channel_destroy(channel_);
  channel_ = nullptr;
}

void Channel::CloseFromJs(const Napi::CallbackInfo&) {
  Close();
}

grpc_channel* Channel::Get(Napi::Env env) const {
  if (channel_ == nullptr) throw Napi::Error::New(env, "Channel has been shut down");
  return channel_;
}

Napi::Value Channel::GetTarget(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), target_);
}

Napi::Value Channel::GetConnectivityState(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  grpc_channel* channel = Get(env);
  grpc_connectivity_state state = grpc_channel_check_connectivity_state(channel, info[0].ToBoolean() ? 1 : 0);
  return Napi::Number::New(env, state);
}

void Channel::WatchConnectivityState(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber()) throw Napi::TypeError::New(env, "watchConnectivityState: lastState must be a number");
  if (!info[1].IsNumber()) throw Napi::TypeError::New(env, "watchConnectivityState: deadline must be a number");
  if (!info[2].IsFunction()) throw Napi::TypeError::New(env, "watchConnectivityState: callback must be a function");
  grpc_channel* channel = Get(env);

  auto last_state = static_cast<grpc_connectivity_state>(info[0].As<Napi::Number>().Int32Value());
  gpr_timespec deadline = DeadlineFromMillis(info[1].As<Napi::Number>().DoubleValue());

  // A watch does not keep the process alive, as in grpc-js: an idle channel must not stop Node from exiting.
  auto* op = new CallbackOperation(Value(), info[2].As<Napi::Function>());
  void* tag = pump_->Start(op, false);
  grpc_channel_watch_connectivity_state(channel, last_state, deadline, pump_->queue(), tag);
}

Napi::Value Channel::CreateCall(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) throw Napi::TypeError::New(env, "createCall: method must be a string");
  if (!info[1].IsNumber()) throw Napi::TypeError::New(env, "createCall: deadline must be a number");
  grpc_channel* channel = Get(env);

  grpc_call* parent = nullptr;
  uint32_t propagate = GRPC_PROPAGATE_DEFAULTS;
  if (!info[3].IsUndefined() && !info[3].IsNull()) {
    Call* parent_call = Call::FromValue(env, info[3], "createCall: parent");
    if (!parent_call->server_side()) {
      throw Napi::TypeError::New(env, "createCall: parent must be a call that a server accepted, not a client call");
    }
    parent = parent_call->Get(env);
    if (info[4].IsNumber()) propagate = info[4].As<Napi::Number>().Uint32Value();
  }

  // Nothing below throws once the slices exist.
  gpr_timespec deadline = DeadlineFromMillis(info[1].As<Napi::Number>().DoubleValue());
  grpc_slice method = SliceFromString(env, info[0], "createCall: method");
  grpc_slice host;
  bool has_host = info[2].IsString();
  if (has_host) host = SliceFromString(env, info[2], "createCall: host");

  grpc_call* call = grpc_channel_create_call(channel, parent, propagate, pump_->queue(), method,
                                             has_host ? &host : nullptr, deadline, nullptr);
  grpc_slice_unref(method);
  if (has_host) grpc_slice_unref(host);
  if (call == nullptr) throw Napi::Error::New(env, "createCall: C-core could not create the call");
  return Call::Wrap(env, call, false);
}

}  // namespace grpc_native
