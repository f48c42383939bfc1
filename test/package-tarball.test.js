'use strict';
// The npm tarball: what it contains, and that it installs into an empty project with --ignore-scripts (as npm
// 11 installs dependencies by default) and makes calls from the prebuilt binary.
const assert = require('node:assert');
const path = require('node:path');

const { packTarball, prepareConsumer, runNodeJson } = require('./helpers/packed-package');

const PREBUILD = `prebuilds/${process.platform}-${process.arch}/grpc-native.glibc.node`;

// Every file in the tarball must match one of these: the compiled JavaScript and its declarations, the prebuilt
// binaries, the native sources and build files for the source fallback, and the files npm always adds.
const ALLOWED_FILES = [
  /^dist\/[\w-]+\.(js|d\.ts)$/,
  /^dist\/index\.(mjs|d\.mts)$/,
  /^prebuilds\/[\w+-]+\/grpc-native(\.[\w]+)*\.node$/,
  /^native\/([\w-]+\/)*[\w-]+\.(cc|h)$/,
  /^cmake\/[\w-]+\.cmake$/,
  /^CMakeLists\.txt$/,
  /^scripts\/install\.js$/,
  /^package\.json$/,
  /^(README|LICENSE|NOTICE)(\.md)?$/,
];

const REQUIRED_FILES = [
  'package.json',
  'dist/index.js',
  'dist/index.d.ts',
  'dist/index.mjs',
  'dist/index.d.mts',
  'dist/native.js',
  'dist/load-binding.js',
  PREBUILD,
  'native/addon.cc',
  'CMakeLists.txt',
  'cmake/GrpcCore.cmake',
  'scripts/install.js',
];

describe('npm package', function () {
  // Packing compiles the TypeScript and may refresh the prebuild; installing reads npm's cache.
  this.timeout(300000);

  describe('tarball', function () {
    let files;

    before(function () {
      files = packTarball().files;
    });

    it('contains only allowed files', function () {
      const unexpected = files.filter((file) => !ALLOWED_FILES.some((pattern) => pattern.test(file)));

      assert.deepStrictEqual(unexpected, [], 'files outside dist/, prebuilds/ and the native sources');
    });

    it('contains entry points, prebuild and build files', function () {
      const missing = REQUIRED_FILES.filter((file) => !files.includes(file));

      assert.deepStrictEqual(missing, []);
    });

    it('has declarations beside every module', function () {
      const modules = files.filter((file) => /^dist\/[\w-]+\.js$/.test(file));
      const undeclared = modules.filter((file) => !files.includes(file.replace(/\.js$/, '.d.ts')));

      assert.deepStrictEqual(undeclared, []);
    });
  });

  describe('installed with --ignore-scripts', function () {
    let consumer;
    let calls;

    before(function () {
      consumer = prepareConsumer();
      calls = runNodeJson(path.join(consumer.projectDir, 'check-package.js'), {
        cwd: consumer.projectDir,
        env: { GRPC_NATIVE_TEST_CERT_DIR: consumer.certDir },
      });
    });

    it('makes insecure and TLS calls', function () {
      assert.strictEqual(calls.insecure, 'echo: insecure');
      assert.strictEqual(calls.tls, 'echo: tls');
    });

    it('loads the prebuild without build/', function () {
      assert.deepStrictEqual(calls.addon, [path.join(consumer.packageDir, PREBUILD)]);
    });

    it('gives the same package to import and require', function () {
      const result = runNodeJson(path.join(consumer.projectDir, 'module-formats.mjs'), { cwd: consumer.projectDir });

      assert.strictEqual(result.defaultIsRequired, true, 'the default export is not the CommonJS module');
      assert.strictEqual(result.sameServerClass, true, 'import and require give different Server classes');
      assert.strictEqual(result.sameMetadataClass, true, 'import and require give different Metadata classes');
      assert.deepStrictEqual(result.namedExports, result.requiredKeys);
      assert.ok(result.resolvedImport.endsWith('/dist/index.mjs'), `import resolved to ${result.resolvedImport}`);
      assert.ok(result.resolvedRequire.endsWith(`${path.sep}dist${path.sep}index.js`),
        `require resolved to ${result.resolvedRequire}`);
    });
  });
});
