#include "metadata_plugin.h"

#include <grpc/slice.h>
#include <grpc/support/alloc.h>
#include <grpc/support/string_util.h>

#include <exception>
#include <memory>
#include <optional>
#include <thread>
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
  // The environment that made the plugin, and its JavaScript thread: the only thread that may call the function.
  napi_env env;
  std::thread::id javascript_thread;
};

using MetadataEntries = std::vector<std::pair<std::string, std::string>>;

struct PluginResult {
  MetadataEntries entries;
  grpc_status_code status = GRPC_STATUS_OK;
  std::string details;
};

PluginResult Failure(std::string details) {
  return PluginResult{{}, GRPC_STATUS_UNAVAILABLE, std::move(details)};
}

// One get_metadata request, shared by the plugin's `done` function and, during an inline run, by get_metadata.
struct PendingRequest {
  // C-core's callback and its argument, valid until the result is delivered.
  grpc_credentials_plugin_metadata_cb callback;
  void* user_data;
  // True while get_metadata runs the plugin on this thread. A result delivered meanwhile goes into `inline_result`,
  // and get_metadata returns it synchronously.
  bool running_inline = false;
  std::optional<PluginResult> inline_result;
};

// How many JavaScript plugins run inside get_metadata on this thread, counting nested runs.
thread_local int inline_run_depth = 0;

// Hands `result` to C-core's callback on the calling thread.
void InvokeCallback(const PendingRequest& request, const PluginResult& result) {
  // C-core takes its own references to the slices, so these are released right after the callback.
  std::vector<grpc_metadata> metadata(result.entries.size());
  for (size_t i = 0; i < result.entries.size(); i++) {
    const auto& [key, value] = result.entries[i];
    metadata[i] = {};
    metadata[i].key = grpc_slice_from_copied_buffer(key.data(), key.size());
    metadata[i].value = grpc_slice_from_copied_buffer(value.data(), value.size());
  }
  request.callback(request.user_data, metadata.data(), metadata.size(), result.status,
                   result.status == GRPC_STATUS_OK ? nullptr : result.details.c_str());
  for (grpc_metadata& entry : metadata) {
    grpc_slice_unref(entry.key);
    grpc_slice_unref(entry.value);
  }
}

void CompleteOnCallbackThread(std::shared_ptr<PendingRequest> request, PluginResult result) {
  RunOnCallbackThread([request = std::move(request), result = std::move(result)] { InvokeCallback(*request, result); });
}

// Delivers the plugin's result from the JavaScript thread.
void Deliver(const std::shared_ptr<PendingRequest>& request, PluginResult result) {
  if (request->running_inline) {
    request->inline_result = std::move(result);
    return;
  }
  if (inline_run_depth > 0) {
    // This thread is inside get_metadata of another request, in the middle of C-core's work on that call. C-core
    // documents its callback only for after get_metadata returned, so the result takes the callback thread.
    CompleteOnCallbackThread(request, std::move(result));
    return;
  }
  // The request's get_metadata has returned, or ran on another thread, so C-core accepts the result here.
  InvokeCallback(*request, result);
}

