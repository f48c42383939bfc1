'use strict';
// Channel and server credentials for the benchmark's security modes, built with the grpc-js API.
//
// A security description is `{ mode, caPath, certPath, keyPath, clientCertPath, clientKeyPath }` with mode
// `insecure`, `tls` (server certificate only) or `mtls` (the server also requires a client certificate signed by
// the CA). The runner generates the certificates at start-up and passes their paths.

const fs = require('node:fs');

const SECURITY_MODES = ['insecure', 'tls', 'mtls'];

function checkMode(security) {
  if (!SECURITY_MODES.includes(security.mode)) {
    throw new Error(`security.mode must be one of ${SECURITY_MODES.join(', ')}, got ${String(security.mode)}`);
  }
}

function serverCredentials(grpc, security) {
  checkMode(security);
  if (security.mode === 'insecure') {
    return grpc.ServerCredentials.createInsecure();
  }
  const keyCertPairs = [{ private_key: fs.readFileSync(security.keyPath), cert_chain: fs.readFileSync(security.certPath) }];
  if (security.mode === 'tls') {
    return grpc.ServerCredentials.createSsl(null, keyCertPairs, false);
  }
  return grpc.ServerCredentials.createSsl(fs.readFileSync(security.caPath), keyCertPairs, true);
}

/**
 * Returns the channel credentials for `security`. With `callCredential`, every call also runs a metadata plugin
 * that adds the bench token (call credentials need a secure channel, so this requires tls or mtls).
 */
function channelCredentials(grpc, security, { callCredential = false, token } = {}) {
  checkMode(security);
  if (security.mode === 'insecure') {
    if (callCredential) {
      throw new Error('a call credential needs a tls or mtls channel');
    }
    return grpc.credentials.createInsecure();
  }
  const ca = fs.readFileSync(security.caPath);
  const channel = security.mode === 'tls'
    ? grpc.credentials.createSsl(ca)
    : grpc.credentials.createSsl(ca, fs.readFileSync(security.clientKeyPath), fs.readFileSync(security.clientCertPath));
  if (!callCredential) {
    return channel;
  }
  const plugin = grpc.credentials.createFromMetadataGenerator((_params, callback) => {
    const metadata = new grpc.Metadata();
    metadata.set(token.key, token.value);
    callback(null, metadata);
  });
  return grpc.credentials.combineChannelCredentials(channel, plugin);
}

module.exports = { SECURITY_MODES, serverCredentials, channelCredentials };
