/**
 * ts-proto's grpc-js output as a drop-in check. Debian's protoc runs the ts-proto plugin on
 * fixtures/ts-proto/greeter.proto into a temporary folder whose node_modules/@grpc/grpc-js is a small package that
 * re-exports this package's sources. The generated code and fixtures/ts-proto/greeter-app.ts are then type-checked
 * and run against a grpc-native server and a real grpc-js server.
 */
import * as assert from 'assert';
import * as childProcess from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';
import * as grpcJs from '@grpc/grpc-js';
import * as grpc from '../lib/index';

const PROTOC = '/usr/bin/protoc';
const REPOSITORY = path.join(__dirname, '..');
const FIXTURES = path.join(__dirname, 'fixtures', 'ts-proto');

// The exports of fixtures/ts-proto/greeter-app.ts, typed loosely: the module exists only at test time.
interface GreeterApp {
  GreeterClient: new (target: string, credentials: grpc.ChannelCredentials) => grpc.Client;
  GreeterService: grpc.ServiceDefinition;
  startGreeterServer(library: unknown): Promise<{ server: grpc.Server; target: string }>;
  sayHello(client: grpc.Client, name: string): Promise<string>;
  sayManyHellos(client: grpc.Client, name: string, count: number): Promise<string[]>;
  collectHellos(client: grpc.Client, names: string[]): Promise<string>;
  chat(client: grpc.Client, names: string[]): Promise<string[]>;
}

/** Writes node_modules/@grpc/grpc-js under `folder`: a package whose code and types are this package's sources. */
function writeGrpcJsAlias(folder: string): void {
  const aliasFolder = path.join(folder, 'node_modules', '@grpc', 'grpc-js');
  fs.mkdirSync(aliasFolder, { recursive: true });
  const sources = path.join(REPOSITORY, 'lib', 'index');
  fs.writeFileSync(path.join(aliasFolder, 'package.json'),
    JSON.stringify({ name: '@grpc/grpc-js', version: '1.14.0', main: 'index.js', types: 'index.d.ts' }));
  const code = `module.exports = require(${JSON.stringify(sources + '.ts')});\n`;
  fs.writeFileSync(path.join(aliasFolder, 'index.js'), code);
  fs.writeFileSync(path.join(aliasFolder, 'index.d.ts'), `export * from ${JSON.stringify(sources)};\n`);

  // The generated code also imports @bufbuild/protobuf, a devDependency of this package.
  fs.symlinkSync(path.join(REPOSITORY, 'node_modules', '@bufbuild'), path.join(folder, 'node_modules', '@bufbuild'));
}

/** Runs protoc with the ts-proto plugin on greeter.proto, writing greeter.ts into `folder`. */
function generateGreeter(folder: string): void {
  assert.ok(fs.existsSync(PROTOC), `${PROTOC} is missing: install Debian's protobuf-compiler package`);
  const plugin = path.join(REPOSITORY, 'node_modules', '.bin', 'protoc-gen-ts_proto');
  childProcess.execFileSync(PROTOC, [
    `--plugin=protoc-gen-ts_proto=${plugin}`,
    `--ts_proto_out=${folder}`,
    '--ts_proto_opt=outputServices=grpc-js,env=node,esModuleInterop=true',
    `--proto_path=${FIXTURES}`,
    'greeter.proto',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
}

function typeErrors(file: string): string[] {
  const program = ts.createProgram([file], {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    esModuleInterop: true,
    skipLibCheck: true,
    types: ['node'],
    typeRoots: [path.join(REPOSITORY, 'node_modules', '@types')],
  });
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const where = diagnostic.file ? `${path.basename(diagnostic.file.fileName)}: ` : '';
    return where + ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
  });
}

describe('ts-proto generated code', () => {
  let folder: string;
  let app: GreeterApp;
  const servers: grpc.Server[] = [];
  const clients: Array<{ close(): void }> = [];

  before(function () {
    this.timeout(60000);
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'grpc-native-ts-proto-'));
    generateGreeter(folder);
    writeGrpcJsAlias(folder);
    fs.copyFileSync(path.join(FIXTURES, 'greeter-app.ts'), path.join(folder, 'greeter-app.ts'));
    app = require(path.join(folder, 'greeter-app.ts'));
  });

  afterEach(() => {
    for (const client of clients.splice(0)) {
      client.close();
    }
    for (const server of servers.splice(0)) {
      server.forceShutdown();
    }
  });

  after(() => {
    fs.rmSync(folder, { recursive: true, force: true });
  });

  async function startServer(library: unknown): Promise<string> {
    const { server, target } = await app.startGreeterServer(library);
    servers.push(server);
    return target;
  }

  function generatedClient(target: string): grpc.Client {
    const client = new app.GreeterClient(target, grpc.credentials.createInsecure());
    clients.push(client);
    return client;
  }

  /** Makes one call of each kind, and one that fails, and checks every result. */
  async function checkEveryCallKind(client: grpc.Client): Promise<void> {
    assert.strictEqual(await app.sayHello(client, 'ts'), 'hello ts');
    assert.deepStrictEqual(await app.sayManyHellos(client, 'ts', 3), ['hello ts 0', 'hello ts 1', 'hello ts 2']);
    assert.strictEqual(await app.collectHellos(client, ['a', 'b', 'c']), 'a,b,c');
    assert.deepStrictEqual(await app.chat(client, ['x', 'y']), ['re x', 're y']);
    const error = await app.sayHello(client, '').then(() => null, (failure: grpc.ServiceError) => failure);
    assert.strictEqual(error?.code, grpc.status.INVALID_ARGUMENT);
    assert.strictEqual(error?.details, 'name is empty');
  }

  it('type-checks against grpc-native', function () {
    this.timeout(60000);
    assert.deepStrictEqual(typeErrors(path.join(folder, 'greeter-app.ts')), []);
  });

  it('imports grpc-native as @grpc/grpc-js', () => {
    const client = generatedClient('127.0.0.1:1');
    assert.ok(client instanceof grpc.Client);
    assert.ok(!(client instanceof grpcJs.Client));
  });

  it('calls a grpc-native server', async () => {
    const target = await startServer(grpc);
    await checkEveryCallKind(generatedClient(target));
  });

  it('calls a grpc-js server', async () => {
    const target = await startServer(grpcJs);
    await checkEveryCallKind(generatedClient(target));
  });

  it('serves a grpc-js client', async () => {
    const target = await startServer(grpc);
    const GrpcJsClient = grpcJs.makeGenericClientConstructor(app.GreeterService as grpcJs.ServiceDefinition,
      'helloworld.Greeter');
    const client = new GrpcJsClient(target, grpcJs.credentials.createInsecure());
    clients.push(client);
    await checkEveryCallKind(client as unknown as grpc.Client);
  });
});
