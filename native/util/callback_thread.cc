#include "util/callback_thread.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace grpc_native {

namespace {

class CallbackThread {
 public:
  CallbackThread() {
    // Detached, and the object is never freed: the thread lives as long as the process, and no static destructor
    // can pull the queue from under it at exit.
    std::thread([this] { RunForever(); }).detach();
  }

  void Push(std::function<void()> callback) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      queue_.push_back(std::move(callback));
    }
    ready_.notify_one();
  }

 private:
  void RunForever() {
    for (;;) {
      std::function<void()> callback;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        ready_.wait(lock, [this] { return !queue_.empty(); });
        callback = std::move(queue_.front());
        queue_.pop_front();
      }
      callback();
    }
  }

  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> queue_;
};

}  // namespace

void RunOnCallbackThread(std::function<void()> callback) {
  static CallbackThread* thread = new CallbackThread();
  thread->Push(std::move(callback));
}

}  // namespace grpc_native
