#include "server.h"

#include <string>

#include "addon.h"
#include "call.h"
#include "credentials.h"
#include "util/channel_args.h"
#include "util/metadata.h"
#include "util/time.h"

namespace grpc_native {

namespace {

// A request for the next incoming call. C-core fills the call, its details and metadata before completing it.
class RequestCallOperation : public Operation {
 public:
  RequestCallOperation(Napi::Object server, Napi::Function callback)
      : server_(Napi::Persistent(server)), callback_(Napi::Persistent(callback)) {
    grpc_call_details_init(&details);
    grpc_metadata_array_init(&metadata);
  }

  ~RequestCallOperation() override {
    // A call that C-core handed over but JavaScript never took must still be released.
    if (call != nullptr) grpc_call_unref(call);
    grpc_call_details_destroy(&details);
    grpc_metadata_array_destroy(&metadata);
  }

  void Run(napi_env raw_env) override {
    if (raw_env == nullptr) return;
    Napi::Env env(raw_env);
    Napi::Function callback = callback_.Value();
    callback_.Reset();
    server_.Reset();

    if (!ok || call == nullptr) {
      callback.Call({env.Null()});
      return;
    }

    // Node-API calls fail while a worker is terminated. Call::Wrap owns the call's reference even when it throws,
    // so this operation gives it up first: the destructor must not release a reference that a wrapper also holds.
    Napi::Object info = Napi::Object::New(env);
    grpc_call* accepted = call;
    call = nullptr;
    info.Set("call", Call::Wrap(env, accepted, true));
    info.Set("method", StringFromSlice(env, details.method));
    info.Set("host", StringFromSlice(env, details.host));
    info.Set("deadline", Napi::Number::New(env, MillisFromDeadline(details.deadline)));
    info.Set("metadata", MetadataToArray(env, metadata));
    callback.Call({info});
  }

  grpc_call* call = nullptr;
  grpc_call_details details;
  grpc_metadata_array metadata;

 private:
  Napi::ObjectReference server_;
  Napi::FunctionReference callback_;
};

}  // namespace

// Completes a graceful shutdown: destroys the server, then tells JavaScript.
class ShutdownOperation : public Operation {
 public:
  ShutdownOperation(Server* server, Napi::Function callback)
      : server_(server), server_object_(Napi::Persistent(server->Value())), callback_(Napi::Persistent(callback)) {}

  void Run(napi_env raw_env) override {
    if (raw_env == nullptr) return;  // Teardown closes the server itself.
    if (server_->server_ != nullptr) {
      grpc_server_destroy(server_->server_);
      server_->server_ = nullptr;
    }
    Napi::Function callback = callback_.Value();
    callback_.Reset();
    server_object_.Reset();
    callback.Call({});
  }

 private:
  Server* server_;
  Napi::ObjectReference server_object_;
  Napi::FunctionReference callback_;
};

void Server::Init(Napi::Env env, Napi::Object exports) {
  Napi::Function constructor = DefineClass(env, "Server", {
      InstanceMethod<&Server::AddPort>("addPort"),
      InstanceMethod<&Server::Start>("start"),
      InstanceMethod<&Server::RequestCall>("requestCall"),
      InstanceMethod<&Server::Shutdown>("shutdown"),
      InstanceMethod<&Server::CancelAllCalls>("cancelAllCalls"),
  });
  exports.Set("Server", constructor);
}

Server::Server(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Server>(info) {
  Napi::Env env = info.Env();
  if (!info.IsConstructCall()) throw Napi::TypeError::New(env, "Server must be called with new");
  ChannelArgs args(env, info[0]);

  pump_ = GetAddonData(env)->pump;
  if (pump_->closing()) throw Napi::Error::New(env, "Server: the environment is closing");

  server_ = grpc_server_create(args.get(), nullptr);
  grpc_server_register_completion_queue(server_, pump_->queue(), nullptr);
  pump_->Track(this);
}

Server::~Server() {
  pump_->Untrack(this);
  Close();
}

void Server::Close() {
  if (server_ == nullptr) return;

  // A private queue receives the shutdown notice so that this works while the pump's queue is draining.
  grpc_completion_queue* queue = grpc_completion_queue_create_for_pluck(nullptr);
  grpc_server_shutdown_and_notify(server_, queue, nullptr);
  grpc_server_cancel_all_calls(server_);
  grpc_completion_queue_pluck(queue, nullptr, gpr_inf_future(GPR_CLOCK_REALTIME), nullptr);
  grpc_server_destroy(server_);
  server_ = nullptr;
  grpc_completion_queue_shutdown(queue);
  grpc_completion_queue_destroy(queue);
}

grpc_server* Server::Get(Napi::Env env) const {
  if (server_ == nullptr) throw Napi::Error::New(env, "Server is shut down");
  return server_;
}

Napi::Value Server::AddPort(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) throw Napi::TypeError::New(env, "addPort: address must be a string");
  grpc_server_credentials* credentials = ServerCredentials::FromValue(env, info[1], "addPort: credentials");
  grpc_server* server = Get(env);
  if (started_) throw Napi::Error::New(env, "addPort: the server is already started");

  std::string address = info[0].As<Napi::String>().Utf8Value();
  int port = grpc_server_add_http2_port(server, address.c_str(), credentials);
  if (port == 0) throw Napi::Error::New(env, "failed to bind " + address);
  return Napi::Number::New(env, port);
}

void Server::Start(const Napi::CallbackInfo& info) {
  grpc_server* server = Get(info.Env());
  if (started_) return;
  grpc_server_start(server);
  started_ = true;
}

void Server::RequestCall(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsFunction()) throw Napi::TypeError::New(env, "requestCall: callback must be a function");
  grpc_server* server = Get(env);
  if (!started_) throw Napi::Error::New(env, "requestCall: the server is not started");

  auto* op = new RequestCallOperation(Value(), info[0].As<Napi::Function>());
  void* tag = pump_->Start(op, true);
  grpc_call_error error = grpc_server_request_call(server, &op->call, &op->details, &op->metadata, pump_->queue(),
                                                   pump_->queue(), tag);
  if (error != GRPC_CALL_OK) {
    pump_->Abandon(op);
    throw Napi::Error::New(env, std::string("requestCall failed: ") + CallErrorName(error));
  }
}

void Server::Shutdown(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsFunction()) throw Napi::TypeError::New(env, "shutdown: callback must be a function");
  grpc_server* server = Get(env);
  if (shutting_down_) throw Napi::Error::New(env, "shutdown: the server is already shutting down");
  shutting_down_ = true;

  auto* op = new ShutdownOperation(this, info[0].As<Napi::Function>());
  grpc_server_shutdown_and_notify(server, pump_->queue(), pump_->Start(op, true));
}

void Server::CancelAllCalls(const Napi::CallbackInfo& info) {
  if (server_ != nullptr) grpc_server_cancel_all_calls(server_);
}

}  // namespace grpc_native
