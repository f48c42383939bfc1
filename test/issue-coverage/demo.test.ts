/**
 * The README's demo, `npm run demo`, makes a real round trip over mutual TLS with call credentials and exits by
 * itself.
 */
import * as assert from 'assert';
import { execFile } from 'child_process';
import * as path from 'path';

const ROOT = path.join(__dirname, '..', '..');

describe('demo', function () {
  this.timeout(60000);

  it('prints a mutual TLS round trip', async () => {
    const output = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, [path.join(ROOT, 'examples', 'demo.js')], { cwd: ROOT, timeout: 50000 },
        (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stdout}${stderr}`)) : resolve(stdout)));
    });
    const lines = output.trim().split('\n');

    assert.match(lines[0], /^server: listening on 127\.0\.0\.1:\d+ with mutual TLS$/);
    assert.strictEqual(lines[1], 'server: /demo.Greeter/SayHello from client over ssl, request id demo-1');
    assert.strictEqual(lines[2], 'client: SayHello answered "Hello, grpc-native"');
    assert.strictEqual(lines[3], 'client: CountTo streamed 1, 2, 3');
    assert.strictEqual(lines[4], 'demo: done');
  });
});
