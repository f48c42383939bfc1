import * as assert from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const CHILD = path.join(__dirname, 'fixtures', 'pump-child.js');

// Runs a scenario in a child process; a child that does not exit by itself within 15 s is killed and fails.
function runScenario(name: string) {
  const result = spawnSync(process.execPath, [CHILD, name], { encoding: 'utf8', timeout: 15000 });
  assert.strictEqual(result.signal, null, `scenario ${name} did not exit by itself; stderr: ${result.stderr}`);
  assert.strictEqual(result.status, 0, `scenario ${name} exited with ${result.status}; stderr: ${result.stderr}`);
  return result.stdout.trim().split('\n');
}

describe('completion pump', () => {
  it('lets the process exit with an idle channel open', () => {
    assert.deepStrictEqual(runScenario('idle-channel'), ['created']);
  });

  it('keeps the process alive while a call is in flight', () => {
    assert.deepStrictEqual(runScenario('call-in-flight'), ['reply pong:hello status 0', 'server shut down']);
  });

  it('keeps the process alive while a server serves', () => {
    assert.deepStrictEqual(runScenario('server-serves'), ['reply pong:late', 'server shut down']);
  });

  it('delivers the rest of a batch when a callback throws', () => {
    const lines = runScenario('callback-throws');
    assert.ok(lines.includes('uncaught thrown by a callback'), lines.join('\n'));
    assert.ok(lines.includes('reply pong:b'), lines.join('\n'));
    assert.strictEqual(lines[lines.length - 1], 'server shut down');
  });

  it('works in worker threads, each with its own pump', () => {
    const lines = runScenario('workers');
    assert.ok(lines.includes('reply pong:w1'), lines.join('\n'));
    assert.ok(lines.includes('reply pong:w2'), lines.join('\n'));
    assert.deepStrictEqual(lines.slice(-2), ['reply pong:main', 'server shut down']);
  });
});
