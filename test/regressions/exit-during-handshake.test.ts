/**
 * process.exit() while TLS handshakes are in flight. Node does not tear the environment down on process.exit, so
 * C-core's threads were still in handshakes when OpenSSL's exit handler freed its global state. Most such
 * processes ended with SIGSEGV (null OpenSSL locks) or SIGABRT (a C-core assertion) instead of the exit code.
 */
import * as assert from 'assert';
import * as path from 'path';

import { runChild } from '../robustness/support';

const CHILD = path.join(__dirname, 'fixtures', 'exit-during-handshake-child.ts');

/** Delays before process.exit, in milliseconds: each falls during the handshakes on a 2-core machine. */
const EXIT_DELAYS_MS = [0, 2, 4, 6, 10, 15];

describe('process.exit during TLS handshakes', function () {
  this.timeout(120000);

  it('exits with the requested code', async () => {
    for (const delay of EXIT_DELAYS_MS) {
      const result = await runChild(CHILD, [String(delay)], 60000);
      const output = `exit after ${delay} ms\nstderr:\n${result.stderr}`;
      assert.strictEqual(result.timedOut, false, `the child did not exit by itself; ${output}`);
      assert.strictEqual(result.signal, null, `the child was killed by ${result.signal}; ${output}`);
      assert.strictEqual(result.status, 7, `the child exited with status ${result.status}; ${output}`);
    }
  });
});
