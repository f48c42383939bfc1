/**
 * Runs every example of docs/security.md, so that the guide's examples stay runnable. The examples and their
 * setup.js are written to a temporary folder with the test certificates and greeter.proto, and run one after
 * another in one child process, where `require('grpc-native')` loads this checkout's TypeScript sources.
 */
import * as assert from 'assert';
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { writeTestCerts } = require('./helpers/certs');
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { startAltsHandshakerService } = require('./helpers/alts-handshaker');

const ROOT = path.join(__dirname, '..');
const GUIDE = path.join(ROOT, 'docs', 'security.md');

interface Snippet {
  /** `setup.js` for the shared helper, the example's name otherwise. */
  name: string;
  code: string;
}

/** Reads the guide's JavaScript blocks that start with `// file: NAME` or `// example: NAME`. */
function readSnippets(): Snippet[] {
  const snippets: Snippet[] = [];
  const block = /```js\n\/\/ (file|example): (\S+)\n([\s\S]*?)```/g;
  for (const match of fs.readFileSync(GUIDE, 'utf8').matchAll(block)) {
    snippets.push({ name: match[2], code: match[3] });
  }
  return snippets;
}

/**
 * Returns the child's script, which maps `grpc-native` to lib/index.ts, then runs each example and waits for the promise of its
 * last `main();` line. Prints `PASS name` or `FAIL name: error` for each.
 */
function runnerScript(names: string[]): string {
  return `
const Module = require('module');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return resolve.call(this, request === 'grpc-native' ? ${JSON.stringify(path.join(ROOT, 'lib', 'index.ts'))} : request, ...rest);
};
(async () => {
  for (const name of ${JSON.stringify(names)}) {
    try {
      await require('./' + name + '.js');
      console.log('PASS ' + name);
    } catch (error) {
      console.log('FAIL ' + name + ': ' + String(error && error.stack || error).replace(/\\n/g, ' | '));
    }
  }
})();
`;
}

describe('docs/security.md', function () {
  this.timeout(120000);
  const snippets = readSnippets();
  const examples = snippets.filter((snippet) => snippet.name !== 'setup.js');
  const results = new Map<string, string>();
  let output = '';

  before(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grpc-native-guide-'));
    const handshaker = await startAltsHandshakerService({ serverServiceAccount: 'server@alts.test' });
    try {
      fs.mkdirSync(path.join(dir, 'certs'));
      writeTestCerts(path.join(dir, 'certs'));
      fs.copyFileSync(path.join(ROOT, 'examples', 'protos', 'greeter.proto'), path.join(dir, 'greeter.proto'));
      for (const snippet of snippets) {
        // An example's promise becomes its module's export, so that the runner can wait for it.
        const code = snippet.code.replace(/^main\(\);\s*$/m, 'module.exports = main();');
        fs.writeFileSync(path.join(dir, snippet.name.endsWith('.js') ? snippet.name : `${snippet.name}.js`), code);
      }
      fs.writeFileSync(path.join(dir, 'run.js'), runnerScript(examples.map((example) => example.name)));

      output = await new Promise<string>((resolve, reject) => {
        execFile(process.execPath, ['-r', require.resolve('ts-node/register/transpile-only'), 'run.js'], {
          cwd: dir,
          env: {
            ...process.env,
            ALTS_HANDSHAKER_ADDRESS: handshaker.address,
            NODE_PATH: path.join(ROOT, 'node_modules'),
            TS_NODE_PROJECT: path.join(ROOT, 'tsconfig.json'),
          },
        }, (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)));
      });
      for (const line of output.split('\n')) {
        const match = /^(PASS|FAIL) (\S+)(?:: (.*))?$/.exec(line);
        if (match) {
          results.set(match[2], match[1] === 'PASS' ? 'pass' : match[3]);
        }
      }
    } finally {
      await handshaker.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('has the shared setup and examples', () => {
    assert.ok(snippets.some((snippet) => snippet.name === 'setup.js'));
    assert.ok(examples.length >= 15, `found only ${examples.length} examples`);
  });

  for (const example of readSnippets().filter((snippet) => snippet.name !== 'setup.js')) {
    it(`runs the ${example.name} example`, () => {
      assert.strictEqual(results.get(example.name), 'pass', output === '' ? 'the examples did not run' : undefined);
    });
  }
});
