#include "core_log.h"

#include <grpc/support/log.h>
#include <grpc/support/time.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>
#include <mutex>
#include <string>

#include "addon.h"
#include "completion_pump.h"

namespace grpc_native {

namespace {

// The JavaScript function that receives C-core's lines, and the environment it belongs to. The environment that
// registers first owns it; a worker that registers later leaves the main thread's sink in place. The pump closes
// the sink at the environment's teardown, on the JavaScript thread, which is where the reference is released.
// The object itself is never freed (one per environment that registers), because tasks that were posted before the
// close still point at it.
class LogSink : public Resource {
 public:
  LogSink(Napi::Env env, Napi::Function callback)
      : pump_(GetAddonData(env)->pump), callback_(Napi::Persistent(callback)) {
    pump_->Track(this);
  }

  void Close() override;

  CompletionPump& pump() { return *pump_; }
  Napi::FunctionReference& callback() { return callback_; }

 private:
  std::shared_ptr<CompletionPump> pump_;
  Napi::FunctionReference callback_;
};

// Writes a line the way C-core's default log function does (severity, date, time, thread, file and line), which
// C-core 1.51 does not export.
void WriteLineToStderr(const char* file, int line, gpr_log_severity severity, const char* message) {
  gpr_timespec now = gpr_now(GPR_CLOCK_REALTIME);
  time_t seconds = static_cast<time_t>(now.tv_sec);
  struct tm local;
  localtime_r(&seconds, &local);
  char date[32];
  strftime(date, sizeof(date), "%m%d %H:%M:%S", &local);

  const char* slash = strrchr(file, '/');
  const char* base = slash == nullptr ? file : slash + 1;
  fprintf(stderr, "%c%s.%09d %7ld %s:%d] %s\n", gpr_log_severity_string(severity)[0], date, now.tv_nsec,
          static_cast<long>(syscall(SYS_gettid)), base, line, message);
}

std::mutex g_sink_mutex;
LogSink* g_sink = nullptr;
bool g_log_function_installed = false;

void LogSink::Close() {
  {
    std::lock_guard<std::mutex> lock(g_sink_mutex);
    if (g_sink == this) g_sink = nullptr;
  }

  // No thread posts through this sink any more, so the pump may go with its environment.
  callback_.Reset();
  pump_.reset();
}

// One C-core line on its way to JavaScript. A copy of everything, because C-core's arguments live only for the
// duration of the log call.
class LogTask : public Task {
 public:
  LogTask(LogSink* sink, const gpr_log_func_args* args)
      : sink_(sink), file_(args->file), line_(args->line), severity_(args->severity), message_(args->message) {}

  void Run(napi_env raw_env) override {
    // A task that outlived its environment, or its sink: the line still goes somewhere.
    if (raw_env == nullptr || sink_->callback().IsEmpty()) {
      WriteToStderr();
      return;
    }
    Napi::Env env(raw_env);
    Napi::HandleScope scope(env);
    sink_->callback().Call({
        Napi::Number::New(env, severity_),
        Napi::String::New(env, file_),
        Napi::Number::New(env, line_),
        Napi::String::New(env, message_),
    });
  }

 private:
  void WriteToStderr() { WriteLineToStderr(file_.c_str(), line_, severity_, message_.c_str()); }

  // Never dangling, because sinks are never freed (see LogSink).
  LogSink* sink_;
  std::string file_;
  int line_;
  gpr_log_severity severity_;
  std::string message_;
};

// C-core's log function. Any thread, including C-core's own while it holds its locks, so it only copies the line
// and posts it.
void RouteCoreLog(gpr_log_func_args* args) {
  {
    std::lock_guard<std::mutex> lock(g_sink_mutex);
    if (g_sink != nullptr) {
      g_sink->pump().Post(new LogTask(g_sink, args));
      return;
    }
  }
  WriteLineToStderr(args->file, args->line, args->severity, args->message);
}

void SetCoreLogSink(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsFunction()) throw Napi::TypeError::New(env, "setCoreLogSink: callback must be a function");

  std::lock_guard<std::mutex> lock(g_sink_mutex);
  if (g_sink != nullptr) return;

  // The sink lives until its environment's teardown closes it; the pump owns that moment.
  g_sink = new LogSink(env, info[0].As<Napi::Function>());
  if (!g_log_function_installed) {
    gpr_set_log_function(RouteCoreLog);
    g_log_function_installed = true;
  }
}

void SetCoreLogVerbosity(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber()) throw Napi::TypeError::New(env, "setCoreLogVerbosity: severity must be a number");

  int severity = info[0].As<Napi::Number>().Int32Value();
  if (severity < GPR_LOG_SEVERITY_DEBUG || severity > GPR_LOG_SEVERITY_ERROR) {
    throw Napi::RangeError::New(env, "setCoreLogVerbosity: severity must be 0 (debug), 1 (info) or 2 (error)");
  }
  gpr_set_log_verbosity(static_cast<gpr_log_severity>(severity));
}

}  // namespace

void InitCoreLog(Napi::Env env, Napi::Object exports) {
  exports.Set("setCoreLogSink", Napi::Function::New<SetCoreLogSink>(env, "setCoreLogSink"));
  exports.Set("setCoreLogVerbosity", Napi::Function::New<SetCoreLogVerbosity>(env, "setCoreLogVerbosity"));
}

}  // namespace grpc_native
