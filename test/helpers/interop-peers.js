'use strict';
// The interop peers that a grpc module is checked against, with one interface for mocha suites:
// `startServer({ tls })`, `runClient({ port, testCases, tls })` and `assertCasePassed(run, caseName)`.

const {
  buildGoInteropPeer, startGoInteropServer, runGoInteropClient, assertGoCasePassed,
} = require('./go-peer');
const {
  checkPythonGrpc, startPythonInteropServer, runPythonInteropClient, assertPythonCasePassed,
} = require('./python-peer');

/**
 * Python grpcio is required. The Go peer is optional because scripts/setup.sh does not install Go, so
 * preparePeer skips its suites, with a warning, where Go is missing.
 */
const INTEROP_PEERS = [
  {
    name: 'Python',
    startServer: startPythonInteropServer,
    runClient: runPythonInteropClient,
    assertCasePassed: assertPythonCasePassed,
    prepare: checkPythonGrpc,
    optional: false,
  },
  {
    name: 'Go',
    startServer: startGoInteropServer,
    runClient: runGoInteropClient,
    assertCasePassed: assertGoCasePassed,
    prepare: buildGoInteropPeer,
    optional: true,
  },
];

const warnedMissingPeers = new Set();

/**
 * Prepares `peer` (checks Python, or builds the Go peer) in a mocha hook or test whose `this` is `context`.
 * Skips the suite or test if an optional peer is missing, and throws if a required one is.
 */
async function preparePeer(context, peer) {
  try {
    await peer.prepare();
  } catch (error) {
    if (!peer.optional) {
      throw error;
    }
    if (!warnedMissingPeers.has(peer.name)) {
      warnedMissingPeers.add(peer.name);
      console.warn(`skipping the ${peer.name} interop peer: ${error.message}`);
    }
    context.skip();
  }
}

module.exports = {
  INTEROP_PEERS,
  preparePeer,
};
