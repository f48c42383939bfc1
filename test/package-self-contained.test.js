'use strict';
// The prebuilt binary alone, in a minimal Debian root where no libgrpc, OpenSSL, abseil, re2 or c-ares shared
// object exists: the installed tarball loads there with PREBUILDS_ONLY=1 and makes a TLS call between a server
// and a client in one process, over the loopback interface of a private network namespace.
const assert = require('node:assert');
const path = require('node:path');

const { CONSUMER_MOUNT, FORBIDDEN_LIBRARY, ensureMinimalRoot, findForbiddenLibraries, runInMinimalRoot } =
  require('./helpers/minimal-root');
const { prepareConsumer } = require('./helpers/packed-package');

const PREBUILD = `prebuilds/${process.platform}-${process.arch}/grpc-native.glibc.node`;

describe('prebuilt binary in a minimal root', function () {
  // Making the root downloads packages the first time. It is cached after that.
  this.timeout(600000);

  let rootDir;
  let consumer;

  before(function () {
    if (process.platform !== 'linux' || process.getuid() !== 0) {
      // unshare and chroot need root. CI runs as root.
      this.skip();
    }
    rootDir = ensureMinimalRoot();
    consumer = prepareConsumer();
  });

  it('root has no C-core, OpenSSL or abseil libraries', function () {
    assert.deepStrictEqual(findForbiddenLibraries(rootDir), []);
  });

  it('makes a TLS call from the prebuild alone', function () {
    const result = runInMinimalRoot(rootDir, consumer.projectDir, 'check-package.js', {
      PREBUILDS_ONLY: '1',
      GRPC_NATIVE_TEST_CERT_DIR: path.posix.join(CONSUMER_MOUNT, 'certs'),
    });
    assert.strictEqual(result.status, 0, `the run in the root failed:\n${result.stdout}\n${result.stderr}`);
    const report = JSON.parse(result.stdout.trim().split('\n').pop());

    assert.strictEqual(report.tls, 'echo: tls');
    assert.strictEqual(report.insecure, 'echo: insecure');
    assert.deepStrictEqual(report.addon, [path.posix.join(CONSUMER_MOUNT, 'node_modules', 'grpc-native', PREBUILD)]);
    const forbidden = report.sharedObjects.filter((file) => FORBIDDEN_LIBRARY.test(path.basename(file)));
    assert.deepStrictEqual(forbidden, [], 'shared objects of C-core or its dependencies were loaded');
  });
});
