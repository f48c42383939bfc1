#include "alts.h"

#include <grpc/grpc_security.h>

#include <optional>
#include <string>
#include <vector>

#include "auth_metadata_processor.h"
#include "credentials.h"
#include "util/key_cert_pairs.h"

// Exported by libgrpc with C++ linkage and declared only in C-core's internal alts_credentials.h (gRPC 1.51).
grpc_channel_credentials* grpc_alts_credentials_create_customized(const grpc_alts_credentials_options* options,
                                                                  const char* handshaker_service_url,
                                                                  bool enable_untrusted_alts);
grpc_server_credentials* grpc_alts_server_credentials_create_customized(const grpc_alts_credentials_options* options,
                                                                        const char* handshaker_service_url,
                                                                        bool enable_untrusted_alts);

namespace grpc_native {

namespace {

constexpr const char* kNotOnGoogleCloud =
    "ALTS credentials are available only on Google Cloud: C-core found no Google Compute Engine platform here. "
    "To use ALTS elsewhere, pass handshakerServiceAddress with the address of an ALTS handshaker service.";

// altsChannelCredentials(targetServiceAccounts, handshakerServiceAddress)
Napi::Value AltsChannelCredentials(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<std::string> accounts =
      StringArray(env, info[0], "altsChannelCredentials: targetServiceAccounts");
  std::optional<std::string> address =
      OptionalString(env, info[1], "altsChannelCredentials: handshakerServiceAddress");

  // The credentials copy the options.
  grpc_alts_credentials_options* options = grpc_alts_credentials_client_options_create();
  for (const std::string& account : accounts) {
    grpc_alts_credentials_client_options_add_target_service_account(options, account.c_str());
  }
  grpc_channel_credentials* credentials =
      address.has_value() ? grpc_alts_credentials_create_customized(options, address->c_str(), true)
                          : grpc_alts_credentials_create(options);
  grpc_alts_credentials_options_destroy(options);
  return ChannelCredentials::Wrap(env, credentials, kNotOnGoogleCloud);
}

// altsServerCredentials(handshakerServiceAddress, processor)
Napi::Value AltsServerCredentials(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::optional<std::string> address =
      OptionalString(env, info[0], "altsServerCredentials: handshakerServiceAddress");

  grpc_alts_credentials_options* options = grpc_alts_credentials_server_options_create();
  grpc_server_credentials* credentials =
      address.has_value() ? grpc_alts_server_credentials_create_customized(options, address->c_str(), true)
                          : grpc_alts_server_credentials_create(options);
  grpc_alts_credentials_options_destroy(options);
  Napi::Object wrapper = ServerCredentials::Wrap(env, credentials, kNotOnGoogleCloud);
  if (!info[1].IsUndefined() && !info[1].IsNull()) AttachToServerCredentials(env, credentials, info[1], nullptr);
  return wrapper;
}

}  // namespace

void InitAlts(Napi::Env env, Napi::Object exports) {
  exports.Set("altsChannelCredentials", Napi::Function::New(env, AltsChannelCredentials));
  exports.Set("altsServerCredentials", Napi::Function::New(env, AltsServerCredentials));
}

}  // namespace grpc_native
