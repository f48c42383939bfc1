/**
 * Shared pieces of the robustness suites and the fuzzer: an echo service, servers and clients on loopback, and a
 * runner for scripts that must run in a child process (exit, crash and leak checks).
 */
import * as assert from 'assert';
import * as childProcess from 'child_process';
import * as path from 'path';
import { isMainThread, workerData } from 'worker_threads';

import { ChannelCredentials } from '../../lib/channel-credentials';
import { Client } from '../../lib/client';
import { Status } from '../../lib/constants';
import { Metadata } from '../../lib/metadata';
import { Server } from '../../lib/server';
import type { ServerOptions } from '../../lib/server';
import { ServerCredentials } from '../../lib/server-credentials';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { getTestCerts } = require('../helpers/certs');

export const REPOSITORY_ROOT = path.join(__dirname, '..', '..');

export const identity = (value: Buffer): Buffer => value;

/** Writes one line to stdout, where a parent process reads a child's results. */
export const print = (line: string) => process.stdout.write(`${line}\n`);

/** Methods of the echo service. Messages are raw bytes; the first byte of a request can ask for a behaviour. */
export const ECHO_SERVICE = {
  echo: {
    path: '/robustness.Echo/Echo',
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
  stream: {
    path: '/robustness.Echo/Stream',
    requestStream: true,
    responseStream: true,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};

type UnaryCallback = (error: { code: number; details: string } | null, value?: Buffer, trailer?: Metadata) => void;

/**
 * The echo implementation: responds to each request with the request itself, and sends the request's metadata
 * back as its initial metadata. The stream method echoes every message until the client half-closes.
 */
export const ECHO_IMPLEMENTATION = {
  echo(call: { request: Buffer; metadata: Metadata; sendMetadata(metadata: Metadata): void }, callback: UnaryCallback) {
    call.sendMetadata(call.metadata);
    callback(null, call.request);
  },
  stream(call: NodeJS.EventEmitter & { write(message: Buffer): boolean; end(): void }) {
    call.on('data', (message: Buffer) => call.write(message));
    call.on('end', () => call.end());
    call.on('error', () => {});
  },
};

export function testCerts(): any {
  return getTestCerts();
}

export function serverTlsCredentials(): ServerCredentials {
  const certs = testCerts();
  return ServerCredentials.createSsl(null, [{ private_key: certs.server.key, cert_chain: certs.server.cert }]);
}

export function clientTlsCredentials(): ChannelCredentials {
  return ChannelCredentials.createSsl(testCerts().ca.cert);
}

/** Starts a server with the echo service on 127.0.0.1 and an ephemeral port; resolves to the server and port. */
export function startEchoServer(
  credentials: ServerCredentials = ServerCredentials.createInsecure(),
  options: ServerOptions = {},
  implementation: object = ECHO_IMPLEMENTATION,
): Promise<{ server: Server; port: number }> {
  const server = new Server(options);
  server.addService(ECHO_SERVICE, implementation as any);
  return new Promise((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', credentials, (error, port) => {
      if (error) {
        reject(error);
      } else {
        resolve({ server, port });
      }
    });
  });
}

/** Starts a TLS echo server whose handler responds with the x-token values it received, joined by commas. */
export function startTokenServer(): Promise<{ server: Server; port: number }> {
  return startEchoServer(serverTlsCredentials(), {}, {
    ...ECHO_IMPLEMENTATION,
    echo(call: any, callback: any) {
      callback(null, Buffer.from(`token=${call.metadata.get('x-token').join(',')}`));
    },
  });
}

export function tokenMetadata(token: string): Metadata {
  const metadata = new Metadata();
  metadata.set('x-token', token);
  return metadata;
}

export interface CallOutcome {
  code: number;
  details: string;
  value?: Buffer;
}

/** Makes one echo call and resolves with its status; never rejects. */
export function echoCall(client: Client, request: Buffer, metadata = new Metadata(), options: object = {}):
Promise<CallOutcome> {
  return new Promise((resolve) => {
    client.makeUnaryRequest(ECHO_SERVICE.echo.path, identity, identity, request, metadata,
      { deadline: Date.now() + 10000, ...options }, (error: any, value?: Buffer) => {
        if (error) {
          resolve({ code: error.code, details: error.details });
        } else {
          resolve({ code: Status.OK, details: '', value });
        }
      });
  });
}

export function shutdownServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.tryShutdown(() => resolve()));
}

export interface ChildResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Milliseconds from spawn to exit. */
  elapsedMs: number;
  timedOut: boolean;
}

/**
 * Runs a TypeScript or JavaScript file in a child Node process, with `args`, and collects its output. A child
 * still running after `timeoutMs` is killed with SIGKILL and reported with `timedOut`.
 */
export function runChild(file: string, args: string[], timeoutMs: number, nodeOptions: string[] = []):
Promise<ChildResult> {
  const loader = file.endsWith('.ts') ? ['-r', 'ts-node/register/transpile-only'] : [];
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = childProcess.spawn(process.execPath, [...nodeOptions, ...loader, file, ...args], {
      cwd: REPOSITORY_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr, elapsedMs: Date.now() - started, timedOut });
    });
  });
}

/** Asserts that a child exited by itself with status 0, and shows its output otherwise. */
export function assertCleanExit(result: ChildResult, what: string): void {
  const output = `\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
  assert.strictEqual(result.timedOut, false, `${what} did not exit by itself${output}`);
  assert.strictEqual(result.signal, null, `${what} was killed by ${result.signal}${output}`);
  assert.strictEqual(result.status, 0, `${what} exited with status ${result.status}${output}`);
}

/** Returns the lines a child printed, without empty ones. */
export function linesOf(result: ChildResult): string[] {
  return result.stdout.split('\n').filter((line) => line !== '');
}

/** A child's scenarios by name. Each prints what happened, one line at a time. */
export type Scenarios = Record<string, () => Promise<void> | void>;

/**
 * Runs the scenario named by the process's first argument, or by `workerData.scenario` in a worker. An unknown name
 * sets exit status 2 and a failed scenario sets 1, and both print a line with the reason.
 */
export function runNamedScenario(scenarios: Scenarios): void {
  const name = isMainThread ? process.argv[2] : workerData.scenario;
  const scenario = scenarios[name];
  if (scenario === undefined) {
    print(`unknown scenario ${name}`);
    process.exitCode = 2;
  } else {
    Promise.resolve(scenario()).catch((error) => {
      print(`scenario failed: ${error?.stack ?? error}`);
      process.exitCode = 1;
    });
  }
}

/** A scenario of a child process: its name, the test title, and the lines the child must print. */
export type ChildScenario = [name: string, title: string, lines: string[]];

/**
 * Defines a mocha suite with one test per scenario. Each test runs `child` with the scenario's name, asserts that it
 * exited by itself with status 0 within `hangLimitMs`, and compares the lines it printed with the expected ones.
 */
export function describeChildScenarios(title: string, child: string, hangLimitMs: number,
  scenarios: ChildScenario[]): void {
  describe(title, function () {
    this.timeout(hangLimitMs + 5000);

    for (const [name, testTitle, expected] of scenarios) {
      it(testTitle, async () => {
        const result = await runChild(child, [name], hangLimitMs);
        assertCleanExit(result, `the ${name} child`);
        assert.deepStrictEqual(linesOf(result), expected);
      });
    }
  });
}
