#include "certificate_config_fetcher.h"

#include <grpc/grpc_security.h>

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "auth_metadata_processor.h"
#include "credentials.h"
#include "server_credentials.h"
#include "util/key_cert_pairs.h"
#include "util/shared_js_function.h"

namespace grpc_native {

namespace {

// An immutable copy of one configuration.
class Configuration {
 public:
  Configuration(Napi::Env env, Napi::Value value) {
    if (!value.IsObject()) throw Napi::TypeError::New(env, "certificate configuration must be an object");
    Napi::Object object = value.As<Napi::Object>();
    roots_ = OptionalString(env, object.Get("rootCertificates"), "rootCertificates");
    KeyCertPairs pairs(env, object.Get("pairs"), "pairs");
    if (pairs.size() == 0) throw Napi::TypeError::New(env, "certificate configuration: pairs must not be empty");
    for (size_t i = 0; i < pairs.size(); i++) {
      keys_.push_back(pairs.private_key(i));
      chains_.push_back(pairs.certificate_chain(i));
    }
  }

  // A new C-core config; C-core takes it and frees it.
  grpc_ssl_server_certificate_config* Create() const {
    std::vector<grpc_ssl_pem_key_cert_pair> pairs;
    for (size_t i = 0; i < keys_.size(); i++) pairs.push_back({keys_[i].c_str(), chains_[i].c_str()});

    // C-core 1.51 asserts that a fetched config has client root certificates, even where it never requests client
    // certificates (Debian's build keeps that assertion). Without roots the credentials do not request client
    // certificates, so the server's own chain is used in their place: it parses as a root bundle and is never used.
    const std::string& roots = roots_.has_value() ? *roots_ : chains_.front();
    return grpc_ssl_server_certificate_config_create(roots.c_str(), pairs.data(), pairs.size());
  }

 private:
  std::optional<std::string> roots_;
  std::vector<std::string> keys_;
  std::vector<std::string> chains_;
};

}  // namespace

struct FetcherStore {
  std::mutex mutex;
  std::shared_ptr<const Configuration> latest;
  uint64_t generation = 0;
  bool fetch_queued = false;
  std::shared_ptr<SharedJsFunction> on_fetch;
};

namespace {

// The state behind one C-core credentials object: which generation its listening port has.
struct FetcherBinding {
  std::shared_ptr<FetcherStore> store;
  std::optional<uint64_t> delivered;
};

class FetchTask : public Task {
 public:
  explicit FetchTask(std::shared_ptr<FetcherStore> store) : store_(std::move(store)) {}

  void Run(napi_env env) override {
    {
      std::lock_guard<std::mutex> lock(store_->mutex);
      store_->fetch_queued = false;
    }
    if (env == nullptr) return;
    store_->on_fetch->Value().Call({});
  }

 private:
  std::shared_ptr<FetcherStore> store_;
};

grpc_ssl_certificate_config_reload_status FetchConfig(void* user_data, grpc_ssl_server_certificate_config** config) {
  auto* binding = static_cast<FetcherBinding*>(user_data);
  FetcherStore& store = *binding->store;

  std::shared_ptr<const Configuration> latest;
  bool queue_fetch = false;
  {
    std::lock_guard<std::mutex> lock(store.mutex);
    if (!store.fetch_queued) {
      store.fetch_queued = true;
      queue_fetch = true;
    }
    if (!binding->delivered.has_value() || *binding->delivered != store.generation) {
      binding->delivered = store.generation;
      latest = store.latest;
    }
  }
  if (queue_fetch) store.on_fetch->pump().Post(new FetchTask(binding->store));

  if (latest == nullptr) return GRPC_SSL_CERTIFICATE_CONFIG_RELOAD_UNCHANGED;
  *config = latest->Create();
  return GRPC_SSL_CERTIFICATE_CONFIG_RELOAD_NEW;
}

}  // namespace

void CertificateConfigFetcher::Init(Napi::Env env, Napi::Object exports) {
  Napi::Function constructor = DefineClass(env, "CertificateConfigFetcher", {
      InstanceMethod<&CertificateConfigFetcher::Update>("update"),
      InstanceMethod<&CertificateConfigFetcher::CreateServerCredentials>("createServerCredentials"),
  });
  exports.Set("CertificateConfigFetcher", constructor);
}

CertificateConfigFetcher::CertificateConfigFetcher(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<CertificateConfigFetcher>(info) {
  Napi::Env env = info.Env();
  if (!info.IsConstructCall()) throw Napi::TypeError::New(env, "CertificateConfigFetcher must be called with new");
  auto initial = std::make_shared<const Configuration>(env, info[0]);
  if (!info[1].IsFunction()) throw Napi::TypeError::New(env, "CertificateConfigFetcher: onFetch must be a function");

  store_ = std::make_shared<FetcherStore>();
  store_->latest = std::move(initial);
  store_->on_fetch = SharedJsFunction::New(env, info[1].As<Napi::Function>());
}

void CertificateConfigFetcher::Update(const Napi::CallbackInfo& info) {
  auto configuration = std::make_shared<const Configuration>(info.Env(), info[0]);
  std::lock_guard<std::mutex> lock(store_->mutex);
  store_->latest = std::move(configuration);
  store_->generation++;
}

Napi::Value CertificateConfigFetcher::CreateServerCredentials(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  grpc_ssl_client_certificate_request_type request =
      ClientCertificateRequestFromValue(env, info[0], "createServerCredentials: clientCertificateRequest");
  Napi::Value processor = info[1];
  if (!processor.IsUndefined() && !processor.IsNull() && !processor.IsFunction()) {
    throw Napi::TypeError::New(env, "createServerCredentials: processor must be a function");
  }

  // C-core never frees the fetcher's user data itself; the attachment below frees it with the credentials.
  auto binding = std::make_shared<FetcherBinding>();
  binding->store = store_;
  grpc_ssl_server_credentials_options* options =
      grpc_ssl_server_credentials_create_options_using_config_fetcher(request, FetchConfig, binding.get());
  grpc_server_credentials* credentials = grpc_ssl_server_credentials_create_with_options(options);
  Napi::Object wrapper = ServerCredentials::Wrap(env, credentials, "C-core could not create SSL server credentials");
  AttachToServerCredentials(env, credentials, processor, binding);
  return wrapper;
}

}  // namespace grpc_native
