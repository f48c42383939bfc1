// A JavaScript function kept by native state that C-core owns and may free on any thread: a metadata plugin, a
// certificate verifier, a certificate config fetcher. The function is called on the JavaScript thread only. The
// last owner may let go of it on any thread; its reference is then deleted on the JavaScript thread, through the
// completion pump.
#pragma once

#include <napi.h>

#include <memory>

#include "addon.h"
#include "completion_pump.h"

namespace grpc_native {

class SharedJsFunction {
 public:
  // JavaScript thread.
  static std::shared_ptr<SharedJsFunction> New(Napi::Env env, Napi::Function function) {
    auto* shared = new SharedJsFunction(GetAddonData(env)->pump, function);
    return std::shared_ptr<SharedJsFunction>(shared, [](SharedJsFunction* dropped) {
      std::shared_ptr<CompletionPump> pump = dropped->pump_;
      pump->Post(new ReleaseTask(dropped));
    });
  }

  // JavaScript thread.
  Napi::Function Value() const { return reference_.Value(); }

  CompletionPump& pump() const { return *pump_; }

 private:
  class ReleaseTask : public Task {
   public:
    explicit ReleaseTask(SharedJsFunction* function) : function_(function) {}
    void Run(napi_env env) override {
      // While the environment is torn down the reference may no longer be deleted; it goes with the environment.
      if (env == nullptr) function_->reference_.SuppressDestruct();
      delete function_;
    }

   private:
    SharedJsFunction* function_;
  };

  SharedJsFunction(std::shared_ptr<CompletionPump> pump, Napi::Function function)
      : pump_(std::move(pump)), reference_(Napi::Persistent(function)) {}

  std::shared_ptr<CompletionPump> pump_;
  Napi::FunctionReference reference_;
};

}  // namespace grpc_native
