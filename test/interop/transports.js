'use strict';
// The connection setups of the interop suites (insecure, TLS, mutual TLS) for a given grpc module and for
// the Python and Go peers, all with the certificates of test/helpers/certs.js.

const { getTestCerts } = require('../helpers/certs');
const { createTestServiceClient } = require('./protos');

/** A DNS name in the server certificate; the clients connect to 127.0.0.1 and check the certificate for it. */
const OVERRIDE_HOST = 'foo.test.example.com';

/**
 * The connection setups. `tls` checks the server certificate against its IP SAN 127.0.0.1; `mtls` also sends
 * a client certificate and checks the server certificate against OVERRIDE_HOST, set with
 * grpc.ssl_target_name_override.
 */
const TRANSPORTS = ['insecure', 'tls', 'mtls'];

function checkTransport(transport) {
  if (!TRANSPORTS.includes(transport)) {
    throw new RangeError(`transport must be one of ${TRANSPORTS.join(', ')}, got ${String(transport)}`);
  }
}

/** Creates the server credentials of `transport` with `grpc` (@grpc/grpc-js or a drop-in replacement). */
function createInteropServerCredentials(grpc, transport) {
  checkTransport(transport);
  if (transport === 'insecure') {
    return grpc.ServerCredentials.createInsecure();
  }
  const certs = getTestCerts();
  const keyCertPairs = [{ private_key: certs.server.key, cert_chain: certs.server.cert }];
  return transport === 'mtls'
    ? grpc.ServerCredentials.createSsl(certs.ca.cert, keyCertPairs, true)
    : grpc.ServerCredentials.createSsl(null, keyCertPairs, false);
}

/** Creates a TestService client stub with `grpc` for `target`, set up for `transport`. */
function createInteropClient(grpc, transport, target) {
  checkTransport(transport);
  if (transport === 'insecure') {
    return createTestServiceClient(grpc, target);
  }
  const certs = getTestCerts();
  if (transport === 'tls') {
    return createTestServiceClient(grpc, target, grpc.credentials.createSsl(certs.ca.cert));
  }
  return createTestServiceClient(grpc, target,
    grpc.credentials.createSsl(certs.ca.cert, certs.client.key, certs.client.cert),
    { 'grpc.ssl_target_name_override': OVERRIDE_HOST });
}

/** Returns the `tls` option of a peer server for `transport`, or undefined for `insecure`. */
function peerServerTls(transport) {
  checkTransport(transport);
  if (transport === 'insecure') {
    return undefined;
  }
  const certs = getTestCerts();
  return {
    certPath: certs.server.certPath,
    keyPath: certs.server.keyPath,
    clientCaPath: transport === 'mtls' ? certs.ca.certPath : undefined,
  };
}

/** Returns the `tls` option of a peer client for `transport`, or undefined for `insecure`. */
function peerClientTls(transport) {
  checkTransport(transport);
  if (transport === 'insecure') {
    return undefined;
  }
  const certs = getTestCerts();
  if (transport === 'tls') {
    return { caPath: certs.ca.certPath };
  }
  return {
    caPath: certs.ca.certPath,
    certPath: certs.client.certPath,
    keyPath: certs.client.keyPath,
    serverHostOverride: OVERRIDE_HOST,
  };
}

module.exports = {
  OVERRIDE_HOST,
  TRANSPORTS,
  createInteropServerCredentials,
  createInteropClient,
  peerServerTls,
  peerClientTls,
};
