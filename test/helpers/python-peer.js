'use strict';
// Starts the Python grpcio interop peers (test/peers/python_interop_*.py) from Node.js tests.
//
// The peers run on /usr/bin/python3 with Debian's python3-grpcio, never on another python3 found first on
// PATH. Message modules are generated once per process into a temporary folder and shared by every peer.

const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { startPeerServer, runPeerClient, assertPeerCasePassed } = require('./peer-process');

const PYTHON = '/usr/bin/python3';
const PEERS_DIR = path.join(__dirname, '..', 'peers');
const SERVER_SCRIPT = path.join(PEERS_DIR, 'python_interop_server.py');
const CLIENT_SCRIPT = path.join(PEERS_DIR, 'python_interop_client.py');

// Keeps Python from writing __pycache__ folders into test/peers.
const PYTHON_ENV = { ...process.env, PYTHONDONTWRITEBYTECODE: '1' };

let pythonGrpcVersion = null;
let stubsDir = null;

/**
 * Checks that /usr/bin/python3 can import grpc and protobuf and returns grpcio's version.
 * Throws an Error that names what is missing and how to install it.
 */
function checkPythonGrpc() {
  if (pythonGrpcVersion !== null) {
    return pythonGrpcVersion;
  }
  const result = spawnSync(PYTHON, ['-c', 'import grpc, google.protobuf; print(grpc.__version__)'],
    { encoding: 'utf8' });
  if (result.error) {
    throw new Error(`cannot run ${PYTHON} for the Python interop peers: ${result.error.message}.`
      + ' Install python3 and python3-grpcio (scripts/setup.sh does).');
  }
  if (result.status !== 0) {
    throw new Error(`${PYTHON} cannot import grpc or google.protobuf, which the Python interop peers need:`
      + ` ${result.stderr.trim()}. Install python3-grpcio (scripts/setup.sh does).`);
  }
  pythonGrpcVersion = result.stdout.trim();
  return pythonGrpcVersion;
}

/** Returns the folder of the generated grpc.testing message modules, generating them on the first call. */
function getStubsDir() {
  if (stubsDir !== null) {
    return stubsDir;
  }
  checkPythonGrpc();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grpc-native-python-messages-'));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  const result = spawnSync(PYTHON,
    ['-c', 'import sys, interop_messages; interop_messages.generate_messages(sys.argv[1])', dir],
    { cwd: PEERS_DIR, env: PYTHON_ENV, encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`generating the Python interop message modules failed: ${(result.stderr || '').trim()}`);
  }
  stubsDir = dir;
  return stubsDir;
}

/**
 * Starts the Python interop server on 127.0.0.1 and a free port.
 *
 * `tls`, if given, is `{ certPath, keyPath, clientCaPath }`; with `clientCaPath` the server requires client
 * certificates signed by that CA. Resolves to `{ port, target, stop }` once the server listens, where
 * `stop()` kills it and resolves when it has exited. Rejects with the server's stderr if it exits first.
 */
async function startPythonInteropServer({ tls } = {}) {
  return startPeerServer({
    name: 'Python interop server',
    command: PYTHON,
    args: [SERVER_SCRIPT, '--stubs_dir', getStubsDir()],
    cwd: PEERS_DIR,
    env: PYTHON_ENV,
    tls,
  });
}

/**
 * Runs the Python interop client against `host:port` (host defaults to 127.0.0.1) for `testCases`, an array
 * of case names.
 *
 * `tls`, if given, is `{ caPath, certPath, keyPath, serverHostOverride }`. Resolves, whatever the cases'
 * outcome, to `{ exitCode, results, stdout, stderr }`, where `results` maps each reported case name to
 * `{ passed, reason }`. Rejects only if the client cannot be started.
 */
async function runPythonInteropClient({ port, host, testCases, tls, callTimeoutSeconds } = {}) {
  return runPeerClient({
    name: 'Python interop client',
    command: PYTHON,
    args: [CLIENT_SCRIPT, '--stubs_dir', getStubsDir()],
    cwd: PEERS_DIR,
    env: PYTHON_ENV,
    port,
    host,
    testCases,
    tls,
    callTimeoutSeconds,
  });
}

/** Throws unless `run` (from runPythonInteropClient) reports that `caseName` passed. */
function assertPythonCasePassed(run, caseName) {
  assertPeerCasePassed('Python interop client', run, caseName);
}

module.exports = {
  PYTHON,
  checkPythonGrpc,
  startPythonInteropServer,
  runPythonInteropClient,
  assertPythonCasePassed,
};
