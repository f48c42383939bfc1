#include "completion_pump.h"

#include <chrono>

namespace grpc_native {

namespace {

// How long teardown waits for C-core to drain the queue once every call, channel and server was closed. Only a
// C-core bug would need more; past it the poller thread is detached and its queue leaked rather than freed while
// in use.
constexpr auto kDrainTimeout = std::chrono::seconds(5);

}  // namespace

std::shared_ptr<CompletionPump> CompletionPump::Create(Napi::Env env) {
  std::shared_ptr<CompletionPump> pump(new CompletionPump(env));

  // Node runs cleanup hooks in reverse order of registration, and the thread-safe function registered its own
  // when it was made. Registering ours after it makes ours run first, while the wake-up is still valid.
  napi_add_env_cleanup_hook(env, [](void* data) { static_cast<CompletionPump*>(data)->Teardown(); }, pump.get());
  return pump;
}

CompletionPump::CompletionPump(Napi::Env env) : env_(env) {
  // C-core counts init and shutdown calls, so each environment (the main thread and every worker) holds one.
  grpc_init();
  queue_ = grpc_completion_queue_create_for_next(nullptr);

  wake_up_ = WakeUp::New(env, "grpc-native completion pump", 0, 1, this);
  wake_up_.Unref(env);

  poller_ = std::thread([this] { PollQueue(); });
}

CompletionPump::~CompletionPump() {
  // Teardown already released C-core. Anything still here was posted after it, from a foreign thread, and holds
  // JavaScript references that may only be freed on the JavaScript thread: it is leaked on purpose.
}

void* CompletionPump::Start(Operation* op, bool keeps_alive) {
  op->keeps_alive_ = keeps_alive;
  if (keeps_alive) AddWork(1);
  return op;
}

void CompletionPump::Abandon(Operation* op) {
  if (op->keeps_alive_) AddWork(-1);
  op->Run(nullptr);
  delete op;
}

void CompletionPump::AddWork(int delta) {
  if (closing_) return;

  int before = work_in_flight_;
  work_in_flight_ += delta;
  if (before == 0 && work_in_flight_ > 0) wake_up_.Ref(env_);
  if (before > 0 && work_in_flight_ == 0) wake_up_.Unref(env_);
}

void CompletionPump::Post(Task* task) {
  bool schedule = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    tasks_.push_back(task);
    if (!wake_up_scheduled_ && !closing_) {
      wake_up_scheduled_ = true;
      schedule = true;
    }
  }

  // The queue of the thread-safe function is unbounded, so this never blocks; it only fails while the environment
  // closes, and then teardown frees the batch.
  if (schedule) wake_up_.NonBlockingCall();
}

void CompletionPump::RunBatch(Napi::Env env, Napi::Function, CompletionPump* pump, void*) {
  if (env == nullptr) return;  // Torn down: Teardown frees what is left.

  std::vector<Task*> batch;
  {
    std::lock_guard<std::mutex> lock(pump->mutex_);
    batch.swap(pump->tasks_);
    pump->wake_up_scheduled_ = false;
  }

  // An exception thrown by one task's JavaScript must not cost the others their completions: each runs, and the
  // first exception is rethrown afterwards as an uncaught exception, as Node does for its own callbacks.
  Napi::Reference<Napi::Value> first_error;
  for (Task* task : batch) {
    Napi::HandleScope scope(env);
    try {
      task->Run(env);
    } catch (const Napi::Error& error) {
      if (first_error.IsEmpty()) first_error = Napi::Persistent(Napi::Value(error.Value()));
    }
    if (task->keeps_alive_) pump->AddWork(-1);
    delete task;
  }

  if (!first_error.IsEmpty()) napi_fatal_exception(env, first_error.Value());
}

void CompletionPump::PollQueue() {
  for (;;) {
    grpc_event event =
        grpc_completion_queue_next(queue_, gpr_inf_future(GPR_CLOCK_MONOTONIC), nullptr);
    if (event.type == GRPC_QUEUE_SHUTDOWN) break;
    if (event.type != GRPC_OP_COMPLETE) continue;

    auto* op = static_cast<Operation*>(event.tag);
    op->ok = event.success != 0;
    if (op->CompleteOnPoller()) continue;
    Post(op);
  }

  std::lock_guard<std::mutex> lock(mutex_);
  poller_finished_ = true;
  poller_done_.notify_all();
}

void CompletionPump::Teardown() {
  // 1. Refuse new work and close every C-core object of this environment. Closing cancels calls, destroys
  //    channels and shuts servers down, so every operation on the queue completes.
  {
    std::lock_guard<std::mutex> lock(mutex_);
    closing_ = true;
  }
  std::unordered_set<Resource*> resources;
  resources.swap(resources_);
  for (Resource* resource : resources) resource->Close();

  // 2. Drain the queue: the poller posts the last completions and then sees the shutdown event.
  grpc_completion_queue_shutdown(queue_);
  bool drained;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    drained = poller_done_.wait_for(lock, kDrainTimeout, [this] { return poller_finished_; });
  }
  if (drained) {
    poller_.join();
    grpc_completion_queue_destroy(queue_);
  } else {
    poller_.detach();
  }
  queue_ = nullptr;

  // 3. Free what never reached JavaScript. With a null env, tasks release their references and call nothing.
  std::vector<Task*> leftover;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    leftover.swap(tasks_);
  }
  for (Task* task : leftover) {
    task->Run(nullptr);
    delete task;
  }

  wake_up_.Release();
  grpc_shutdown();
}

void CompletionPump::Track(Resource* resource) {
  resources_.insert(resource);
}

void CompletionPump::Untrack(Resource* resource) {
  resources_.erase(resource);
}

}  // namespace grpc_native
