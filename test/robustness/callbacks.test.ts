/**
 * Misbehaving user code, in child processes: metadata plugins that throw, answer twice, never, or answer after the
 * call or the channel or the process ended; certificate fetchers and auth metadata processors that throw, reject
 * or hang; handlers that throw, never answer or answer twice. Every call must end with a clear status, and the
 * process must not crash and must exit by itself.
 */
import * as path from 'path';

import { describeChildScenarios } from './support';
import type { ChildScenario } from './support';

const CHILD = path.join(__dirname, 'fixtures', 'callbacks-child.ts');

/** A child that has not exited after this long is hung; they take 2 to 6 s on a loaded 2-core machine. */
const HANG_LIMIT_MS = 45000;

const SCENARIOS: ChildScenario[] = [
  ['plugin-throws', 'plugin that throws', ['status UNAVAILABLE', 'status OK token=good']],
  ['plugin-answers-twice', 'plugin that answers twice', ['status OK token=first']],
  ['plugin-never-answers', 'plugin that never answers', ['status DEADLINE_EXCEEDED']],
  ['plugin-answers-after-cancel', 'plugin answering after cancel', ['status CANCELLED', 'status OK token=after']],
  ['plugin-answers-after-close', 'plugin answering after close', ['status OK token=after-close']],
  ['plugin-answers-after-deadline', 'plugin answering after deadline', ['status DEADLINE_EXCEEDED']],
  ['plugin-answers-during-exit', 'plugin answering during exit', ['exiting', 'answered in the exit handler']],
  ['plugin-pending-at-exit', 'plugins pending at exit', ['exiting']],
  ['plugin-in-terminated-worker', 'plugin in a terminated worker', ['worker terminated', 'status OK token=main']],
  ['fetcher-misbehaves', 'certificate fetchers that misbehave', [0, 1, 2, 3, 4].flatMap((i) => [
    `fetcher ${i} call 0 status OK`, `fetcher ${i} call 1 status OK`, `fetcher ${i} ran: true`])],
  ['processor-misbehaves', 'auth metadata processors that misbehave', [
    'processor 0 status UNAUTHENTICATED',
    'processor 1 status PERMISSION_DENIED',
    'processor 2 status DEADLINE_EXCEEDED',
    'processor 3 status INTERNAL',
  ]],
  ['handlers-misbehave', 'handlers that misbehave', [
    'throw status UNKNOWN',
    'twice status OK first',
    'reject status UNKNOWN',
    'never status DEADLINE_EXCEEDED',
    'bad-status status UNKNOWN',
    'bad-value status INTERNAL',
    'late status DEADLINE_EXCEEDED',
    'good status OK good',
  ]],
];

describeChildScenarios('misbehaving callbacks', CHILD, HANG_LIMIT_MS, SCENARIOS);
