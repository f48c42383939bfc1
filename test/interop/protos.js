'use strict';
// Loads the gRPC interop test protos (grpc.testing.TestService and its messages) for a given grpc module.

const path = require('node:path');
const protoLoader = require('@grpc/proto-loader');

/** Folder that the interop protos' `src/proto/grpc/testing/...` import paths are relative to. */
const PROTO_ROOT = path.join(__dirname, 'proto');
const TEST_PROTO = 'src/proto/grpc/testing/test.proto';
const PROTO_FILES = ['empty.proto', 'messages.proto', 'test.proto']
  .map((name) => path.join(PROTO_ROOT, 'src/proto/grpc/testing', name));

/**
 * proto-loader options for the interop messages. Field names keep their proto spelling (`response_size`),
 * enums are strings, and unset fields are filled in with their defaults, so handlers can read any field.
 */
const LOADER_OPTIONS = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_ROOT],
};

let packageDefinition = null;

function getPackageDefinition() {
  if (packageDefinition === null) {
    packageDefinition = protoLoader.loadSync(TEST_PROTO, LOADER_OPTIONS);
  }
  return packageDefinition;
}

/**
 * Returns the `grpc.testing` namespace (TestService, UnimplementedService, ...) built by `grpc`, which is
 * `@grpc/grpc-js` or a drop-in replacement for it.
 */
function loadTestingPackage(grpc) {
  return grpc.loadPackageDefinition(getPackageDefinition()).grpc.testing;
}

/**
 * Creates a grpc.testing.TestService client stub from `grpc` for `target` (for example `127.0.0.1:50051`).
 * `credentials` defaults to insecure channel credentials; `options` are channel options.
 */
function createTestServiceClient(grpc, target, credentials, options) {
  const { TestService } = loadTestingPackage(grpc);
  return new TestService(target, credentials || grpc.credentials.createInsecure(), options || {});
}

module.exports = {
  PROTO_ROOT,
  PROTO_FILES,
  TEST_PROTO,
  LOADER_OPTIONS,
  loadTestingPackage,
  createTestServiceClient,
};
