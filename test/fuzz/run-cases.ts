/**
 * Runs fuzz cases in this process and prints a JSON summary as the last line of stdout. Meant to run as a child:
 * a crash or a hang then ends only this process, and the parent finds the case that caused it in the progress
 * file, which always contains the index of the case being run.
 *
 * Usage:
 *   node -r ts-node/register/transpile-only test/fuzz/run-cases.ts --seed 1 --count 100000 [--families a,b]
 *       [--time-limit-seconds 600] [--progress FILE]
 *   node -r ts-node/register/transpile-only test/fuzz/run-cases.ts --replay FILE...
 *
 * A replay file holds one case or an array of cases, each `{ "input": {...}, "note": "..." }`.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { ChannelCredentials } from '../../lib/channel-credentials';
import { Client } from '../../lib/client';
import { binding } from '../../lib/native';
import { Server } from '../../lib/server';
import { serverTlsCredentials, startEchoServer, testCerts } from '../robustness/support';
import { CaseInput, FAMILIES, familyNamed, FuzzContext, FuzzFailure, Outcome, pickFamily } from './families';
import { Random } from './random';

interface Failure {
  index: number;
  input: CaseInput;
  message: string;
}

interface Summary {
  seed: number | null;
  cases: number;
  accepted: number;
  rejected: number;
  byFamily: Record<string, { accepted: number; rejected: number; ms: number }>;
  /** Exceptions thrown on purpose by fuzzed callbacks and reported as uncaught, as Node reports them. */
  expectedUncaught: number;
  failures: Failure[];
  /** The slowest cases, for finding what makes a run long. */
  slowest: Array<{ index: number; family: string; ms: number }>;
  elapsedMs: number;
  rssBeforeMb: number;
  rssAfterMb: number;
}

const MAX_FAILURES = 20;

function parseArguments(argv: string[]) {
  const options = {
    seed: 1, count: 1000, families: FAMILIES.map((family) => family.name), timeLimitSeconds: Infinity,
    progress: null as string | null, replay: [] as string[],
  };
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i];
    const value = argv[i + 1];
    switch (name) {
      case '--seed': options.seed = Number(value); i++; break;
      case '--count': options.count = Number(value); i++; break;
      case '--families': options.families = value.split(','); i++; break;
      case '--time-limit-seconds': options.timeLimitSeconds = Number(value); i++; break;
      case '--progress': options.progress = value; i++; break;
      case '--replay': options.replay = argv.slice(i + 1); i = argv.length; break;
      default: throw new Error(`run-cases: unknown argument ${name}`);
    }
  }
  return options;
}

/** Starts the loopback servers the cases call, and returns the context and a function that stops them. */
async function createContext(): Promise<{ context: FuzzContext; close(): Promise<void> }> {
  const certs = testCerts();
  const pems: Record<string, Buffer> = { empty: Buffer.alloc(0) };
  for (const owner of ['ca', 'server', 'client', 'expiredServer', 'otherCa', 'otherServer']) {
    for (const field of ['cert', 'key', 'keyEncrypted', 'keyEncryptedTraditional']) {
      if (certs[owner][field] !== undefined) {
        pems[`${owner}.${field}`] = certs[owner][field];
      }
    }
  }

  const insecure = await startEchoServer();
  const tls = await startEchoServer(serverTlsCredentials());
  const insecureClient = new Client(`ipv4:127.0.0.1:${insecure.port}`, ChannelCredentials.createInsecure());

  // A native server whose calls the server-batch family takes one at a time.
  const nativeServer = new binding.Server({}) as any;
  const nativeServerPort = nativeServer.addPort('127.0.0.1:0', binding.insecureServerCredentials());
  nativeServer.start();
  const waiting: Array<(info: any) => void> = [];
  const arrived: any[] = [];
  const accept = () => nativeServer.requestCall((info: any) => {
    if (info === null) {
      return;
    }
    accept();
    const next = waiting.shift();
    if (next) {
      next(info);
    } else {
      arrived.push(info);
    }
  });
  accept();

  const context: FuzzContext = {
    pem(base: string) {
      const data = pems[base];
      if (data === undefined) {
        throw new Error(`unknown PEM base ${base}`);
      }
      return data;
    },
    insecurePort: insecure.port,
    tlsPort: tls.port,
    insecureClient,
    caCert: certs.ca.cert,
    nativeServerPort,
    takeServerCall() {
      const info = arrived.shift();
      return info !== undefined ? Promise.resolve(info) : new Promise((resolve) => waiting.push(resolve));
    },
    temporaryDirectory: fs.mkdtempSync(path.join(os.tmpdir(), 'grpc-native-fuzz-')),
  };

  const close = async () => {
    insecureClient.close();
    for (const info of arrived) {
      info.call.cancel();
    }
    await Promise.all([insecure.server, tls.server].map((server: Server) =>
      new Promise<void>((resolve) => server.tryShutdown(() => resolve()))));
    for (const server of [insecure.server, tls.server]) {
      server.forceShutdown();
    }
    await new Promise<void>((resolve) => nativeServer.shutdown(() => resolve()));
    fs.rmSync(context.temporaryDirectory, { recursive: true, force: true });
  };
  return { context, close };
}