// Reads the flat [key, value, ...] array of `done`. Values are strings or Buffers (for `-bin` keys). Returns
// false when the array is malformed.
bool ReadMetadata(Napi::Value value, MetadataEntries* entries) {
  if (value.IsUndefined() || value.IsNull()) return true;
  if (!value.IsArray()) return false;

  Napi::Array array = value.As<Napi::Array>();
  uint32_t length = array.Length();
  if (length % 2 != 0) return false;
  for (uint32_t i = 0; i < length; i += 2) {
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

void OnDone(const std::shared_ptr<PendingRequest>& request, const Napi::CallbackInfo& info) {
  Napi::Value error = info[0];
  if (!error.IsUndefined() && !error.IsNull()) {
    Deliver(request, Failure(error.ToString().Utf8Value()));
    return;
  }
  PluginResult result;
  if (!ReadMetadata(info[1], &result.entries)) {
    Deliver(request, Failure("the metadata plugin returned malformed metadata"));
    throw Napi::TypeError::New(info.Env(), "metadata plugin done: metadata must be a [key, value, ...] array");
  }
  Deliver(request, std::move(result));
}

// Calls the JavaScript plugin for `request` and delivers its result. Returns the exception to raise as uncaught:
// what the plugin threw, or a TypeError when it returned something invalid. Otherwise returns an empty value.
//
// The plugin returns its result when it has one at once: a [key, value, ...] array, or a string that fails the
// call. Otherwise it returns a function, which gets a `done` function to call later. Only that case pays for a
// native function and its finalizer. A request that can no longer get a result (the plugin threw before it got
// `done`, or returned something invalid) fails here.
Napi::Value RunPlugin(Napi::Env env, const SharedJsFunction& plugin, const std::shared_ptr<PendingRequest>& request,
                      const std::string& service_url, const std::string& method_name) {
  bool done_given = false;
  try {
    Napi::Value returned =
        plugin.Value().Call({Napi::String::New(env, service_url), Napi::String::New(env, method_name)});

    if (returned.IsFunction()) {
      Napi::Function done = NewOnceFunction(
          env, "metadataPluginDone", [request](const Napi::CallbackInfo& info) { OnDone(request, info); },
          [request] {
            // A finalizer: no JavaScript, and maybe during teardown, so the result takes the callback thread.
            CompleteOnCallbackThread(request, Failure("the metadata plugin dropped its callback without calling it"));
          });
      done_given = true;
      returned.As<Napi::Function>().Call({done});
      return Napi::Value();
    }
    if (returned.IsString()) {
      Deliver(request, Failure(returned.As<Napi::String>().Utf8Value()));
      return Napi::Value();
    }
    PluginResult result;
    if (returned.IsArray() && ReadMetadata(returned, &result.entries)) {
      Deliver(request, std::move(result));
      return Napi::Value();
    }
    Deliver(request, Failure("the metadata plugin returned neither metadata, an error message nor a function"));
    return Napi::TypeError::New(env, "metadata plugin: the return value must be a [key, value, ...] array, a string"
                                     " or a function").Value();
  } catch (const Napi::Error& error) {
    if (!done_given) Deliver(request, Failure("the metadata plugin threw: " + error.Message()));
    return error.Value();
  }
}

// Raises an exception that the plugin threw inside get_metadata as an uncaught exception on a later turn of the
// event loop. It cannot propagate through C-core's frames, and raising it at once would run the process's
// `uncaughtException` handlers inside C-core.
class RaiseTask : public Task {
 public:
  explicit RaiseTask(Napi::Value error) : error_(Napi::Persistent(error)) {}

  void Run(napi_env env) override {
    if (env == nullptr) {
      error_.SuppressDestruct();
      return;
    }
    throw Napi::Error(env, error_.Value());
  }

 private:
  Napi::Reference<Napi::Value> error_;
};

class GetMetadataTask : public Task {
 public:
  GetMetadataTask(std::shared_ptr<SharedJsFunction> plugin, std::shared_ptr<PendingRequest> request,
                  const char* service_url, const char* method_name)
      : plugin_(std::move(plugin)),
        request_(std::move(request)),
        service_url_(service_url == nullptr ? "" : service_url),
        method_name_(method_name == nullptr ? "" : method_name) {}

  void Run(napi_env raw_env) override {
    if (raw_env == nullptr) {
      CompleteOnCallbackThread(request_, Failure("the Node.js environment closed before the metadata plugin ran"));
      return;
    }
    Napi::Env env(raw_env);
    Napi::Value error = RunPlugin(env, *plugin_, request_, service_url_, method_name_);
    // The pump raises it as an uncaught exception once the other tasks of its batch ran.
    if (!error.IsEmpty()) throw Napi::Error(env, error);
  }

 private:
  std::shared_ptr<SharedJsFunction> plugin_;
  std::shared_ptr<PendingRequest> request_;
  std::string service_url_;
  std::string method_name_;
};

// Counts an inline run on this thread for as long as it is in scope.
class InlineRunScope {
 public:
  InlineRunScope() { inline_run_depth++; }
  ~InlineRunScope() { inline_run_depth--; }
  InlineRunScope(const InlineRunScope&) = delete;
  InlineRunScope& operator=(const InlineRunScope&) = delete;
};

// Fills get_metadata's synchronous outputs. C-core takes ownership of the slices and of `*error_details`.
void ReturnSynchronously(const PluginResult& result, grpc_metadata* creds_md, size_t* count,
                         grpc_status_code* status, const char** error_details) {
  for (size_t i = 0; i < result.entries.size(); i++) {
    const auto& [key, value] = result.entries[i];
    creds_md[i] = {};
    creds_md[i].key = grpc_slice_from_copied_buffer(key.data(), key.size());
    creds_md[i].value = grpc_slice_from_copied_buffer(value.data(), value.size());
  }
  *count = result.entries.size();
  *status = result.status;
  *error_details = result.status == GRPC_STATUS_OK ? nullptr : gpr_strdup(result.details.c_str());
}

// Runs the plugin right here, on the plugin's JavaScript thread, inside whatever C-core call asked for metadata
// (usually grpc_call_start_batch). Returns get_metadata's value: 1 with the outputs filled when the plugin
// returned its result, otherwise 0, and the result goes to C-core's callback later.
int GetMetadataInline(const PluginState& plugin, const grpc_auth_metadata_context& context,
                      std::shared_ptr<PendingRequest> request, grpc_metadata* creds_md, size_t* count,
                      grpc_status_code* status, const char** error_details) {
  Napi::Env env(plugin.env);
  Napi::HandleScope scope(env);
  request->running_inline = true;
  {
    InlineRunScope inline_run;
    try {
      std::string service_url = context.service_url == nullptr ? "" : context.service_url;
      std::string method_name = context.method_name == nullptr ? "" : context.method_name;
      Napi::Value error = RunPlugin(env, *plugin.function, request, service_url, method_name);
      if (!error.IsEmpty()) plugin.function->pump().Post(new RaiseTask(error));
    } catch (const std::exception& error) {
      // Only native failures get here (memory, or a failed Node-API call while raising): RunPlugin handles
      // JavaScript's exceptions.
      if (!request->inline_result) {
        request->inline_result = Failure(std::string("the metadata plugin failed in native code: ") + error.what());
      }
    }
  }
  request->running_inline = false;

  if (!request->inline_result) return 0;  // `done`, or its finalizer, delivers the result later.
  PluginResult result = std::move(*request->inline_result);
  request->inline_result.reset();
  if (result.entries.size() > GRPC_METADATA_CREDENTIALS_PLUGIN_SYNC_MAX) {
    // More entries than C-core takes synchronously: they must come through the callback, from another thread.
    CompleteOnCallbackThread(std::move(request), std::move(result));
    return 0;
  }
  ReturnSynchronously(result, creds_md, count, status, error_details);
  return 1;
}

int GetMetadata(void* state, grpc_auth_metadata_context context, grpc_credentials_plugin_metadata_cb callback,
                void* user_data, grpc_metadata creds_md[GRPC_METADATA_CREDENTIALS_PLUGIN_SYNC_MAX], size_t* count,
                grpc_status_code* status, const char** error_details) {
  auto* plugin = static_cast<PluginState*>(state);
  auto request = std::make_shared<PendingRequest>();
  request->callback = callback;
  request->user_data = user_data;

  // On the plugin's JavaScript thread (a call started from JavaScript on a connected channel), the plugin runs
  // inline. During teardown JavaScript may no longer run, so the request takes the pump, which fails it.
  if (std::this_thread::get_id() == plugin->javascript_thread && !plugin->function->pump().closing()) {
    return GetMetadataInline(*plugin, context, std::move(request), creds_md, count, status, error_details);
  }

  // Any other thread: the JavaScript thread runs the plugin later. The context's strings live only during this
  // call, so the task copies them.
  plugin->function->pump().Post(
      new GetMetadataTask(plugin->function, std::move(request), context.service_url, context.method_name));
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
  auto* state = new PluginState{SharedJsFunction::New(env, plugin), type, env, std::this_thread::get_id()};
  grpc_metadata_credentials_plugin description = {};
  description.get_metadata = GetMetadata;
  description.debug_string = DebugString;
  description.destroy = Destroy;
  description.state = state;
  description.type = state->type.c_str();
  return grpc_metadata_credentials_create_from_plugin(description, min_security_level, nullptr);
}

}  // namespace grpc_native
