/**
 * The fuzzer, in a child process: a fixed-seed slice of generated cases, and the regression corpus of cases that
 * once crashed or misbehaved. `npm run fuzz` runs the long variant with fresh seeds (scripts/fuzz.sh).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { runChild } from '../robustness/support';

const RUNNER = path.join(__dirname, 'run-cases.ts');
const CORPUS = path.join(__dirname, 'corpus');

/** Cases in the npm test slice: 20 to 45 s on a 2-core machine. `npm run fuzz` runs 200,000 or more. */
const SLICE_CASES = 10000;
const SLICE_SEED = 20251204;

/** Generous: a run that is still going after this long is hung, not slow. */
const CHILD_LIMIT_MS = 10 * 60 * 1000;

interface Summary {
  cases: number;
  failures: Array<{ index: number; input: unknown; message: string }>;
}

function describeFailures(summary: Summary): string {
  return summary.failures.map((failure) =>
    `case ${failure.index}: ${failure.message}\ninput: ${JSON.stringify(failure.input).slice(0, 2000)}`).join('\n\n');
}

async function runCases(args: string[], progressFile: string): Promise<Summary> {
  const result = await runChild(RUNNER, ['--progress', progressFile, ...args], CHILD_LIMIT_MS);
  const lastLine = result.stdout.trim().split('\n').pop() ?? '';
  const progress = fs.existsSync(progressFile) ? fs.readFileSync(progressFile, 'utf8').trim() : 'none';
  const stderrTail = result.stderr.split('\n').slice(-15).join('\n');
  const where = `the case in progress was ${progress}; replay it with test/fuzz/run-cases.ts and the same ` +
    `arguments (${args.join(' ')})\nstderr tail:\n${stderrTail}`;
  assert.strictEqual(result.timedOut, false, `the fuzz child hung; ${where}`);
  assert.strictEqual(result.signal, null, `the fuzz child was killed by ${result.signal}; ${where}`);
  assert.strictEqual(result.status, 0, `the fuzz child exited with ${result.status}; ${where}\n${lastLine}`);
  return JSON.parse(lastLine) as Summary;
}

describe('fuzzing', function () {
  this.timeout(CHILD_LIMIT_MS + 10000);
  let directory: string;

  before(() => {
    directory = fs.mkdtempSync(path.join(os.tmpdir(), 'grpc-native-fuzz-test-'));
  });

  after(() => {
    fs.rmSync(directory, { recursive: true, force: true });
  });

  it('replays the regression corpus', async () => {
    const files = fs.readdirSync(CORPUS).filter((name) => name.endsWith('.json')).map((name) => path.join(CORPUS, name));
    const expected = files.reduce((count, file) => {
      const content = JSON.parse(fs.readFileSync(file, 'utf8'));
      return count + (Array.isArray(content) ? content.length : 1);
    }, 0);
    assert.ok(expected > 0, 'the corpus is empty');

    const summary = await runCases(['--replay', ...files], path.join(directory, 'corpus-progress'));
    assert.deepStrictEqual(summary.failures, [], describeFailures(summary));
    assert.strictEqual(summary.cases, expected);
  });

  it(`survives ${SLICE_CASES} generated cases`, async () => {
    const summary = await runCases(['--seed', String(SLICE_SEED), '--count', String(SLICE_CASES)],
      path.join(directory, 'slice-progress'));
    assert.deepStrictEqual(summary.failures, [], describeFailures(summary));
    assert.strictEqual(summary.cases, SLICE_CASES);
  });
});
