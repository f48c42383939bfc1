'use strict';
// Node's own TLS (node:https, on the OpenSSL inside Node) and grpc-native's TLS (on the OpenSSL inside the
// addon) in one process at once. The old native `grpc` package broke here, because its OpenSSL calls could bind
// to Node's copy. The installed tarball runs from its prebuild, in a child process of its own.
const assert = require('node:assert');
const path = require('node:path');

const { prepareConsumer, runNodeJson } = require('./helpers/packed-package');

describe('node:https beside grpc-native TLS', function () {
  this.timeout(300000);

  let report;

  before(function () {
    const consumer = prepareConsumer();
    report = runNodeJson(path.join(consumer.projectDir, 'https-and-grpc.js'), {
      cwd: consumer.projectDir,
      env: { PREBUILDS_ONLY: '1', GRPC_NATIVE_TEST_CERT_DIR: consumer.certDir },
    });
  });

  it('completes every https request', function () {
    const expected = report.https.map((_, index) => `https: /${index}`);

    assert.strictEqual(report.https.length, 20);
    assert.deepStrictEqual(report.https, expected);
  });

  it('completes every gRPC TLS call', function () {
    const expected = report.grpc.map((_, index) => `echo: ${index}`);

    assert.strictEqual(report.grpc.length, 20);
    assert.deepStrictEqual(report.grpc, expected);
  });

  it('runs grpc-native from its prebuild', function () {
    assert.strictEqual(report.addon.length, 1);
    assert.match(report.addon[0], /[\\/]prebuilds[\\/][\w-]+[\\/]grpc-native[\w.]*\.node$/);
  });
});
