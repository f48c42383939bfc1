/**
 * A process that used the public client API exits by itself once only idle clients and channels remain: one that
 * made a call to a @grpc/grpc-js server that has since shut down, one that never connected, and a bare Channel.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as path from 'path';

const ROOT = path.join(__dirname, '..', '..');

const SCRIPT = `
const grpcJs = require('@grpc/grpc-js');
const grpc = require('./lib/index');

const codec = (value) => Buffer.from(JSON.stringify(value));
const parse = (bytes) => JSON.parse(bytes.toString());
const service = { Echo: { path: '/coverage.Exit/Echo', requestStream: false, responseStream: false,
  requestSerialize: codec, requestDeserialize: parse, responseSerialize: codec, responseDeserialize: parse } };

const server = new grpcJs.Server();
server.addService(service, { Echo: (call, callback) => callback(null, { ok: true }) });
server.bindAsync('127.0.0.1:0', grpcJs.ServerCredentials.createInsecure(), (error, port) => {
  const Client = grpc.makeGenericClientConstructor(service, 'Exit');
  const used = new Client('127.0.0.1:' + port, grpc.credentials.createInsecure());
  new Client('127.0.0.1:1', grpc.credentials.createInsecure());
  new grpc.Channel('127.0.0.1:' + port, grpc.credentials.createInsecure(), {}).getConnectivityState(true);
  used.Echo({}, (callError, response) => {
    console.log(callError ? callError.message : JSON.stringify(response));
    server.forceShutdown();
  });
});
`;

describe('process exit with the public API', () => {
  it('exits with idle clients and channels', function () {
    this.timeout(30000);
    // A child that does not exit by itself is killed after 15 s, and then `signal` is set.
    const result = spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', SCRIPT],
      { cwd: ROOT, encoding: 'utf8', timeout: 15000 });

    assert.strictEqual(result.signal, null, `the child did not exit by itself; stderr: ${result.stderr}`);
    assert.strictEqual(result.status, 0, result.stderr);
    assert.strictEqual(result.stdout, '{"ok":true}\n');
  });
});
