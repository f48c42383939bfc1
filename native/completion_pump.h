// The completion pump: how C-core's events reach JavaScript.
//
// Each Node.js environment (the main thread and every worker) owns one pump: a C-core completion queue, one native
// thread blocked in grpc_completion_queue_next on it, and one thread-safe function that wakes the JavaScript
// thread. Completions and other tasks posted from any thread collect in a mutex-guarded batch; the first task of a
// batch schedules one wake-up, and the JavaScript thread then runs the whole batch. A busy channel therefore pays
// one thread hop per batch, not one per event.
//
// The thread-safe function is referenced (keeps the event loop alive) only while operations that count as work
// are in flight: call batches and a server's requests for calls. Idle channels and connectivity watches do not
// hold the process open.
#pragma once

#include <grpc/grpc.h>
#include <napi.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_set>
#include <vector>

namespace grpc_native {

// Work for the JavaScript thread. The pump owns a task once it is posted and deletes it after Run.
class Task {
 public:
  virtual ~Task() = default;

  // Runs on the JavaScript thread. `env` is null while the environment is torn down: the task must then release
  // what it owns without touching JavaScript.
  virtual void Run(napi_env env) = 0;

 private:
  friend class CompletionPump;
  bool keeps_alive_ = false;
};

// A C-core operation. Its address is the tag given to C-core, and `ok` is the completion's success flag.
class Operation : public Task {
 public:
  bool ok = false;

  // Runs on the poller thread when C-core completes the operation, before it is posted. An operation that returns
  // true finished its work there and owns its own lifetime: the pump neither posts nor deletes it.
  virtual bool CompleteOnPoller() { return false; }
};

// Something that holds C-core objects and must release them before the environment goes away: channels, calls,
// servers and credentials. Close runs on the JavaScript thread, at most once per object.
class Resource {
 public:
  virtual ~Resource() = default;
  virtual void Close() = 0;
};

class CompletionPump {
 public:
  // Creates the environment's pump and registers its teardown. Called once, when the addon loads.
  static std::shared_ptr<CompletionPump> Create(Napi::Env env);
  ~CompletionPump();

  grpc_completion_queue* queue() const { return queue_; }

  // True once teardown began: no new C-core objects may be made.
  bool closing() const { return closing_; }

  // Prepares `op` to be given to C-core as a tag. JavaScript thread only. With `keeps_alive`, the event loop
  // stays alive until the operation completes. Returns the tag.
  void* Start(Operation* op, bool keeps_alive);

  // Undoes Start when C-core refused the operation and will never complete it, and deletes `op`.
  void Abandon(Operation* op);

  // Hands a task to the JavaScript thread. Any thread. After teardown the task runs with a null env.
  void Post(Task* task);

  // Resources are closed at teardown. JavaScript thread only.
  void Track(Resource* resource);
  void Untrack(Resource* resource);

 private:
  explicit CompletionPump(Napi::Env env);
  static void RunBatch(Napi::Env env, Napi::Function unused, CompletionPump* pump, void* unused_data);
  void PollQueue();
  void Teardown();
  void AddWork(int delta);

  using WakeUp = Napi::TypedThreadSafeFunction<CompletionPump, void, &CompletionPump::RunBatch>;

  napi_env env_;
  grpc_completion_queue* queue_;
  WakeUp wake_up_;
  std::thread poller_;

  std::mutex mutex_;
  std::condition_variable poller_done_;
  bool poller_finished_ = false;
  bool wake_up_scheduled_ = false;
  std::vector<Task*> tasks_;

  // JavaScript-thread state.
  int work_in_flight_ = 0;
  bool closing_ = false;
  std::unordered_set<Resource*> resources_;
};

}  // namespace grpc_native
