'use strict';
// A TypeScript consumer project (test/fixtures/consumer-ts) type-checks in strict mode against the declarations
// of the installed tarball, under each module resolution a project may use. node10 reads the "types" field, and
// nodenext and bundler read the "exports" conditions (require and import). The nodenext run also checks the
// package's declaration files themselves (skipLibCheck off).
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const { PROJECT_DIR, cleanEnvironment, installTarball } = require('./helpers/packed-package');

const FIXTURE_DIR = path.join(__dirname, 'fixtures', 'consumer-ts');
const TSC = path.join(PROJECT_DIR, 'node_modules', 'typescript', 'bin', 'tsc');

describe('TypeScript consumer of the package', function () {
  this.timeout(300000);

  let sourceDir;

  before(function () {
    const { projectDir } = installTarball();
    sourceDir = path.join(projectDir, 'consumer-ts');
    fs.cpSync(FIXTURE_DIR, sourceDir, { recursive: true });

    // The declarations use Node's types, which a consumer project has. This links the repository's @types/node.
    const typesDir = path.join(projectDir, 'node_modules', '@types');
    fs.mkdirSync(typesDir, { recursive: true });
    if (!fs.existsSync(path.join(typesDir, 'node'))) {
      fs.symlinkSync(path.join(PROJECT_DIR, 'node_modules', '@types', 'node'), path.join(typesDir, 'node'), 'dir');
    }
  });

  for (const resolution of ['commonjs', 'nodenext', 'bundler']) {
    it(`compiles with ${resolution} resolution`, function () {
      const result = spawnSync(process.execPath, [TSC, '-p', `tsconfig.${resolution}.json`], {
        cwd: sourceDir,
        encoding: 'utf8',
        env: cleanEnvironment(),
      });

      assert.strictEqual(result.status, 0, `tsc reported errors:\n${result.stdout}${result.stderr}`);
    });
  }
});
