'use strict';
// Starts benchmark servers and clients as child processes and samples their CPU time, resident size, context
// switches and read/write system calls from /proc (Linux only) at the moments the clients sync on.

const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const readline = require('node:readline');
const { IMPLEMENTATIONS } = require('./implementations');

const PYTHON = '/usr/bin/python3';
const BENCH_DIR = path.join(__dirname, '..');
const PEERS_DIR = path.join(BENCH_DIR, 'peers');
const SERVER_START_TIMEOUT_MS = 30_000;
const SERVER_STOP_TIMEOUT_MS = 5_000;

const CLOCK_TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
const running = new Set();

process.on('exit', () => {
  for (const child of running) {
    child.kill('SIGKILL');
  }
});

/** Returns the user plus system CPU time of process `pid` (all its threads) in microseconds. */
function readCpuMicroseconds(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may contain spaces: utime is field 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1e6) / CLOCK_TICKS_PER_SECOND;
}

/** Returns the resident set size of process `pid` in bytes. */
function readResidentBytes(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (!match) {
    throw new Error(`no VmRSS line in /proc/${pid}/status`);
  }
  return Number(match[1]) * 1024;
}

/** Returns the voluntary plus involuntary context switches of all threads of process `pid`. */
function readContextSwitches(pid) {
  let total = 0;
  for (const thread of fs.readdirSync(`/proc/${pid}/task`)) {
    let status;
    try {
      status = fs.readFileSync(`/proc/${pid}/task/${thread}/status`, 'utf8');
    } catch {
      continue; // The thread ended between the listing and the read.
    }
    for (const match of status.matchAll(/^(?:non)?voluntary_ctxt_switches:\s+(\d+)$/gm)) {
      total += Number(match[1]);
    }
  }
  return total;
}

/** Returns the number of read- and write-family system calls that process `pid` has made (`syscr` + `syscw`). */
function readReadWriteSyscalls(pid) {
  const io = fs.readFileSync(`/proc/${pid}/io`, 'utf8');
  const reads = /^syscr: (\d+)$/m.exec(io);
  const writes = /^syscw: (\d+)$/m.exec(io);
  if (!reads || !writes) {
    throw new Error(`no syscr or syscw line in /proc/${pid}/io`);
  }
  return Number(reads[1]) + Number(writes[1]);
}

function spawnChild(impl, role, config) {
  const json = JSON.stringify(config);
  const runtime = IMPLEMENTATIONS[impl].runtime;
  const child = runtime === 'python'
    ? spawn(PYTHON, [path.join(PEERS_DIR, `bench_${role}.py`), json], { cwd: PEERS_DIR })
    : spawn(process.execPath, ['--expose-gc', path.join(BENCH_DIR, `node-${role}.js`), json], { cwd: BENCH_DIR });
  running.add(child);
  child.on('exit', () => running.delete(child));
  // A child that exits while the runner writes to it makes the write fail with EPIPE; its exit is what counts.
  child.stdin.on('error', () => {});
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const lines = readline.createInterface({ input: child.stdout });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, lines, exited, stderr: () => stderr.trim() };
}

/** Describes how a child ended, with the lines of its stderr that are not stack frames. */
function describeExit({ code, signal }, stderr) {
  const ending = signal ? `signal ${signal}` : `exit code ${code}`;
  const lines = stderr.split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('at '));
  return `${ending}${lines.length > 0 ? `: ${lines.slice(-4).join(' | ')}` : ''}`;
}

/**
 * Starts a benchmark server of `impl` and resolves to `{ port, pid, stop, exitReason }` once it listens. `stop()`
 * closes its stdin, which ends it, and kills it if it is still running after SERVER_STOP_TIMEOUT_MS.
 * `exitReason()` returns null while the server runs, and how it ended once it exited by itself.
 */
function startServer(impl, config) {
  const { child, lines, exited, stderr } = spawnChild(impl, 'server', config);
  let stopping = false;
  let exitReason = null;
  exited.then((exit) => {
    if (!stopping) {
      exitReason = `the ${impl} server exited (${describeExit(exit, stderr())})`;
    }
  });
  const stop = async () => {
    stopping = true;
    child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), SERVER_STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the ${impl} server did not listen within ${SERVER_START_TIMEOUT_MS} ms`));
    }, SERVER_START_TIMEOUT_MS);
    lines.on('line', (line) => {
      const message = parseLine(line);
      if (message && message.event === 'listening') {
        clearTimeout(timer);
        resolve({ port: message.port, pid: child.pid, stop, exitReason: () => exitReason });
      }
    });
    exited.then((exit) => {
      clearTimeout(timer);
      reject(new Error(`the ${impl} server exited before listening (${describeExit(exit, stderr())})`));
    });
  });
}

function parseLine(line) {
  try {
    return JSON.parse(line);
  } catch {
    return null;
  }
}

function takeSample(clientPid, serverPid) {
  return {
    clientCpuUs: readCpuMicroseconds(clientPid),
    serverCpuUs: readCpuMicroseconds(serverPid),
    clientRssBytes: readResidentBytes(clientPid),
    serverRssBytes: readResidentBytes(serverPid),
    clientSwitches: readContextSwitches(clientPid),
    serverSwitches: readContextSwitches(serverPid),
    clientSyscalls: readReadWriteSyscalls(clientPid),
    serverSyscalls: readReadWriteSyscalls(serverPid),
  };
}

/**
 * Runs one benchmark client of `impl` against the server with process id `serverPid`. Resolves to
 * `{ result, samples }`: the client's result line and, for each sync name, the CPU times, resident sizes, context
 * switches and read/write system calls of both processes at that moment. Rejects if the client fails or runs longer than `timeoutMs`.
 */
function runClient(impl, config, serverPid, timeoutMs) {
  const { child, lines, exited, stderr } = spawnChild(impl, 'client', config);
  const samples = {};
  let result = null;
  let sampleError = null;

  lines.on('line', (line) => {
    const message = parseLine(line);
    if (message === null) {
      return;
    }
    if (message.event === 'sync') {
      try {
        samples[message.name] = takeSample(child.pid, serverPid);
      } catch (error) {
        sampleError = error;
      }
      child.stdin.write('\n');
    } else if (message.event === 'result') {
      const { event: _event, ...fields } = message;
      result = fields;
    }
  });

  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return exited.then((exit) => {
    clearTimeout(timer);
    if (exit.signal === 'SIGKILL') {
      const reached = Object.keys(samples);
      throw new Error(`the ${impl} client was killed after ${timeoutMs} ms; it had synced at `
        + `${reached.length > 0 ? reached.join(', ') : 'nothing'}${result === null ? '' : ' and reported a result'}`);
    }
    if (exit.code !== 0 || result === null) {
      throw new Error(`the ${impl} client failed (${describeExit(exit, stderr())})`);
    }
    if (sampleError !== null) {
      throw sampleError;
    }
    return { result, samples };
  });
}

module.exports = { PYTHON, startServer, runClient, readCpuMicroseconds, readResidentBytes };
