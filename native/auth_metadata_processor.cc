#include "auth_metadata_processor.h"

#include <grpc/slice.h>

#include <string>
#include <utility>
#include <vector>

#include "auth_context.h"
#include "util/callback_thread.h"
#include "util/metadata.h"
#include "util/once_function.h"
#include "util/shared_js_function.h"

namespace grpc_native {

namespace {

struct Attachment {
  std::shared_ptr<SharedJsFunction> processor;
  std::shared_ptr<void> keep_alive;
};

struct PendingProcessing {
  grpc_process_auth_metadata_done_cb callback;
  void* user_data;
};

void Complete(PendingProcessing pending, grpc_status_code status, std::string details,
            std::vector<std::string> consumed_keys) {
  RunOnCallbackThread([pending, status, details = std::move(details), keys = std::move(consumed_keys)] {
    // C-core removes consumed entries by key; their values are not read.
    std::vector<grpc_metadata> consumed(keys.size());
    for (size_t i = 0; i < keys.size(); i++) {
      consumed[i] = {};
      consumed[i].key = grpc_slice_from_copied_buffer(keys[i].data(), keys[i].size());
      consumed[i].value = grpc_empty_slice();
    }
    pending.callback(pending.user_data, consumed.data(), consumed.size(), nullptr, 0, status,
                     status == GRPC_STATUS_OK ? nullptr : details.c_str());
    for (grpc_metadata& entry : consumed) grpc_slice_unref(entry.key);
  });
}

void OnDone(PendingProcessing pending, const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber()) {
    Complete(pending, GRPC_STATUS_INTERNAL, "the auth metadata processor returned no status code", {});
    throw Napi::TypeError::New(env, "auth metadata processor done: code must be a number");
  }
  auto status = static_cast<grpc_status_code>(info[0].As<Napi::Number>().Int32Value());
  std::string details = info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : std::string();

  std::vector<std::string> consumed;
  if (info[2].IsArray()) {
    Napi::Array keys = info[2].As<Napi::Array>();
    for (uint32_t i = 0; i < keys.Length(); i++) {
      Napi::Value key = keys.Get(i);
      if (key.IsString()) consumed.push_back(key.As<Napi::String>().Utf8Value());
    }
  }
  Complete(pending, status, std::move(details), std::move(consumed));
}

class ProcessTask : public Task {
 public:
  // Copies what the JavaScript function needs, because the context and metadata belong to C-core.
  ProcessTask(std::shared_ptr<SharedJsFunction> processor, PendingProcessing pending,
              const grpc_auth_context* context, const grpc_metadata* metadata, size_t count)
      : processor_(std::move(processor)), pending_(pending), properties_(CopyAuthProperties(context)) {
    for (size_t i = 0; i < count; i++) {
      metadata_.emplace_back(std::string(reinterpret_cast<const char*>(GRPC_SLICE_START_PTR(metadata[i].key)),
                                         GRPC_SLICE_LENGTH(metadata[i].key)),
                             std::string(reinterpret_cast<const char*>(GRPC_SLICE_START_PTR(metadata[i].value)),
                                         GRPC_SLICE_LENGTH(metadata[i].value)));
    }
  }

  void Run(napi_env raw_env) override {
    if (raw_env == nullptr) {
      Complete(pending_, GRPC_STATUS_UNAVAILABLE,
               "the Node.js environment closed before the auth metadata processor ran", {});
      return;
    }
    Napi::Env env(raw_env);

    Napi::Array metadata = Napi::Array::New(env, metadata_.size() * 2);
    for (size_t i = 0; i < metadata_.size(); i++) {
      const std::string& key = metadata_[i].first;
      const std::string& value = metadata_[i].second;
      bool binary = key.size() >= 4 && key.compare(key.size() - 4, 4, "-bin") == 0;
      metadata.Set(i * 2, Napi::String::New(env, key));
      metadata.Set(i * 2 + 1, binary ? Napi::Buffer<char>::Copy(env, value.data(), value.size()).As<Napi::Value>()
                                     : Napi::String::New(env, value).As<Napi::Value>());
    }

    PendingProcessing pending = pending_;
    Napi::Function done = NewOnceFunction(
        env, "authMetadataProcessorDone", [pending](const Napi::CallbackInfo& info) { OnDone(pending, info); },
        [pending] {
          Complete(pending, GRPC_STATUS_UNAUTHENTICATED, "the auth metadata processor dropped its callback", {});
        });
    processor_->Value().Call({AuthPropertiesToObject(env, properties_), metadata, done});
  }

 private:
  std::shared_ptr<SharedJsFunction> processor_;
  PendingProcessing pending_;
  AuthProperties properties_;
  std::vector<std::pair<std::string, std::string>> metadata_;
};

void Process(void* state, grpc_auth_context* context, const grpc_metadata* metadata, size_t count,
             grpc_process_auth_metadata_done_cb callback, void* user_data) {
  auto* attachment = static_cast<Attachment*>(state);
  attachment->processor->pump().Post(new ProcessTask(attachment->processor, PendingProcessing{callback, user_data},
                                                     context, metadata, count));
}

void Destroy(void* state) {
  delete static_cast<Attachment*>(state);
}

}  // namespace

void AttachToServerCredentials(Napi::Env env, grpc_server_credentials* credentials, Napi::Value processor,
                               std::shared_ptr<void> keep_alive) {
  if (!processor.IsUndefined() && !processor.IsNull() && !processor.IsFunction()) {
    throw Napi::TypeError::New(env, "authMetadataProcessor must be a function");
  }
  auto* attachment = new Attachment();
  if (processor.IsFunction()) attachment->processor = SharedJsFunction::New(env, processor.As<Napi::Function>());
  attachment->keep_alive = std::move(keep_alive);

  grpc_auth_metadata_processor slot = {};
  // Without a process function C-core skips the processor for calls but still calls destroy.
  slot.process = attachment->processor ? Process : nullptr;
  slot.destroy = Destroy;
  slot.state = attachment;
  grpc_server_credentials_set_auth_metadata_processor(credentials, slot);
}

}  // namespace grpc_native
