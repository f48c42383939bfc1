'use strict';
// The implementations under test and how a Node.js child process loads each one.

const path = require('node:path');

const REPO_ROOT = path.join(__dirname, '..', '..');

/**
 * Implementations, by the name used on the command line and in results.
 * `runtime` is the process that runs its clients and servers.
 */
const IMPLEMENTATIONS = {
  native: { label: 'grpc-native', runtime: 'node' },
  'grpc-js': { label: '@grpc/grpc-js', runtime: 'node' },
  grpcio: { label: 'grpcio (Python)', runtime: 'python' },
};

/** Returns the grpc module of a Node.js implementation. grpc-native is loaded from its build in dist/. */
function loadGrpc(name) {
  if (name === 'grpc-js') {
    return require('@grpc/grpc-js');
  }
  if (name === 'native') {
    return require(path.join(REPO_ROOT, 'dist'));
  }
  throw new Error(`unknown Node.js implementation "${name}": expected native or grpc-js`);
}

module.exports = { REPO_ROOT, IMPLEMENTATIONS, loadGrpc };
