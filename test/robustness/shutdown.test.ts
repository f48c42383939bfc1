/**
 * Shutdown under load, in child processes: forced and graceful server shutdown with 1,000 calls in flight, a
 * channel closed with calls pending, worker threads ended mid-call, and process.exit with calls in flight. Each
 * child must end every call with a status and then exit by itself.
 */
import * as assert from 'assert';
import * as path from 'path';

import { assertCleanExit, linesOf, runChild } from './support';

const CHILD = path.join(__dirname, 'fixtures', 'shutdown-child.ts');

/** A child that has not exited after this long is hung; they take 2 to 5 s on a loaded 2-core machine. */
const HANG_LIMIT_MS = 45000;

function runScenario(name: string) {
  return runChild(CHILD, [name], HANG_LIMIT_MS);
}

describe('shutdown under load', function () {
  this.timeout(HANG_LIMIT_MS + 5000);

  it('forceShutdown ends 1,000 calls in flight', async () => {
    const result = await runScenario('force-shutdown');
    assertCleanExit(result, 'the child');
    assert.deepStrictEqual(linesOf(result), ['1000 calls in flight', 'statuses UNAVAILABLE=1000']);
  });

  it('tryShutdown waits for 1,000 calls in flight', async () => {
    const result = await runScenario('try-shutdown');
    assertCleanExit(result, 'the child');
    assert.deepStrictEqual(linesOf(result), [
      '1000 calls in flight',
      'late call refused',
      'shut down before release: false',
      'tryShutdown called back',
      'statuses OK=1000',
    ]);
  });

  it('closing a channel lets pending calls finish', async () => {
    const result = await runScenario('close-channel-with-pending-calls');
    assertCleanExit(result, 'the child');
    assert.deepStrictEqual(linesOf(result), [
      'a call after close threw: Channel has been shut down',
      'statuses OK=100',
    ]);
  });

  it('terminating a worker cancels its calls', async () => {
    const result = await runScenario('worker-terminated-mid-call');
    assertCleanExit(result, 'the child');
    assert.deepStrictEqual(linesOf(result), [
      '50 calls from the worker in flight',
      'worker terminated',
      'server saw 50 cancelled calls',
      'call after the worker status OK',
    ]);
  });

  it('a worker-only addon survives the worker exit', async () => {
    const result = await runScenario('worker-only-loads-the-addon');
    assertCleanExit(result, 'the child');
    assert.deepStrictEqual(linesOf(result), [
      'worker call status OK',
      'worker exited with 0',
      'main thread still running',
    ]);
  });

  it('process.exit with 1,000 calls in flight', async () => {
    const result = await runScenario('exit-with-calls-in-flight');
    assertCleanExit(result, 'the child');
    assert.deepStrictEqual(linesOf(result), ['1000 calls in flight']);
  });

  it('process.exit from a call callback', async () => {
    const result = await runScenario('exit-from-a-call-callback');
    assertCleanExit(result, 'the child');
    assert.deepStrictEqual(linesOf(result), ['exiting from a callback']);
  });

  it('an uncaught exception with calls in flight', async () => {
    const result = await runScenario('uncaught-exception-with-calls-in-flight');
    assert.strictEqual(result.timedOut, false, `the child did not exit by itself\n${result.stderr}`);
    assert.strictEqual(result.signal, null, `the child was killed by ${result.signal}\n${result.stderr}`);
    assert.strictEqual(result.status, 1, result.stderr);
    assert.deepStrictEqual(linesOf(result), ['throwing']);
    assert.match(result.stderr, /uncaught on purpose/);
  });
});
