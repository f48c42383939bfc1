/**
 * The requests for incoming calls that each bound port keeps outstanding in C-core, set with the server option
 * `grpc-native.outstanding_request_calls`: its checks, bursts of calls larger than the count, and shutdown and
 * process exit with the requests still outstanding. The clients are @grpc/grpc-js, over TCP on 127.0.0.1.
 */
import * as assert from 'assert';
import * as grpcJs from '@grpc/grpc-js';
import { OUTSTANDING_REQUEST_CALLS_OPTION, Server } from '../lib/server';
import { ServerCredentials } from '../lib/server-credentials';
import { runScriptInChild } from './helpers/script-child';

const codec = {
  requestSerialize: (value: unknown) => Buffer.from(JSON.stringify(value)),
  requestDeserialize: (bytes: Buffer) => JSON.parse(bytes.toString()),
  responseSerialize: (value: unknown) => Buffer.from(JSON.stringify(value)),
  responseDeserialize: (bytes: Buffer) => JSON.parse(bytes.toString()),
};
const service = { unary: { path: '/test.Burst/Unary', requestStream: false, responseStream: false, ...codec } };
const ClientClass = grpcJs.makeGenericClientConstructor(service as any, 'Burst');

function bind(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, port) => {
      if (error) {
        reject(error);
      } else {
        resolve(port);
      }
    });
  });
}

describe('Server outstanding request calls', () => {
  it('rejects invalid option values', () => {
    for (const value of [0, -1, 1.5, '8', 65537, null, true]) {
      assert.throws(() => new Server({ [OUTSTANDING_REQUEST_CALLS_OPTION]: value } as any), (error: Error) => {
        assert.ok(error instanceof TypeError, `${String(value)}: ${error}`);
        assert.match(error.message, /grpc-native\.outstanding_request_calls must be an integer from 1 to 65536/);
        if (typeof value === 'number') {
          assert.ok(error.message.endsWith(`got ${value}`), error.message);
        }
        return true;
      });
    }
  });

  for (const count of [1, 3, undefined]) {
    it(`accepts a burst with ${count ?? 'the default number of'} requests outstanding`, async () => {
      const burst = 80;
      const waiting: Array<() => void> = [];
      const server = new Server(count === undefined ? {} : { [OUTSTANDING_REQUEST_CALLS_OPTION]: count });
      // Every handler waits until all calls of the burst are in progress at once, so each of them must have been
      // accepted while the others were still open.
      server.addService(service as any, {
        unary: (call: any, callback: any) => {
          waiting.push(() => callback(null, { n: call.request.n }));
          if (waiting.length === burst) {
            for (const respond of waiting) {
              respond();
            }
          }
        },
      });
      const port = await bind(server);
      const client = new ClientClass(`127.0.0.1:${port}`, grpcJs.credentials.createInsecure()) as any;
      try {
        const responses = await Promise.all(Array.from({ length: burst }, (unused, n) =>
          new Promise<any>((resolve, reject) => {
            client.unary({ n }, (error: grpcJs.ServiceError | null, response: any) =>
              (error ? reject(error) : resolve(response)));
          })));
        assert.deepStrictEqual(responses.map(response => response.n), Array.from({ length: burst }, (u, n) => n));
      } finally {
        client.close();
        await new Promise<void>(resolve => server.tryShutdown(() => resolve()));
      }
    });
  }

  for (const ending of ['tryShutdown(() => {})', 'forceShutdown()', 'unbind(address)']) {
    it(`lets an idle process exit after ${ending.replace(/\(.*/, '')}`, async () => {
      // Ends its server with `ending` once the server has responded to a call, then leaves the event loop alone: the
      // requests that were outstanding must neither keep the process alive nor fail it.
      const script = `
        const grpcJs = require('@grpc/grpc-js');
        const { Server } = require('./lib/server');
        const { ServerCredentials } = require('./lib/server-credentials');
        const codec = ${JSON.stringify({ path: service.unary.path, requestStream: false, responseStream: false })};
        const toBytes = value => Buffer.from(JSON.stringify(value));
        const fromBytes = bytes => JSON.parse(bytes.toString());
        const service = { unary: { ...codec, requestSerialize: toBytes, responseSerialize: toBytes,
          requestDeserialize: fromBytes, responseDeserialize: fromBytes } };
        const server = new Server({ 'grpc-native.outstanding_request_calls': 16 });
        server.addService(service, { unary: (call, callback) => callback(null, { ok: true }) });
        server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, port) => {
          const address = '127.0.0.1:' + port;
          const Client = grpcJs.makeGenericClientConstructor(service, 'Burst');
          const client = new Client(address, grpcJs.credentials.createInsecure());
          client.unary({}, (callError, response) => {
            console.log(JSON.stringify(response));
            client.close();
            server.${ending};
          });
        });
      `;
      const { code, stdout } = await runScriptInChild(script);
      assert.strictEqual(code, 0);
      assert.strictEqual(stdout, '{"ok":true}\n');
    });
  }
});