const SLOWEST_KEPT = 5;

function noteDuration(summary: Summary, index: number, family: string, ms: number): void {
  const slowest = summary.slowest;
  if (slowest.length < SLOWEST_KEPT || ms > slowest[slowest.length - 1].ms) {
    slowest.push({ index, family, ms });
    slowest.sort((a, b) => b.ms - a.ms);
    slowest.length = Math.min(slowest.length, SLOWEST_KEPT);
  }
}

async function main(): Promise<void> {
  const options = parseArguments(process.argv.slice(2));
  const { context, close } = await createContext();
  const families = options.families.map(familyNamed);
  const progressFd = options.progress === null ? null : fs.openSync(options.progress, 'w');

  const summary: Summary = {
    seed: options.replay.length > 0 ? null : options.seed, cases: 0, accepted: 0, rejected: 0, byFamily: {},
    expectedUncaught: 0, failures: [], slowest: [], elapsedMs: 0, rssBeforeMb: process.memoryUsage().rss / 2 ** 20, rssAfterMb: 0,
  };
  let current: { index: number; input: CaseInput } | null = null;

  const recordFailure = (message: string) => {
    if (summary.failures.length < MAX_FAILURES) {
      summary.failures.push({ index: current?.index ?? -1, input: current?.input as CaseInput, message });
    }
  };
  // Callbacks that fuzz inputs made to throw are reported as uncaught exceptions, as Node reports its own.
  process.on('uncaughtException', (error) => {
    if (error instanceof Error && error.message === 'thrown by a fuzz input') {
      summary.expectedUncaught++;
    } else {
      recordFailure(`uncaught exception: ${error instanceof Error ? error.stack : String(error)}`);
    }
  });

  const inputs: Array<() => { index: number; input: CaseInput }> = [];
  if (options.replay.length > 0) {
    for (const file of options.replay) {
      const content = JSON.parse(fs.readFileSync(file, 'utf8'));
      for (const entry of Array.isArray(content) ? content : [content]) {
        const index = inputs.length;
        inputs.push(() => ({ index, input: entry.input }));
      }
    }
  } else {
    for (let index = 0; index < options.count; index++) {
      inputs.push(() => {
        const random = Random.forCase(options.seed, index);
        return { index, input: pickFamily(random, families).generate(random) };
      });
    }
  }

  const started = Date.now();
  for (const next of inputs) {
    if ((Date.now() - started) / 1000 > options.timeLimitSeconds) {
      break;
    }
    current = next();
    if (progressFd !== null) {
      fs.writeSync(progressFd, `${String(current.index).padEnd(12)}\n`, 0);
    }
    let outcome: Outcome;
    const caseStarted = Date.now();
    try {
      outcome = await familyNamed(current.input.family).execute(current.input, context);
    } catch (error) {
      const message = error instanceof FuzzFailure ? error.message : `the harness failed: ${(error as Error)?.stack}`;
      recordFailure(message);
      continue;
    } finally {
      summary.cases++;
      noteDuration(summary, current.index, current.input.family, Date.now() - caseStarted);
    }
    summary[outcome]++;
    const counts = summary.byFamily[current.input.family] ??= { accepted: 0, rejected: 0, ms: 0 };
    counts[outcome]++;
    counts.ms += Date.now() - caseStarted;
    if (summary.failures.length >= MAX_FAILURES) {
      break;
    }
  }
  current = null;

  await close();
  global.gc?.();
  summary.elapsedMs = Date.now() - started;
  summary.rssAfterMb = process.memoryUsage().rss / 2 ** 20;
  // The process must now exit by itself: anything still holding it open is a bug the parent reports as a hang.
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

main().catch((error) => {
  process.stdout.write(`${JSON.stringify({ harnessError: String(error?.stack ?? error) })}\n`);
  process.exitCode = 1;
});
