/**
 * Leak checks, in child processes: 10,000 channels with TLS and plugin credentials, 10,000 calls with per-call
 * credentials, and 1,000 servers started and shut down. The resident set must stay flat within a margin.
 *
 * The resident set is a coarse measure: malloc keeps freed memory, and C-core and OpenSSL warm caches at first.
 * So the growth is measured from a quarter of the way in to the end, after a warm-up, and each margin is a few
 * hundred bytes to a few KB per iteration. Smaller leaks of unreachable memory are LeakSanitizer's job:
 * `npm run test:asan` runs these workloads with it (scripts/asan-test.sh).
 */
import * as assert from 'assert';
import * as path from 'path';

import { assertCleanExit, runChild } from './support';

const CHILD = path.join(__dirname, 'fixtures', 'leak-child.ts');

/** A child that has not exited after this long is hung; they take 10 to 40 s on a loaded 2-core machine. */
const HANG_LIMIT_MS = 180000;

interface Measurement {
  workload: string;
  iterations: number;
  /** After the warm-up, then after each quarter of the iterations. */
  rssMb: number[];
}

async function measure(workload: string, iterations: number, warmUp: number): Promise<Measurement> {
  const result = await runChild(CHILD, [workload, String(iterations), String(warmUp), '4'], HANG_LIMIT_MS,
    ['--expose-gc']);
  assertCleanExit(result, `the ${workload} child`);
  const measurement = JSON.parse(result.stdout.trim().split('\n').pop()!);
  assert.strictEqual(measurement.error, undefined, measurement.error);
  return measurement as Measurement;
}

function assertFlat(measurement: Measurement, marginMb: number): void {
  const { rssMb } = measurement;
  const growth = rssMb[rssMb.length - 1] - rssMb[1];
  assert.ok(growth < marginMb, `${measurement.workload}: the resident set grew by ${growth.toFixed(1)} MB over the `
    + `last three quarters of ${measurement.iterations} iterations (margin ${marginMb} MB); in MB after the warm-up `
    + `and after each quarter: ${rssMb.map((mb) => mb.toFixed(1)).join(', ')}`);
}

describe('leak checks', function () {
  this.timeout(HANG_LIMIT_MS + 5000);

  it('10,000 channels with TLS and plugin credentials', async () => {
    // 12 MB over 7,500 channels: 1.6 KB each.
    assertFlat(await measure('channels', 10000, 2000), 12);
  });

  it('10,000 calls with per-call credentials', async () => {
    // 6 MB over 7,500 calls: 0.8 KB each. Leaked plugin credentials cost about 1 KB each.
    assertFlat(await measure('calls', 10000, 1000), 6);
  });

  it('1,000 servers started and shut down', async () => {
    // 8 MB over 750 servers: 10 KB each.
    assertFlat(await measure('servers', 1000, 100), 8);
  });
});
