/**
 * Metadata plugins that C-core runs inline, inside NativeCall.startBatch on the JavaScript thread, in child
 * processes: plugins that start calls, close the channel, cancel their own call, call back late, deliver another
 * call's result, return more entries than C-core takes synchronously, misbehave through the native binding,
 * or end the process or their worker. Every call must end with the expected status, and the process must not crash
 * and must exit by itself.
 */
import * as path from 'path';

import { describeChildScenarios } from './support';
import type { ChildScenario } from './support';

const CHILD = path.join(__dirname, 'fixtures', 'plugin-inline-child.ts');

/** A child that has not exited after this long is hung; they take 1 to 3 s on a loaded 2-core machine. */
const HANG_LIMIT_MS = 45000;

const MALFORMED = 'Getting metadata from plugin failed with error: the metadata plugin returned neither metadata, an'
  + ' error message nor a function';
const INVALID_RETURN = 'uncaught TypeError: metadata plugin: the return value must be a [key, value, ...] array, a'
  + ' string or a function';

const SCENARIOS: ChildScenario[] = [
  ['runs-inline', 'plugin on a connected channel', ['status OK token=inline', 'ran inside startBatch: true']],
  ['starts-a-call', 'plugin that starts a call', ['status OK token=outer', 'status OK token=nested']],
  ['closes-the-channel', 'plugin that closes the channel', ['status OK token=closed']],
  ['cancels-its-call', 'plugin that cancels its call', ['status CANCELLED', 'status OK token=after']],
  ['answers-later', 'plugin answering after it returned', ['status OK token=timer', 'status OK token=microtask']],
  ['answers-another-request', 'plugin answering another request',
    ['status OK token=first', 'status OK token=second']],
  ['many-entries', 'plugin answering with 6 entries', ['status OK token=t1,t2,t3,t4,t5,t6']],
  ['raw-plugin-misbehaves', 'native plugins that misbehave', [
    'status UNAVAILABLE Getting metadata from plugin failed with error: the metadata plugin threw: raw plugin failure',
    `status UNAVAILABLE ${MALFORMED}`,
    `status UNAVAILABLE ${MALFORMED}`,
    'status UNAVAILABLE Getting metadata from plugin failed with error: raw plugin refused',
    'status OK token=raw',
    'status OK token=late',
    'uncaught Error: raw plugin failure',
    INVALID_RETURN,
    INVALID_RETURN,
  ]],
  ['exits-the-process', 'plugin that exits the process', ['exiting']],
  ['exits-a-worker', 'plugin that exits its worker', ['worker exiting', 'worker exited with 3', 'status OK token=main']],
];

describeChildScenarios('inline metadata plugins', CHILD, HANG_LIMIT_MS, SCENARIOS);
