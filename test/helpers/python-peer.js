'use strict';
// Starts the Python grpcio interop peers (test/peers/*.py) from Node.js tests.
//
// The peers run on /usr/bin/python3 with Debian's python3-grpcio, never on another python3 found first on
// PATH. Message modules are generated once per process into a temporary folder and shared by every peer.
// Every peer process still running when this process exits is killed.

const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const PYTHON = '/usr/bin/python3';
const PEERS_DIR = path.join(__dirname, '..', 'peers');
const SERVER_SCRIPT = path.join(PEERS_DIR, 'python_interop_server.py');
const CLIENT_SCRIPT = path.join(PEERS_DIR, 'python_interop_client.py');
const LISTENING_LINE = /^listening on port (\d+)$/m;
const RESULT_LINE = /^(PASS|FAIL) ([a-z_]+)(?:: (.*))?$/;

const runningPeers = new Set();
let pythonGrpcVersion = null;
let stubsDir = null;

process.on('exit', () => {
  for (const child of runningPeers) {
    child.kill('SIGKILL');
  }
});

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
    { cwd: PEERS_DIR, encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`generating the Python interop message modules failed: ${(result.stderr || '').trim()}`);
  }
  stubsDir = dir;
  return stubsDir;
}

function spawnPeer(script, args, stdin) {
  const child = spawn(PYTHON, [script, ...args, '--stubs_dir', getStubsDir()], {
    cwd: PEERS_DIR,
    stdio: [stdin, 'pipe', 'pipe'],
  });
  runningPeers.add(child);
  child.on('exit', () => runningPeers.delete(child));
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  return child;
}

function serverTlsArgs(tls) {
  if (!tls) {
    return [];
  }
  if (!tls.certPath || !tls.keyPath) {
    throw new TypeError('tls must have certPath and keyPath (PEM files of the server certificate and key)');
  }
  const args = ['--tls', '--cert', tls.certPath, '--key', tls.keyPath];
  if (tls.clientCaPath) {
    args.push('--client-ca', tls.clientCaPath);
  }
  return args;
}

/**
 * Starts the Python interop server on 127.0.0.1 and a free port.
 *
 * `tls`, if given, is `{ certPath, keyPath, clientCaPath }`; with `clientCaPath` the server requires client
 * certificates signed by that CA. Resolves to `{ port, target, stop }` once the server listens, where
 * `stop()` kills it and resolves when it has exited. Rejects with the server's stderr if it exits first.
 */
function startPythonInteropServer({ tls } = {}) {
  const args = ['--port', '0', '--exit_on_stdin_close', ...serverTlsArgs(tls)];
  const child = spawnPeer(SERVER_SCRIPT, args, 'pipe');
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });

  const exited = new Promise((resolve) => child.on('exit', resolve));
  const stop = () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
    }
    return exited.then(() => undefined);
  };

  return new Promise((resolve, reject) => {
    const onStdout = (chunk) => {
      stdout += chunk;
      const match = LISTENING_LINE.exec(stdout);
      if (match) {
        child.stdout.removeListener('data', onStdout);
        child.removeListener('exit', onEarlyExit);
        const port = Number(match[1]);
        resolve({ port, target: `127.0.0.1:${port}`, stop });
      }
    };
    const onEarlyExit = (code, signal) => {
      reject(new Error(`Python interop server exited before listening (exit code ${code}, signal ${signal}).`
        + ` stderr: ${stderr.trim() || '(empty)'}`));
    };
    child.stdout.on('data', onStdout);
    child.on('exit', onEarlyExit);
    child.on('error', (error) => reject(new Error(`cannot start the Python interop server: ${error.message}`)));
  });
}

function clientTlsArgs(tls) {
  if (!tls) {
    return [];
  }
  const args = ['--tls'];
  if (tls.caPath) {
    args.push('--ca', tls.caPath);
  }
  if (tls.certPath || tls.keyPath) {
    if (!tls.certPath || !tls.keyPath) {
      throw new TypeError('tls.certPath and tls.keyPath must be given together (the client certificate and key)');
    }
    args.push('--cert', tls.certPath, '--key', tls.keyPath);
  }
  if (tls.serverHostOverride) {
    args.push('--server_host_override', tls.serverHostOverride);
  }
  return args;
}

/**
 * Runs the Python interop client against `host:port` for `testCases` (an array of case names).
 *
 * `tls`, if given, is `{ caPath, certPath, keyPath, serverHostOverride }`. Resolves, whatever the cases'
 * outcome, to `{ exitCode, results, stdout, stderr }`, where `results` maps each reported case name to
 * `{ passed, reason }`. Rejects only if the client cannot be started.
 */
function runPythonInteropClient({ port, host = '127.0.0.1', testCases, tls, callTimeoutSeconds } = {}) {
  if (!Number.isInteger(port) || port <= 0) {
    throw new TypeError(`port must be a positive integer, got ${String(port)}`);
  }
  if (!Array.isArray(testCases) || testCases.length === 0) {
    throw new TypeError('testCases must be a non-empty array of interop case names');
  }
  const args = ['--server_host', host, '--server_port', String(port), '--test_case', testCases.join(','),
    ...clientTlsArgs(tls)];
  if (callTimeoutSeconds !== undefined) {
    args.push('--call_timeout', String(callTimeoutSeconds));
  }
  const child = spawnPeer(CLIENT_SCRIPT, args, 'ignore');
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });

  return new Promise((resolve, reject) => {
    child.on('error', (error) => reject(new Error(`cannot start the Python interop client: ${error.message}`)));
    child.on('close', (exitCode) => {
      const results = {};
      for (const line of stdout.split('\n')) {
        const match = RESULT_LINE.exec(line);
        if (match) {
          results[match[2]] = { passed: match[1] === 'PASS', reason: match[3] || null };
        }
      }
      resolve({ exitCode, results, stdout, stderr });
    });
  });
}

/**
 * Throws unless `run` (from runPythonInteropClient) reports that `caseName` passed. The Error carries the
 * client's reason, or its exit code and stderr when it reported nothing for the case.
 */
function assertPythonCasePassed(run, caseName) {
  const result = run.results[caseName];
  if (result && result.passed) {
    return;
  }
  if (result) {
    throw new Error(`Python interop client: ${caseName}: ${result.reason}`);
  }
  throw new Error(`Python interop client reported no result for ${caseName} (exit code ${run.exitCode}).`
    + ` stderr: ${run.stderr.trim() || '(empty)'}`);
}

module.exports = {
  PYTHON,
  checkPythonGrpc,
  startPythonInteropServer,
  runPythonInteropClient,
  assertPythonCasePassed,
};
