/**
 * Hostile peers on loopback, in child processes: raw garbage, TLS handshakes left halfway, HTTP/1.1 requests and
 * an h2load flood. A well-behaved client calls an insecure and a TLS server throughout, and every one of its calls
 * must succeed; afterwards both servers must serve a new client and shut down cleanly.
 */
import * as assert from 'assert';
import * as path from 'path';

import { assertCleanExit, runChild } from './support';

const CHILD = path.join(__dirname, 'fixtures', 'hostile-child.ts');

/** A child that has not exited after this long is hung; they take 4 to 10 s on a loaded 2-core machine. */
const HANG_LIMIT_MS = 90000;

interface Report {
  calls: Record<string, number>;
  attack: Record<string, number>;
  after: string[];
}

async function runAttack(name: string): Promise<Report> {
  const result = await runChild(CHILD, [name], HANG_LIMIT_MS);
  assertCleanExit(result, `the ${name} child`);
  const report = JSON.parse(result.stdout.trim().split('\n').pop()!) as Report;
  assert.deepStrictEqual(Object.keys(report.calls), ['OK'], `well-behaved calls failed: ${JSON.stringify(report.calls)}`);
  assert.ok(report.calls.OK >= 2, `only ${report.calls.OK} well-behaved calls ran`);
  assert.deepStrictEqual(report.after, ['OK', 'OK']);
  return report;
}

describe('hostile peers', function () {
  this.timeout(HANG_LIMIT_MS + 5000);

  it('raw garbage on both ports', async () => {
    const report = await runAttack('garbage');
    assert.ok(report.attack.connections >= 60, JSON.stringify(report.attack));
  });

  it('half-open TLS handshakes', async () => {
    const report = await runAttack('half-open-tls');
    assert.strictEqual(report.attack.connections, 60);
  });

  it('HTTP/1.1 requests', async () => {
    const report = await runAttack('http1');
    assert.ok(report.attack.requests >= 8, JSON.stringify(report.attack));
    assert.strictEqual(report.attack.served, 0);
  });

  it('an h2load flood', async () => {
    const report = await runAttack('h2load');
    assert.strictEqual(report.attack.total, 20000);
    // Every stream of the flood got a response: the server neither dropped nor stalled any.
    assert.strictEqual(report.attack.done, 20000);
  });
});
