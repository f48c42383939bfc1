/**
 * Workers terminated while they serve and make calls. Node-API calls fail while a worker is terminated, and
 * node-addon-api turned those failures into C++ exceptions that escaped into Node, or into fatal errors: the whole
 * process aborted with "terminate called after throwing an instance of 'Napi::Error'" or "FATAL ERROR:
 * Error::Error napi_define_properties".
 */
import * as path from 'path';

import { assertCleanExit, linesOf, runChild } from '../robustness/support';
import * as assert from 'assert';

const CHILD = path.join(__dirname, 'fixtures', 'terminated-workers-child.ts');

/** A child that has not exited after this long is hung; it takes about 12 s on an idle 2-core machine. */
const HANG_LIMIT_MS = 120000;

describe('terminated workers', function () {
  this.timeout(HANG_LIMIT_MS + 5000);

  it('leave the process running', async () => {
    const result = await runChild(CHILD, [], HANG_LIMIT_MS);
    assertCleanExit(result, 'the child');
    assert.deepStrictEqual(linesOf(result), ['done']);
  });
});
