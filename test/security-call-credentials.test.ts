/**
 * Call credentials end to end against grpc-native and @grpc/grpc-js servers: access tokens, grpcio metadata
 * plugins, grpc-js metadata generators, composites and per-call credentials. Also plugins that misbehave, and what
 * happens on insecure and local channels.
 */
import * as assert from 'assert';
import { execFile } from 'child_process';
import * as path from 'path';
import { Worker } from 'worker_threads';
import * as grpcJs from '@grpc/grpc-js';
import * as grpc from '../lib/index';
import {
  callWithOurClient,
  certs,
  echoService,
  expectFailure,
  expectReport,
  Report,
  RunningServer,
  startGrpcJsServer,
  startOurServer,
  stopAllServers,
} from './helpers/security-harness';

const EchoClient = grpc.makeGenericClientConstructor(echoService as any, 'Echo');

function tlsCredentials(): grpc.ChannelCredentials {
  return grpc.credentials.createSsl(certs.ca.cert);
}

/** Makes one call on an existing client. */
function callOn(client: any, options: grpc.CallOptions = {}): Promise<{ error: grpc.ServiceError | null; report: Report | null }> {
  return new Promise((resolve) => {
    client.report({}, { deadline: Date.now() + 10000, ...options }, (error: grpc.ServiceError | null, report: Report) => {
      resolve({ error, report: error ? null : report });
    });
  });
}

/** Collects what the library logs while `body` runs. */
async function captureLog(body: () => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const logger = { error: (...args: unknown[]) => lines.push(args.join(' ')) };
  grpc.setLogger(logger);
  try {
    await body();
  } finally {
    grpc.setLogger(console);
  }
  return lines;
}

