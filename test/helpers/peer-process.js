'use strict';
// Runs interop peers (the Python and Go servers and clients in test/peers) as child processes.
//
// Every peer takes the same flags: servers `--port --tls --cert --key --client-ca --exit_on_stdin_close`
// and print `listening on port N` once they serve; clients `--server_host --server_port --test_case --tls
// --ca --cert --key --server_host_override --call_timeout` and print `PASS <case>` or `FAIL <case>: <reason>`
// per case. Every peer still running when this process exits is killed.

const { spawn } = require('node:child_process');

const LISTENING_LINE = /^listening on port (\d+)$/m;
const RESULT_LINE = /^(PASS|FAIL) ([a-z_]+)(?:: (.*))?$/;

const runningPeers = new Set();

process.on('exit', () => {
  for (const child of runningPeers) {
    child.kill('SIGKILL');
  }
});

function spawnPeer(command, args, { cwd, env, stdin }) {
  const child = spawn(command, args, { cwd, env, stdio: [stdin, 'pipe', 'pipe'] });
  runningPeers.add(child);
  child.on('exit', () => runningPeers.delete(child));
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  return child;
}

/** Returns the server flags for `tls` (`{ certPath, keyPath, clientCaPath }`), or none without `tls`. */
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
 * Starts the peer server `command args...` with the TLS flags of `tls`, on 127.0.0.1 and a free port.
 * Resolves to `{ port, target, stop }` once it listens, where `stop()` kills it and resolves when it has
 * exited. Rejects with the server's stderr if it exits first. `name` labels error messages, and `cwd` and
 * `env` are those of child_process.spawn.
 */
function startPeerServer({ name, command, args, cwd, env, tls }) {
  const child = spawnPeer(command, [...args, '--port', '0', '--exit_on_stdin_close', ...serverTlsArgs(tls)],
    { cwd, env, stdin: 'pipe' });
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
      reject(new Error(`${name} exited before listening (exit code ${code}, signal ${signal}).`
        + ` stderr: ${stderr.trim() || '(empty)'}`));
    };
    child.stdout.on('data', onStdout);
    child.on('exit', onEarlyExit);
    child.on('error', (error) => reject(new Error(`cannot start ${name}: ${error.message}`)));
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
 * Runs the peer client `command args...` against `host:port` for `testCases` (an array of case names).
 *
 * `tls`, if given, is `{ caPath, certPath, keyPath, serverHostOverride }`. Resolves, whatever the cases'
 * outcome, to `{ exitCode, results, stdout, stderr }`, where `results` maps each reported case name to
 * `{ passed, reason }`. Rejects only if the client cannot be started.
 */
function runPeerClient({
  name, command, args, cwd, env, port, host = '127.0.0.1', testCases, tls, callTimeoutSeconds,
}) {
  if (!Number.isInteger(port) || port <= 0) {
    throw new TypeError(`port must be a positive integer, got ${String(port)}`);
  }
  if (!Array.isArray(testCases) || testCases.length === 0) {
    throw new TypeError('testCases must be a non-empty array of interop case names');
  }
  const clientArgs = [...args, '--server_host', host, '--server_port', String(port),
    '--test_case', testCases.join(','), ...clientTlsArgs(tls)];
  if (callTimeoutSeconds !== undefined) {
    clientArgs.push('--call_timeout', String(callTimeoutSeconds));
  }
  const child = spawnPeer(command, clientArgs, { cwd, env, stdin: 'ignore' });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });

  return new Promise((resolve, reject) => {
    child.on('error', (error) => reject(new Error(`cannot start ${name}: ${error.message}`)));
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
 * Throws unless `run` (from runPeerClient) reports that `caseName` passed. The Error carries the client's
 * reason, or its exit code and stderr when it reported nothing for the case. `name` labels the message.
 */
function assertPeerCasePassed(name, run, caseName) {
  const result = run.results[caseName];
  if (result && result.passed) {
    return;
  }
  if (result) {
    throw new Error(`${name}: ${caseName}: ${result.reason}`);
  }
  throw new Error(`${name} reported no result for ${caseName} (exit code ${run.exitCode}).`
    + ` stderr: ${run.stderr.trim() || '(empty)'}`);
}

module.exports = {
  startPeerServer,
  runPeerClient,
  assertPeerCasePassed,
};
