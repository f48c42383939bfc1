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

/** Returns the channel credentials for `security`. */
function channelCredentials(grpc, security) {
  checkMode(security);
  if (security.mode === 'insecure') {
    return grpc.credentials.createInsecure();
  }
  const ca = fs.readFileSync(security.caPath);
  if (security.mode === 'tls') {
    return grpc.credentials.createSsl(ca);
  }
  return grpc.credentials.createSsl(ca, fs.readFileSync(security.clientKeyPath), fs.readFileSync(security.clientCertPath));
}

/**
 * Returns call credentials whose metadata plugin adds `token` (`{ key, value }`) and then calls `onInvoke`. Call
 * credentials need a tls or mtls channel.
 */
function tokenCallCredentials(grpc, token, onInvoke) {
  return grpc.credentials.createFromMetadataGenerator((_params, callback) => {
    onInvoke();
    const metadata = new grpc.Metadata();
    metadata.set(token.key, token.value);
    callback(null, metadata);
  });
}

module.exports = { SECURITY_MODES, serverCredentials, channelCredentials, tokenCallCredentials };
