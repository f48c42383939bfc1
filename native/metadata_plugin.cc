#include "metadata_plugin.h"

#include <grpc/slice.h>
#include <grpc/support/alloc.h>
#include <grpc/support/string_util.h>

#include <memory>
#include <utility>
#include <vector>

#include "util/callback_thread.h"
#include "util/once_function.h"
#include "util/shared_js_function.h"

namespace grpc_native {

namespace {

// Owned by C-core's credentials, which call Destroy once they are freed, on any thread.
struct PluginState {
  std::shared_ptr<SharedJsFunction> function;
  std::string type;
};

// Where the result goes: C-core's callback and its argument, valid until the result is delivered.
struct PendingRequest {
  grpc_credentials_plugin_metadata_cb callback;
  void* user_data;
};

using MetadataEntries = std::vector<std::pair<std::string, std::string>>;

void Complete(PendingRequest pending, MetadataEntries entries, grpc_status_code status, std::string details) {
  RunOnCallbackThread([pending, entries = std::move(entries), status, details = std::move(details)] {
    // C-core takes its own references to the slices, so these are released right after the callback.
    std::vector<grpc_metadata> metadata(entries.size());
    for (size_t i = 0; i < entries.size(); i++) {
      metadata[i] = {};
      metadata[i].key = grpc_slice_from_copied_buffer(entries[i].first.data(), entries[i].first.size());
      metadata[i].value = grpc_slice_from_copied_buffer(entries[i].second.data(), entries[i].second.size());
    }
    pending.callback(pending.user_data, metadata.data(), metadata.size(), status,
                     status == GRPC_STATUS_OK ? nullptr : details.c_str());
    for (grpc_metadata& entry : metadata) {
      grpc_slice_unref(entry.key);
      grpc_slice_unref(entry.value);
    }
  });
}

void Fail(PendingRequest pending, std::string details) {
  Complete(pending, {}, GRPC_STATUS_UNAVAILABLE, std::move(details));
}

// Reads the flat [key, value, ...] array of `done`. Values are strings or Buffers (for `-bin` keys). Returns
// false when the array is malformed.
bool ReadMetadata(Napi::Value value, MetadataEntries* entries) {
  if (value.IsUndefined() || value.IsNull()) return true;
  if (!value.IsArray()) return false;

  Napi::Array array = value.As<Napi::Array>();
  if (array.Length() % 2 != 0) return false;
  for (uint32_t i = 0; i < array.Length(); i += 2) {
    Napi::Value key = array.Get(i);
    Napi::Value entry = array.Get(i + 1);
    if (!key.IsString()) return false;
    std::string text;
    if (entry.IsString()) {
      text = entry.As<Napi::String>().Utf8Value();
    } else if (entry.IsBuffer()) {
      auto buffer = entry.As<Napi::Buffer<char>>();
      text.assign(buffer.Data(), buffer.Length());
    } else {
      return false;
    }
    entries->emplace_back(key.As<Napi::String>().Utf8Value(), std::move(text));
  }
  return true;
}

void OnDone(PendingRequest pending, const Napi::CallbackInfo& info) {
  Napi::Value error = info[0];
  if (!error.IsUndefined() && !error.IsNull()) {
    Fail(pending, error.ToString().Utf8Value());
    return;
  }
  MetadataEntries entries;
  if (!ReadMetadata(info[1], &entries)) {
    Fail(pending, "the metadata plugin returned malformed metadata");
    throw Napi::TypeError::New(info.Env(), "metadata plugin done: metadata must be a [key, value, ...] array");
  }
  Complete(pending, std::move(entries), GRPC_STATUS_OK, "");
}

class GetMetadataTask : public Task {
 public:
  GetMetadataTask(std::shared_ptr<SharedJsFunction> plugin, PendingRequest pending, const char* service_url,
                  const char* method_name)
      : plugin_(std::move(plugin)),
        pending_(pending),
        service_url_(service_url == nullptr ? "" : service_url),
        method_name_(method_name == nullptr ? "" : method_name) {}

  void Run(napi_env raw_env) override {
    if (raw_env == nullptr) {
      Fail(pending_, "the Node.js environment closed before the metadata plugin ran");
      return;
    }
    Napi::Env env(raw_env);
    PendingRequest pending = pending_;
    Napi::Function done = NewOnceFunction(
        env, "metadataPluginDone", [pending](const Napi::CallbackInfo& info) { OnDone(pending, info); },
        [pending] { Fail(pending, "the metadata plugin dropped its callback without calling it"); });
    plugin_->Value().Call({Napi::String::New(env, service_url_), Napi::String::New(env, method_name_), done});
  }

 private:
  std::shared_ptr<SharedJsFunction> plugin_;
  PendingRequest pending_;
  std::string service_url_;
  std::string method_name_;
};

int GetMetadata(void* state, grpc_auth_metadata_context context, grpc_credentials_plugin_metadata_cb callback,
                void* user_data, grpc_metadata[GRPC_METADATA_CREDENTIALS_PLUGIN_SYNC_MAX], size_t*,
                grpc_status_code*, const char**) {
  auto* plugin = static_cast<PluginState*>(state);
  // The context's strings live only during this call, so the task copies them.
  plugin->function->pump().Post(new GetMetadataTask(plugin->function, PendingRequest{callback, user_data},
                                                    context.service_url, context.method_name));
  return 0;
}

char* DebugString(void* state) {
  return gpr_strdup(("JavaScript metadata plugin " + static_cast<PluginState*>(state)->type).c_str());
}

void Destroy(void* state) {
  delete static_cast<PluginState*>(state);
}

int AddNoMetadata(void*, grpc_auth_metadata_context, grpc_credentials_plugin_metadata_cb, void*,
                  grpc_metadata[GRPC_METADATA_CREDENTIALS_PLUGIN_SYNC_MAX], size_t* count, grpc_status_code* status,
                  const char** error_details) {
  *count = 0;
  *status = GRPC_STATUS_OK;
  *error_details = nullptr;
  return 1;
}

char* EmptyDebugString(void*) {
  return gpr_strdup("empty call credentials");
}

}  // namespace

grpc_call_credentials* NewEmptyCallCredentials() {
  grpc_metadata_credentials_plugin plugin = {};
  plugin.get_metadata = AddNoMetadata;
  plugin.debug_string = EmptyDebugString;
  plugin.type = "empty";
  return grpc_metadata_credentials_create_from_plugin(plugin, GRPC_SECURITY_NONE, nullptr);
}

grpc_call_credentials* NewJsMetadataCredentials(Napi::Env env, Napi::Function plugin, const std::string& type,
                                                grpc_security_level min_security_level) {
  auto* state = new PluginState{SharedJsFunction::New(env, plugin), type};
  grpc_metadata_credentials_plugin description = {};
  description.get_metadata = GetMetadata;
  description.debug_string = DebugString;
  description.destroy = Destroy;
  description.state = state;
  description.type = state->type.c_str();
  return grpc_metadata_credentials_create_from_plugin(description, min_security_level, nullptr);
}

}  // namespace grpc_native
