/**
 * A grpc-js program with @grpc/proto-loader runs unchanged when `@grpc/grpc-js` resolves to this package: a
 * project folder whose node_modules/@grpc/grpc-js links to this checkout, as `npm install @grpc/grpc-js@file:<dir>`
 * makes it. The program serves and calls through the linked package, and talks to the real @grpc/grpc-js both ways.
 * The linked package loads dist/, so this test needs `npm run build:ts` first (scripts/bootstrap.sh runs it).
 */
import * as assert from 'assert';
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.join(__dirname, '..', '..');

const GREETER_PROTO = `
syntax = "proto3";
package helloworld;

message HelloRequest { string name = 1; int32 count = 2; }
message HelloReply { string message = 1; }

service Greeter {
  rpc SayHello (HelloRequest) returns (HelloReply);
  rpc SayManyHellos (HelloRequest) returns (stream HelloReply);
}
`;

// The program, as a grpc-js user writes it. Only the second require of grpc-js, by absolute path, is added: it is
// the real grpc-js peer. The program prints one JSON line.
const PROGRAM = `
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const realGrpcJs = require(process.env.REAL_GRPC_JS);

const definition = protoLoader.loadSync(__dirname + '/greeter.proto', { keepCase: true, defaults: true });

const handlers = {
  sayHello(call, callback) {
    callback(null, { message: 'Hello ' + call.request.name });
  },
  sayManyHellos(call) {
    for (let i = 0; i < call.request.count; i++) {
      call.write({ message: 'hello ' + i });
    }
    call.end();
  },
};

function serve(lib) {
  const Greeter = lib.loadPackageDefinition(definition).helloworld.Greeter;
  const server = new lib.Server();
  server.addService(Greeter.service, handlers);
  return new Promise((resolve, reject) => server.bindAsync('127.0.0.1:0', lib.ServerCredentials.createInsecure(),
    (error, port) => (error ? reject(error) : resolve({ server, port }))));
}

function greet(lib, port) {
  const Greeter = lib.loadPackageDefinition(definition).helloworld.Greeter;
  const client = new Greeter('127.0.0.1:' + port, lib.credentials.createInsecure());
  return new Promise((resolve, reject) => {
    client.sayHello({ name: 'world' }, (error, reply) => {
      if (error) {
        reject(error);
        return;
      }
      const replies = [reply.message];
      const stream = client.sayManyHellos({ count: 2 });
      stream.on('data', (message) => replies.push(message.message));
      stream.on('error', reject);
      stream.on('end', () => {
        client.close();
        resolve(replies);
      });
    });
  });
}

(async () => {
  const linked = await serve(grpc);
  const real = await serve(realGrpcJs);
  const result = {
    resolved: require.resolve('@grpc/grpc-js'),
    linkedClientRealServer: await greet(grpc, real.port),
    realClientLinkedServer: await greet(realGrpcJs, linked.port),
    linkedClientLinkedServer: await greet(grpc, linked.port),
  };
  linked.server.forceShutdown();
  real.server.forceShutdown();
  console.log(JSON.stringify(result));
})();
`;

describe('drop-in for @grpc/grpc-js', function () {
  this.timeout(60000);

  let projectDir: string;

  before(function () {
    assert.ok(fs.existsSync(path.join(ROOT, 'dist', 'index.js')), 'dist/index.js is missing: run npm run build:ts');
    projectDir = fs.mkdtempSync(path.join(os.tmpdir(), 'grpc-native-drop-in-'));
    const scope = path.join(projectDir, 'node_modules', '@grpc');
    fs.mkdirSync(scope, { recursive: true });
    fs.symlinkSync(ROOT, path.join(scope, 'grpc-js'), 'dir');
    fs.symlinkSync(path.join(ROOT, 'node_modules', '@grpc', 'proto-loader'), path.join(scope, 'proto-loader'), 'dir');
    fs.writeFileSync(path.join(projectDir, 'greeter.proto'), GREETER_PROTO);
    fs.writeFileSync(path.join(projectDir, 'program.js'), PROGRAM);
  });

  after(() => {
    fs.rmSync(projectDir, { recursive: true, force: true });
  });

  it('runs an unchanged proto-loader program', async () => {
    const output = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['program.js'], {
        cwd: projectDir,
        env: { ...process.env, NODE_PATH: '', REAL_GRPC_JS: require.resolve('@grpc/grpc-js') },
      }, (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)));
    });
    const result = JSON.parse(output.trim().split('\n').pop()!);
    const expected = ['Hello world', 'hello 0', 'hello 1'];

    assert.strictEqual(fs.realpathSync(result.resolved), fs.realpathSync(path.join(ROOT, 'dist', 'index.js')));
    assert.deepStrictEqual(result.linkedClientRealServer, expected);
    assert.deepStrictEqual(result.realClientLinkedServer, expected);
    assert.deepStrictEqual(result.linkedClientLinkedServer, expected);
  });
});
