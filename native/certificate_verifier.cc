#include "certificate_verifier.h"

#include <grpc/support/alloc.h>
#include <grpc/support/string_util.h>

#include <memory>
#include <string>

#include "util/callback_thread.h"
#include "util/once_function.h"
#include "util/shared_js_function.h"

namespace grpc_native {

namespace {

// Owns itself: C-core's destruct callback deletes it, together with the external verifier struct inside it.
struct VerifierState {
  grpc_tls_certificate_verifier_external external;
  std::shared_ptr<SharedJsFunction> check;
};

// One verification waiting for JavaScript. `request` and `callback_arg` stay valid until the result reaches C-core.
struct PendingVerification {
  grpc_tls_custom_verification_check_request* request;
  grpc_tls_on_custom_verification_check_done_cb callback;
  void* callback_arg;
};

std::string CopyOrEmpty(const char* text) {
  return text == nullptr ? std::string() : std::string(text);
}

void Complete(PendingVerification pending, grpc_status_code status, std::string details) {
  RunOnCallbackThread([pending, status, details = std::move(details)] {
    pending.callback(pending.request, pending.callback_arg, status,
                     status == GRPC_STATUS_OK ? nullptr : details.c_str());
  });
}

class VerifyTask : public Task {
 public:
  VerifyTask(std::shared_ptr<SharedJsFunction> check, PendingVerification pending)
      : check_(std::move(check)),
        pending_(pending),
        target_name_(CopyOrEmpty(pending.request->target_name)),
        peer_certificate_(CopyOrEmpty(pending.request->peer_info.peer_cert)),
        peer_chain_(CopyOrEmpty(pending.request->peer_info.peer_cert_full_chain)) {}

  void Run(napi_env raw_env) override {
    if (raw_env == nullptr) {
      Complete(pending_, GRPC_STATUS_UNAVAILABLE, "the Node.js environment closed during the TLS handshake");
      return;
    }
    Napi::Env env(raw_env);
    PendingVerification pending = pending_;
    Napi::Function done = NewOnceFunction(
        env, "checkServerIdentityDone",
        [pending](const Napi::CallbackInfo& info) {
          Napi::Value error = info[0];
          if (error.IsUndefined() || error.IsNull()) {
            Complete(pending, GRPC_STATUS_OK, "");
          } else {
            Complete(pending, GRPC_STATUS_UNAUTHENTICATED, error.ToString().Utf8Value());
          }
        },
        [pending] { Complete(pending, GRPC_STATUS_UNAUTHENTICATED, "the server identity check never completed"); });
    check_->Value().Call({Napi::String::New(env, target_name_), Napi::String::New(env, peer_certificate_),
                          Napi::String::New(env, peer_chain_), done});
  }

 private:
  std::shared_ptr<SharedJsFunction> check_;
  PendingVerification pending_;
  std::string target_name_;
  std::string peer_certificate_;
  std::string peer_chain_;
};

int Verify(void* user_data, grpc_tls_custom_verification_check_request* request,
           grpc_tls_on_custom_verification_check_done_cb callback, void* callback_arg, grpc_status_code*, char**) {
  auto* state = static_cast<VerifierState*>(user_data);
  state->check->pump().Post(new VerifyTask(state->check, PendingVerification{request, callback, callback_arg}));
  return 0;
}

// C-core keeps a cancelled request alive until the verifier completes it, and the JavaScript check completes
// promptly, so nothing is cut short here.
void Cancel(void*, grpc_tls_custom_verification_check_request*) {}

void Destruct(void* user_data) {
  delete static_cast<VerifierState*>(user_data);
}

}  // namespace

grpc_tls_certificate_verifier* NewJsCertificateVerifier(Napi::Env env, Napi::Function check) {
  auto* state = new VerifierState();
  state->check = SharedJsFunction::New(env, check);
  state->external.user_data = state;
  state->external.verify = Verify;
  state->external.cancel = Cancel;
  state->external.destruct = Destruct;
  return grpc_tls_certificate_verifier_external_create(&state->external);
}

}  // namespace grpc_native
