#include "credentials.h"

#include <string>

#include "addon.h"

namespace grpc_native {

namespace {

// Constructors live in instance data so that each environment has its own.
template <typename T>
Napi::FunctionReference& ConstructorFor(Napi::Env env);

template <>
Napi::FunctionReference& ConstructorFor<grpc_channel_credentials>(Napi::Env env) {
  return GetAddonData(env)->channel_credentials_constructor;
}
template <>
Napi::FunctionReference& ConstructorFor<grpc_call_credentials>(Napi::Env env) {
  return GetAddonData(env)->call_credentials_constructor;
}
template <>
Napi::FunctionReference& ConstructorFor<grpc_server_credentials>(Napi::Env env) {
  return GetAddonData(env)->server_credentials_constructor;
}

}  // namespace

template <typename T>
void Credentials<T>::Init(Napi::Env env) {
  Napi::Function constructor = Napi::ObjectWrap<Credentials<T>>::DefineClass(
      env, CredentialsTraits<T>::kName,
      {Napi::ObjectWrap<Credentials<T>>::InstanceValue("kind", Napi::String::New(env, CredentialsTraits<T>::kKind),
                                                       napi_enumerable)});
  ConstructorFor<T>(env) = Napi::Persistent(constructor);
}

template <typename T>
Napi::Object Credentials<T>::Wrap(Napi::Env env, T* credentials, const char* failure_message) {
  if (credentials == nullptr) throw Napi::Error::New(env, failure_message);

  Napi::Object object = ConstructorFor<T>(env).New({});
  Credentials<T>* wrapper = Napi::ObjectWrap<Credentials<T>>::Unwrap(object);
  wrapper->credentials_ = credentials;
  return object;
}

template <typename T>
T* Credentials<T>::FromValue(Napi::Env env, Napi::Value value, const char* what) {
  if (!value.IsObject() || !value.As<Napi::Object>().InstanceOf(ConstructorFor<T>(env).Value())) {
    throw Napi::TypeError::New(env, std::string(what) + " must be " + CredentialsTraits<T>::kName);
  }
  Credentials<T>* wrapper = Napi::ObjectWrap<Credentials<T>>::Unwrap(value.As<Napi::Object>());
  if (wrapper->credentials_ == nullptr) {
    throw Napi::Error::New(env, std::string(what) + " was released because the environment is closing");
  }
  return wrapper->credentials_;
}

template <typename T>
Credentials<T>::Credentials(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Credentials<T>>(info) {
  pump_ = GetAddonData(info.Env())->pump;
  pump_->Track(this);
}

template <typename T>
Credentials<T>::~Credentials() {
  pump_->Untrack(this);
  Close();
}

template <typename T>
void Credentials<T>::Close() {
  if (credentials_ != nullptr) {
    CredentialsTraits<T>::Release(credentials_);
    credentials_ = nullptr;
  }
}

template class Credentials<grpc_channel_credentials>;
template class Credentials<grpc_call_credentials>;
template class Credentials<grpc_server_credentials>;

void InitCredentials(Napi::Env env, Napi::Object exports) {
  ChannelCredentials::Init(env);
  CallCredentials::Init(env);
  ServerCredentials::Init(env);

  exports.Set("insecureChannelCredentials", Napi::Function::New(env, [](const Napi::CallbackInfo& info) {
    return ChannelCredentials::Wrap(info.Env(), grpc_insecure_credentials_create(),
                                    "C-core could not create insecure channel credentials");
  }));
  exports.Set("insecureServerCredentials", Napi::Function::New(env, [](const Napi::CallbackInfo& info) {
    return ServerCredentials::Wrap(info.Env(), grpc_insecure_server_credentials_create(),
                                   "C-core could not create insecure server credentials");
  }));
}

}  // namespace grpc_native