describe('call credentials', () => {
  let server: RunningServer;
  let grpcJsServer: RunningServer;

  before(async () => {
    server = await startOurServer(grpc.sslServerCredentials([{ privateKey: certs.server.key, certificateChain: certs.server.cert }]));
    grpcJsServer = await startGrpcJsServer(grpcJs.ServerCredentials.createSsl(null,
      [{ private_key: certs.server.key, cert_chain: certs.server.cert }], false));
  });

  after(stopAllServers);

  describe('accessTokenCallCredentials', () => {
    it('should send the token as a bearer authorization header', async () => {
      const credentials = grpc.compositeChannelCredentials(tlsCredentials(), grpc.accessTokenCallCredentials('token-1'));
      const report = expectReport(await callWithOurClient(server.target, credentials));
      assert.deepStrictEqual(report.metadata.authorization, ['Bearer token-1']);
    });

    it('should reach a grpc-js server', async () => {
      const report = expectReport(await callWithOurClient(grpcJsServer.target, tlsCredentials(),
        { callCredentials: grpc.accessTokenCallCredentials('token-2') }));
      assert.deepStrictEqual(report.metadata.authorization, ['Bearer token-2']);
    });

    it('should generate the same metadata in JavaScript', async () => {
      const metadata = await grpc.accessTokenCallCredentials('token-3')
        .generateMetadata({ service_url: 'https://host/pkg.Service', method_name: '/pkg.Service/Method' });
      assert.deepStrictEqual(metadata.get('authorization'), ['Bearer token-3']);
    });

    it('should reject a token that is empty, not a string or not printable', () => {
      assert.throws(() => grpc.accessTokenCallCredentials(''), /accessToken must be a non-empty string, got string/);
      assert.throws(() => grpc.accessTokenCallCredentials(42 as any), /accessToken must be a non-empty string, got number/);
      assert.throws(() => grpc.accessTokenCallCredentials('line\nbreak'), /accessToken must be printable ASCII/);
    });
  });

  describe('metadataCallCredentials', () => {
    it('should pass C-core\'s context and send the plugin\'s metadata', async () => {
      const contexts: grpc.AuthMetadataContext[] = [];
      const credentials = grpc.metadataCallCredentials((context, callback) => {
        contexts.push(context);
        callback([['x-plugin', 'from-plugin'], ['x-plugin-bin', Buffer.from([1, 2, 3])]], null);
      }, 'test-plugin');
      const report = expectReport(await callWithOurClient(server.target, tlsCredentials(), { callCredentials: credentials }));
      assert.deepStrictEqual(report.metadata['x-plugin'], ['from-plugin']);
      assert.deepStrictEqual(report.metadata['x-plugin-bin'], [Buffer.from([1, 2, 3]).toString()]);
      assert.deepStrictEqual(contexts, [{
        serviceUrl: `https://${server.target}/grpc_native.security.Echo`,
        methodName: 'Report',
      }]);
    });

    it('should accept metadata as an object and as a Metadata object', async () => {
      const fromObject = grpc.metadataCallCredentials((_context, callback) => callback({ 'x-object': ['a', 'b'] }, null));
      const fromMetadata = grpc.metadataCallCredentials((_context, callback) => {
        const metadata = new grpc.Metadata();
        metadata.add('x-metadata', 'c');
        callback(metadata, null);
      });
      const report = expectReport(await callWithOurClient(server.target, tlsCredentials(),
        { callCredentials: grpc.compositeCallCredentials(fromObject, fromMetadata) }));
      assert.deepStrictEqual(report.metadata['x-object'], ['a', 'b']);
      assert.deepStrictEqual(report.metadata['x-metadata'], ['c']);
    });

    it('should accept Node\'s error-first callback order too', async () => {
      const metadataSecond = grpc.metadataCallCredentials((_context, callback) => callback(null, [['x-order', 'node']]));
      const report = expectReport(await callWithOurClient(server.target, tlsCredentials(), { callCredentials: metadataSecond }));
      assert.deepStrictEqual(report.metadata['x-order'], ['node']);
      const errorFirst = grpc.metadataCallCredentials((_context, callback) => callback(new Error('refused first')));
      expectFailure(await callWithOurClient(server.target, tlsCredentials(), { callCredentials: errorFirst }),
        grpc.status.UNAVAILABLE, /failed with error: refused first$/);
    });

    it('should run the plugin on a later tick, also on a warm channel', async () => {
      let callStarted = false;
      const startedWhenPluginRan: boolean[] = [];
      const credentials = grpc.metadataCallCredentials((_context, callback) => {
        startedWhenPluginRan.push(callStarted);
        callback([], null);
      });
      const client = new EchoClient(server.target, grpc.compositeChannelCredentials(tlsCredentials(), credentials)) as any;
      try {
        for (let i = 0; i < 3; i++) {
          callStarted = false;
          const done = callOn(client);
          callStarted = true;
          expectReport(await done);
        }
      } finally {
        client.close();
      }
      assert.deepStrictEqual(startedWhenPluginRan, [true, true, true]);
    });

    it('should fail the call with UNAVAILABLE when the plugin reports an error', async () => {
      const credentials = grpc.metadataCallCredentials((_context, callback) => callback(null, new Error('token expired')));
      expectFailure(await callWithOurClient(server.target, tlsCredentials(), { callCredentials: credentials }),
        grpc.status.UNAVAILABLE, /^Getting metadata from plugin failed with error: token expired$/);
    });

    it('should fail the call with UNAVAILABLE when the plugin throws', async () => {
      const credentials = grpc.metadataCallCredentials(() => {
        throw new Error('plugin crashed');
      });
      expectFailure(await callWithOurClient(server.target, tlsCredentials(), { callCredentials: credentials }),
        grpc.status.UNAVAILABLE, /Getting metadata from plugin failed with error: plugin crashed/);
    });

    it('should use the first of repeated callbacks and log once', async () => {
      const credentials = grpc.metadataCallCredentials((_context, callback) => {
        callback([['x-answer', 'first']], null);
        callback([['x-answer', 'second']], null);
        callback(null, new Error('third'));
      });
      let report: Report | undefined;
      const lines = await captureLog(async () => {
        report = expectReport(await callWithOurClient(server.target, tlsCredentials(), { callCredentials: credentials }));
        expectReport(await callWithOurClient(server.target, tlsCredentials(), { callCredentials: credentials }));
      });
      assert.deepStrictEqual(report!.metadata['x-answer'], ['first']);
      assert.strictEqual(lines.filter((line) => /called back more than once/.test(line)).length, 1);
    });

    it('should end a call whose plugin never calls back at its deadline', async () => {
      const credentials = grpc.metadataCallCredentials(() => undefined);
      expectFailure(await callWithOurClient(server.target, tlsCredentials(), { callCredentials: credentials, timeoutMs: 300 }),
        grpc.status.DEADLINE_EXCEEDED);
    });

    it('should let a call whose plugin never calls back be cancelled', async () => {
      const credentials = grpc.metadataCallCredentials(() => undefined);
      const client = new EchoClient(server.target, tlsCredentials()) as any;
      try {
        const call = client.report({}, { credentials }, () => undefined);
        const status = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
        setImmediate(() => call.cancel());
        assert.strictEqual((await status).code, grpc.status.CANCELLED);
      } finally {
        client.close();
      }
    });

    it('should fail a call whose plugin dropped its callback once it is collected', async () => {
      // A fresh process with --expose-gc, whose plugin drops its callback and then collects garbage.
      const result = await new Promise<{ code: number; details: string }>((resolve, reject) => {
        execFile(process.execPath, ['--expose-gc', '-r', 'ts-node/register/transpile-only', 'test/helpers/security-child.ts',
          'dropped-plugin-callback', server.target], {
          cwd: path.join(__dirname, '..'),
          env: { ...process.env, TEST_CA_PEM: certs.ca.cert.toString() },
        }, (error, stdout, stderr) => {
          if (error) {
            reject(new Error(`${error.message}\n${stderr}`));
            return;
          }
          resolve(JSON.parse(stdout.trim().split('\n').pop()!));
        });
      });
      assert.strictEqual(result.code, grpc.status.UNAVAILABLE);
      assert.match(result.details, /the metadata plugin dropped its callback without calling it/);
    });

    it('should fail the call with UNAVAILABLE for invalid metadata', async () => {
      const cases: Array<[grpc.PluginMetadata, RegExp]> = [
        [[['Bad Key!', 'value']], /invalid metadata: Metadata key "bad key!" contains illegal characters/],
        [[['x-text', 'line\nbreak']], /invalid metadata: Metadata string value "line\nbreak" contains illegal characters/],
        [[['x-data-bin', 'not a buffer']], /invalid metadata: keys that end with '-bin' must have Buffer values/],
        [[['x-pair']] as any, /invalid metadata: metadata pairs must be \[key, value\] arrays/],
      ];
      for (const [metadata, details] of cases) {
        const credentials = grpc.metadataCallCredentials((_context, callback) => callback(metadata, null));
        expectFailure(await callWithOurClient(server.target, tlsCredentials(), { callCredentials: credentials }),
          grpc.status.UNAVAILABLE, details);
      }
    });

    it('should reject a plugin that is not a function', () => {
      assert.throws(() => grpc.metadataCallCredentials({} as any), /metadataPlugin must be a function, got an object/);
      assert.throws(() => grpc.metadataCallCredentials(() => undefined, 5 as any), /name must be a string/);
    });
  });

  describe('credentials.createFromMetadataGenerator', () => {
    it('should pass grpc-js\'s options and send the metadata', async () => {
      const seen: grpc.CallMetadataOptions[] = [];
      const credentials = grpc.credentials.createFromMetadataGenerator((options, callback) => {
        seen.push(options);
        const metadata = new grpc.Metadata();
        metadata.set('x-generator', 'generated');
        callback(null, metadata);
      });
      const report = expectReport(await callWithOurClient(grpcJsServer.target, tlsCredentials(), { callCredentials: credentials }));
      assert.deepStrictEqual(report.metadata['x-generator'], ['generated']);
      assert.deepStrictEqual(seen, [{
        service_url: 'https://127.0.0.1/grpc_native.security.Echo',
        method_name: '/grpc_native.security.Echo/Report',
      }]);
    });

    it('should fail the call with UNAVAILABLE and the error\'s message', async () => {
      const credentials = grpc.credentials.createFromMetadataGenerator((_options, callback) => {
        setImmediate(() => callback(new Error('no token available')));
      });
      expectFailure(await callWithOurClient(server.target, tlsCredentials(), { callCredentials: credentials }),
        grpc.status.UNAVAILABLE, /Getting metadata from plugin failed with error: no token available/);
    });

    it('should generate metadata in JavaScript', async () => {
      const credentials = grpc.credentials.createFromMetadataGenerator((options, callback) => {
        const metadata = new grpc.Metadata();
        metadata.set('x-method', options.method_name);
        callback(null, metadata);
      });
      const metadata = await credentials.generateMetadata({ service_url: 'https://h/pkg.S', method_name: '/pkg.S/M' });
      assert.deepStrictEqual(metadata.get('x-method'), ['/pkg.S/M']);
    });

    it('should reject a generator that is not a function', () => {
      assert.throws(() => grpc.credentials.createFromMetadataGenerator(null as any),
        /createFromMetadataGenerator: metadataGenerator must be a function, got null/);
    });
  });

  describe('credentials.createFromGoogleCredential', () => {
    it('should send the headers of a google-auth-library client', async () => {
      const urls: string[] = [];
      const client = {
        getRequestHeaders: async (url?: string) => {
          urls.push(url!);
          return { authorization: 'Bearer google-token' };
        },
      };
      const report = expectReport(await callWithOurClient(server.target, tlsCredentials(),
        { callCredentials: grpc.credentials.createFromGoogleCredential(client) }));
      assert.deepStrictEqual(report.metadata.authorization, ['Bearer google-token']);
      assert.deepStrictEqual(urls, ['https://127.0.0.1/grpc_native.security.Echo']);
    });

    it('should support the callback API of older clients', async () => {
      const client = {
        getRequestMetadata: (_url: string, callback: (error: Error | null, headers?: Record<string, string>) => void) => {
          callback(null, { authorization: 'Bearer old-token' });
        },
      };
      const report = expectReport(await callWithOurClient(server.target, tlsCredentials(),
        { callCredentials: grpc.credentials.createFromGoogleCredential(client) }));
      assert.deepStrictEqual(report.metadata.authorization, ['Bearer old-token']);
    });
  });

  describe('composition', () => {
    it('should apply every part of a composite', async () => {
      const first = grpc.accessTokenCallCredentials('composite');
      const second = grpc.metadataCallCredentials((_context, callback) => callback([['x-second', 'yes']], null));
      const third = grpc.credentials.createFromMetadataGenerator((_options, callback) => {
        const metadata = new grpc.Metadata();
        metadata.set('x-third', 'yes');
        callback(null, metadata);
      });
      for (const credentials of [
        grpc.compositeCallCredentials(first, second, third),
        grpc.credentials.combineCallCredentials(first, second, third),
        first.compose(second).compose(third),
      ]) {
        const report = expectReport(await callWithOurClient(server.target, tlsCredentials(), { callCredentials: credentials }));
        assert.deepStrictEqual(report.metadata.authorization, ['Bearer composite']);
        assert.deepStrictEqual(report.metadata['x-second'], ['yes']);
        assert.deepStrictEqual(report.metadata['x-third'], ['yes']);
      }
    });

    it('should add per-call credentials to the channel\'s', async () => {
      const channel = grpc.credentials.combineChannelCredentials(tlsCredentials(),
        grpc.metadataCallCredentials((_context, callback) => callback([['x-channel', 'yes']], null)));
      const report = expectReport(await callWithOurClient(server.target, channel.compose(
        grpc.metadataCallCredentials((_context, callback) => callback([['x-composed', 'yes']], null))),
      { callCredentials: grpc.accessTokenCallCredentials('per-call') }));
      assert.deepStrictEqual(report.metadata['x-channel'], ['yes']);
      assert.deepStrictEqual(report.metadata['x-composed'], ['yes']);
      assert.deepStrictEqual(report.metadata.authorization, ['Bearer per-call']);
    });

    it('should treat empty credentials as nothing', async () => {
      const empty = grpc.credentials.createEmpty();
      const token = grpc.accessTokenCallCredentials('t');
      assert.strictEqual(empty.compose(token), token);
      assert.strictEqual(token.compose(empty), token);
      assert.deepStrictEqual((await empty.generateMetadata({ service_url: '', method_name: '' })).toJSON(), {});
    });

    it('should reject composites of anything but call credentials', () => {
      assert.throws(() => grpc.compositeCallCredentials(), /give at least one CallCredentials object/);
      assert.throws(() => grpc.compositeCallCredentials(grpc.accessTokenCallCredentials('t'), 'x' as any),
        /compositeCallCredentials: argument 2 must be a CallCredentials object, got string/);
    });
  });

  describe('security levels', () => {
    let insecureServer: RunningServer;
    let insecureCalls = 0;

    let countingServer: grpcJs.Server;

    before(async () => {
      // A grpc-js server that counts the calls that reach it.
      countingServer = new grpcJs.Server();
      countingServer.addService(echoService as any, {
        report: (call: grpcJs.ServerUnaryCall<unknown, unknown>, callback: grpcJs.sendUnaryData<Report>) => {
          insecureCalls++;
          callback(null, { metadata: {} });
        },
      });
      const port = await new Promise<number>((resolve, reject) => {
        countingServer.bindAsync('127.0.0.1:0', grpcJs.ServerCredentials.createInsecure(),
          (error, bound) => (error ? reject(error) : resolve(bound)));
      });
      insecureServer = { port, target: `127.0.0.1:${port}`, stop: async () => undefined };
    });

    after(() => countingServer.forceShutdown());

    it('should fail per-call credentials on an insecure channel without sending them', async () => {
      let pluginRuns = 0;
      const plugin = grpc.metadataCallCredentials((_context, callback) => {
        pluginRuns++;
        callback([['x-secret', 'never in plaintext']], null);
      });
      for (const callCredentials of [grpc.accessTokenCallCredentials('never-in-plaintext'), plugin]) {
        expectFailure(await callWithOurClient(insecureServer.target, grpc.credentials.createInsecure(), { callCredentials }),
          grpc.status.UNAUTHENTICATED, /does not have a sufficient security level.*never in plaintext/);
      }
      assert.strictEqual(pluginRuns, 0);
      assert.strictEqual(insecureCalls, 0);
    });

    it('should allow empty per-call credentials on an insecure channel', async () => {
      const before = insecureCalls;
      expectReport(await callWithOurClient(insecureServer.target, grpc.credentials.createInsecure(),
        { callCredentials: grpc.credentials.createEmpty() }));
      assert.strictEqual(insecureCalls, before + 1);
    });

    it('should send call credentials over local credentials', async () => {
      const localServer = await startOurServer(grpc.localServerCredentials(grpc.LocalConnectionType.LOCAL_TCP));
      const report = expectReport(await callWithOurClient(localServer.target,
        grpc.localChannelCredentials(grpc.LocalConnectionType.LOCAL_TCP),
        { callCredentials: grpc.accessTokenCallCredentials('local-token') }));
      assert.deepStrictEqual(report.metadata.authorization, ['Bearer local-token']);
    });
  });

  describe('worker threads', () => {
    it('should run plugins and server checks in a worker', async () => {
      const worker = new Worker(path.join(__dirname, 'helpers', 'security-worker.ts'), {
        workerData: { target: server.target, caPem: certs.ca.cert.toString() },
        execArgv: ['-r', 'ts-node/register/transpile-only'],
      });
      const result = await new Promise<{ code: number; details: string; report: Report | null }>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      await new Promise((resolve) => worker.once('exit', resolve));
      assert.strictEqual(result.code, 0, result.details);
      assert.deepStrictEqual(result.report!.metadata['x-from-worker'], ['Report']);
    });
  });

  describe('_equals', () => {
    it('should compare credentials by what they send', () => {
      const generator: grpc.CallMetadataGenerator = (_options, callback) => callback(null, new grpc.Metadata());
      const a = grpc.credentials.createFromMetadataGenerator(generator);
      const b = grpc.credentials.createFromMetadataGenerator(generator);
      assert.ok(a._equals(b));
      assert.ok(!a._equals(grpc.credentials.createFromMetadataGenerator(() => undefined)));
      assert.ok(grpc.credentials.createEmpty()._equals(grpc.credentials.createEmpty()));
    });
  });
});
