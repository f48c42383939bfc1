/**
 * The server against a real @grpc/grpc-js client, over TCP on 127.0.0.1 and over Unix sockets. Messages are JSON,
 * so that a serializer can be made to fail on purpose.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as grpcJs from '@grpc/grpc-js';
import { Server } from '../lib/server';
import type { ServerOptions } from '../lib/server';
import { ServerCredentials } from '../lib/server-credentials';
import { Metadata } from '../lib/metadata';
import { Status } from '../lib/constants';
import { Client } from '../lib/client';
import { ChannelCredentials } from '../lib/channel-credentials';
import {
  ResponderBuilder,
  ServerInterceptingCall,
  ServerListenerBuilder,
} from '../lib/server-interceptors';
import type { ServerInterceptor } from '../lib/server-interceptors';
import { runScriptInChild } from './helpers/script-child';

const serialize = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
const deserialize = (bytes: Buffer): any => JSON.parse(bytes.toString());

function method(name: string, requestStream: boolean, responseStream: boolean) {
  return {
    path: `/test.Tester/${name}`,
    requestStream,
    responseStream,
    requestSerialize: serialize,
    requestDeserialize: deserialize,
    responseSerialize: serialize,
    responseDeserialize: deserialize,
  };
}

const service = {
  unary: method('Unary', false, false),
  clientStream: method('ClientStream', true, false),
  serverStream: method('ServerStream', false, true),
  bidi: method('Bidi', true, true),
};

const ClientClass = grpcJs.makeGenericClientConstructor(service as any, 'Tester');
type TestClient = InstanceType<typeof ClientClass> & Record<keyof typeof service, any>;

interface Running {
  server: Server;
  target: string;
  port: number;
  client: TestClient;
}

const running: Running[] = [];
const tempDirs: string[] = [];

function bind(server: Server, address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, ServerCredentials.createInsecure(), (error, port) => {
      if (error) {
        reject(error);
      } else {
        resolve(port);
      }
    });
  });
}

function tempSocketPath(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grpc-native-server-'));
  tempDirs.push(dir);
  return path.join(dir, 'socket');
}

/** Starts a server with `implementation` on 127.0.0.1 (or `address`) and a grpc-js client for it. */
async function start(implementation: Record<string, any>, options?: ServerOptions, address = '127.0.0.1:0',
  clientOptions: grpcJs.ChannelOptions = {}): Promise<Running> {
  const server = new Server(options);
  server.addService(service as any, implementation);
  const port = await bind(server, address);
  const target = address.startsWith('unix') ? address : `127.0.0.1:${port}`;
  const client = new ClientClass(target, grpcJs.credentials.createInsecure(), clientOptions) as TestClient;
  const entry = { server, target, port, client };
  running.push(entry);
  return entry;
}

interface UnaryOutcome {
  error: grpcJs.ServiceError | null;
  response: any;
  metadata: grpcJs.Metadata | undefined;
  status: grpcJs.StatusObject;
}

function unary(client: TestClient, request: unknown, metadata = new grpcJs.Metadata(),
  options: grpcJs.CallOptions = {}, name: keyof typeof service = 'unary'): Promise<UnaryOutcome> {
  return new Promise(resolve => {
    let error: grpcJs.ServiceError | null = null;
    let response: any;
    let headers: grpcJs.Metadata | undefined;
    const call = client[name](request, metadata, options, (e: grpcJs.ServiceError | null, r: any) => {
      error = e;
      response = r;
    });
    call.on('metadata', (received: grpcJs.Metadata) => {
      headers = received;
    });
    call.on('status', (status: grpcJs.StatusObject) => {
      // grpc-js calls the callback before it emits status.
      setImmediate(() => resolve({ error, response, metadata: headers, status }));
    });
  });
}

interface StreamOutcome {
  messages: any[];
  status: grpcJs.StatusObject;
  error: grpcJs.ServiceError | null;
}

function collect(call: grpcJs.ClientReadableStream<any>): Promise<StreamOutcome> {
  return new Promise(resolve => {
    const messages: any[] = [];
    let error: grpcJs.ServiceError | null = null;
    call.on('data', message => messages.push(message));
    call.on('error', (e: grpcJs.ServiceError) => {
      error = e;
    });
    call.on('status', status => setImmediate(() => resolve({ messages, status, error })));
  });
}

function clientStream(client: TestClient, requests: unknown[]): Promise<UnaryOutcome> {
  return new Promise(resolve => {
    let error: grpcJs.ServiceError | null = null;
    let response: any;
    const call = client.clientStream((e: grpcJs.ServiceError | null, r: any) => {
      error = e;
      response = r;
    });
    call.on('status', (status: grpcJs.StatusObject) => {
      setImmediate(() => resolve({ error, response, metadata: undefined, status }));
    });
    for (const request of requests) {
      call.write(request);
    }
    call.end();
  });
}

function bidi(client: TestClient, requests: unknown[], metadata = new grpcJs.Metadata()): Promise<StreamOutcome> {
  const call = client.bidi(metadata);
  const outcome = collect(call);
  for (const request of requests) {
    call.write(request);
  }
  call.end();
  return outcome;
}

function shutdown(server: Server): Promise<void> {
  return new Promise(resolve => server.tryShutdown(() => resolve()));
}

afterEach(async () => {
  for (const { server, client } of running.splice(0)) {
    client.close();
    server.forceShutdown();
  }
});

after(() => {
  for (const dir of tempDirs) {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

describe('Server', () => {
  describe('unary calls', () => {
    it('answers over TCP with request, response and call details', async () => {
      let seen: any;
      const { client, port } = await start({
        unary(call: any, callback: any) {
          seen = {
            request: call.request,
            path: call.getPath(),
            host: call.getHost(),
            peer: call.getPeer(),
            deadline: call.getDeadline(),
          };
          callback(null, { echo: call.request.text });
        },
      });
      const outcome = await unary(client, { text: 'hello' });
      assert.strictEqual(outcome.error, null);
      assert.deepStrictEqual(outcome.response, { echo: 'hello' });
      assert.deepStrictEqual(seen.request, { text: 'hello' });
      assert.strictEqual(seen.path, '/test.Tester/Unary');
      assert.strictEqual(seen.host, `127.0.0.1:${port}`);
      assert.match(seen.peer, /^127\.0\.0\.1:\d+$/);
      assert.strictEqual(seen.deadline, Infinity);
    });

    it('answers over a Unix socket', async () => {
      const socket = tempSocketPath();
      const { client, port } = await start({
        unary: (call: any, callback: any) => callback(null, { echo: call.request.text }),
      }, undefined, `unix:${socket}`);
      assert.strictEqual(port, 1);
      const outcome = await unary(client, { text: 'over uds' });
      assert.strictEqual(outcome.error, null);
      assert.deepStrictEqual(outcome.response, { echo: 'over uds' });
    });

    it('passes request metadata and returns headers and trailers', async () => {
      let requestMetadata: Metadata | undefined;
      const { client } = await start({
        unary(call: any, callback: any) {
          requestMetadata = call.metadata;
          const headers = new Metadata();
          headers.set('x-header', 'first');
          headers.set('x-header-bin', Buffer.from([0, 1, 2]));
          call.sendMetadata(headers);
          const trailers = new Metadata();
          trailers.set('x-trailer', 'last');
          callback(null, {}, trailers);
        },
      });
      const metadata = new grpcJs.Metadata();
      metadata.set('x-text', 'value');
      metadata.add('x-text', 'second');
      metadata.set('x-data-bin', Buffer.from([255, 0, 7]));
      const outcome = await unary(client, {}, metadata);

      assert.strictEqual(outcome.error, null);
      assert.deepStrictEqual(requestMetadata!.get('x-text'), ['value', 'second']);
      assert.deepStrictEqual(requestMetadata!.get('x-data-bin'), [Buffer.from([255, 0, 7])]);
      assert.deepStrictEqual(requestMetadata!.get('grpc-timeout'), []);
      assert.deepStrictEqual(requestMetadata!.get('content-type'), []);
      assert.deepStrictEqual(outcome.metadata!.get('x-header'), ['first']);
      assert.deepStrictEqual(outcome.metadata!.get('x-header-bin'), [Buffer.from([0, 1, 2])]);
      assert.deepStrictEqual(outcome.status.metadata.get('x-trailer'), ['last']);
    });

    it('drops grpc-timeout from response metadata', async () => {
      // C-core aborts the process when a server sends this key, so the server must never pass it on.
      const { client } = await start({
        unary(call: any, callback: any) {
          const headers = new Metadata();
          headers.set('grpc-timeout', '1S');
          headers.set('x-kept', 'header');
          call.sendMetadata(headers);
          const trailers = new Metadata();
          trailers.set('grpc-timeout', '1S');
          trailers.set('x-kept', 'trailer');
          callback(null, {}, trailers);
        },
      });
      const outcome = await unary(client, {});
      assert.strictEqual(outcome.error, null);
      assert.deepStrictEqual(outcome.metadata!.get('x-kept'), ['header']);
      assert.deepStrictEqual(outcome.metadata!.get('grpc-timeout'), []);
      assert.deepStrictEqual(outcome.status.metadata.get('x-kept'), ['trailer']);
      assert.deepStrictEqual(outcome.status.metadata.get('grpc-timeout'), []);
    });

    it('sends the code, details and metadata of an error', async () => {
      const { client } = await start({
        unary(call: any, callback: any) {
          const metadata = new Metadata();
          metadata.set('x-reason', 'quota');
          callback({ code: Status.RESOURCE_EXHAUSTED, details: 'too many requests', metadata });
        },
      });
      const outcome = await unary(client, {});
      assert.strictEqual(outcome.error!.code, Status.RESOURCE_EXHAUSTED);
      assert.strictEqual(outcome.error!.details, 'too many requests');
      assert.deepStrictEqual(outcome.status.metadata.get('x-reason'), ['quota']);
    });

    it('sends UNKNOWN with the message of an Error without a code', async () => {
      const { client } = await start({
        unary: (call: any, callback: any) => callback(new Error('database is down')),
      });
      const outcome = await unary(client, {});
      assert.strictEqual(outcome.error!.code, Status.UNKNOWN);
      assert.strictEqual(outcome.error!.details, 'database is down');
    });

    it('sends the trailer argument along with an error', async () => {
      const { client } = await start({
        unary(call: any, callback: any) {
          const trailer = new Metadata();
          trailer.set('x-retry-after', '5');
          callback({ code: Status.UNAVAILABLE, details: 'later' }, null, trailer);
        },
      });
      const outcome = await unary(client, {});
      assert.strictEqual(outcome.error!.code, Status.UNAVAILABLE);
      assert.deepStrictEqual(outcome.status.metadata.get('x-retry-after'), ['5']);
    });

    it('serves many concurrent calls', async () => {
      const { client } = await start({
        unary: (call: any, callback: any) => setImmediate(() => callback(null, { n: call.request.n })),
      });
      const outcomes = await Promise.all([...Array(200).keys()].map(n => unary(client, { n })));
      assert.deepStrictEqual(outcomes.map(outcome => outcome.error), Array(200).fill(null));
      assert.deepStrictEqual(outcomes.map(outcome => outcome.response.n), [...Array(200).keys()]);
    });

    it('sends the deadline of the client to the handler', async () => {
      let deadline: any;
      const { client } = await start({
        unary(call: any, callback: any) {
          deadline = call.getDeadline();
          callback(null, {});
        },
      });
      const clientDeadline = Date.now() + 60_000;
      const outcome = await unary(client, {}, new grpcJs.Metadata(), { deadline: clientDeadline });
      assert.strictEqual(outcome.error, null);
      assert.strictEqual(typeof deadline, 'number');
      // The deadline travels as a relative timeout, so it arrives shifted by the time the request took.
      assert.ok(Math.abs(deadline - clientDeadline) < 5_000, `deadline ${deadline} vs ${clientDeadline}`);
    });
  });

  describe('streaming calls', () => {
    it('receives a client stream', async () => {
      const { client } = await start({
        clientStream(call: any, callback: any) {
          const values: number[] = [];
          call.on('data', (message: any) => values.push(message.value));
          call.on('end', () => callback(null, { values }));
        },
      });
      const outcome = await clientStream(client, [{ value: 1 }, { value: 2 }, { value: 3 }]);
      assert.strictEqual(outcome.error, null);
      assert.deepStrictEqual(outcome.response, { values: [1, 2, 3] });
    });

    it('sends a server stream with trailers', async () => {
      const { client } = await start({
        serverStream(call: any) {
          for (let i = 0; i < call.request.count; i++) {
            call.write({ index: i });
          }
          const trailers = new Metadata();
          trailers.set('x-total', String(call.request.count));
          call.end(trailers);
        },
      });
      const outcome = await collect(client.serverStream({ count: 5 }));
      assert.strictEqual(outcome.status.code, Status.OK);
      assert.deepStrictEqual(outcome.messages.map(m => m.index), [0, 1, 2, 3, 4]);
      assert.deepStrictEqual(outcome.status.metadata.get('x-total'), ['5']);
    });

    it('echoes a bidi stream', async () => {
      const { client } = await start({
        bidi(call: any) {
          call.on('data', (message: any) => call.write({ echo: message.text }));
          call.on('end', () => call.end());
        },
      });
      const outcome = await bidi(client, [{ text: 'a' }, { text: 'b' }]);
      assert.strictEqual(outcome.status.code, Status.OK);
      assert.deepStrictEqual(outcome.messages, [{ echo: 'a' }, { echo: 'b' }]);
    });

    it('keeps working when a handler returns the piped stream', async () => {
      const { client } = await start({ bidi: (call: any) => call.pipe(call) });
      const outcome = await bidi(client, [{ n: 1 }, { n: 2 }]);
      assert.strictEqual(outcome.status.code, Status.OK);
      assert.deepStrictEqual(outcome.messages, [{ n: 1 }, { n: 2 }]);
    });

    it('ends a server stream with the status of an emitted error', async () => {
      const { client } = await start({
        serverStream(call: any) {
          call.write({ index: 0 });
          call.emit('error', { code: Status.PERMISSION_DENIED, details: 'not yours' });
        },
      });
      const outcome = await collect(client.serverStream({}));
      assert.deepStrictEqual(outcome.messages, [{ index: 0 }]);
      assert.strictEqual(outcome.status.code, Status.PERMISSION_DENIED);
      assert.strictEqual(outcome.status.details, 'not yours');
    });

    it('ends a call whose stream the handler destroys with an error', async () => {
      const { client } = await start({
        bidi(call: any) {
          call.destroy(Object.assign(new Error('broken'), { code: Status.DATA_LOSS }));
        },
      });
      const outcome = await bidi(client, []);
      assert.strictEqual(outcome.status.code, Status.DATA_LOSS);
      assert.strictEqual(outcome.status.details, 'broken');
    });

    it('applies backpressure to a server stream and delivers every message', async () => {
      const total = 200;
      const payload = 'x'.repeat(64 * 1024);
      let sawFullBuffer = false;
      const { client } = await start({
        async serverStream(call: any) {
          for (let i = 0; i < total; i++) {
            if (!call.write({ i, payload })) {
              sawFullBuffer = true;
              await new Promise(resolve => call.once('drain', resolve));
            }
          }
          call.end();
        },
      });
      const outcome = await collect(client.serverStream({}));
      assert.strictEqual(outcome.status.code, Status.OK);
      assert.strictEqual(outcome.messages.length, total);
      assert.deepStrictEqual(outcome.messages.map(m => m.i), [...Array(total).keys()]);
      assert.ok(sawFullBuffer, 'write() never returned false');
    });

    it('reads client-stream requests only as the handler consumes them', async () => {
      let readBeforeConsuming = -1;
      const { client } = await start({
        clientStream(call: any, callback: any) {
          // Give the client time to send everything, then see how much the stream buffered on its own.
          setTimeout(() => {
            readBeforeConsuming = call.readableLength;
            const values: number[] = [];
            call.on('data', (message: any) => values.push(message.value));
            call.on('end', () => callback(null, { count: values.length }));
          }, 100);
        },
      });
      const requests = [...Array(100).keys()].map(value => ({ value }));
      const outcome = await clientStream(client, requests);
      assert.strictEqual(outcome.error, null);
      assert.deepStrictEqual(outcome.response, { count: 100 });
      // Without a reader, the server requests no message from C-core at all.
      assert.strictEqual(readBeforeConsuming, 0);
    });
  });

  describe('errors', () => {
    it('answers UNIMPLEMENTED for an unknown method', async () => {
      const { target } = await start({});
      const other = grpcJs.makeGenericClientConstructor({ missing: {
        ...method('Missing', false, false), path: '/test.Other/Missing',
      } } as any, 'Other');
      const client = new other(target, grpcJs.credentials.createInsecure()) as any;
      const outcome = await unary(client, {}, new grpcJs.Metadata(), {}, 'missing' as any);
      client.close();
      assert.strictEqual(outcome.error!.code, Status.UNIMPLEMENTED);
      assert.match(outcome.error!.details, /\/test\.Other\/Missing/);
    });

    it('answers UNIMPLEMENTED for a method the implementation lacks', async () => {
      const { client } = await start({});
      const outcome = await unary(client, {});
      assert.strictEqual(outcome.error!.code, Status.UNIMPLEMENTED);
      assert.match(outcome.error!.details, /\/test\.Tester\/Unary/);
      const stream = await collect(client.serverStream({}));
      assert.strictEqual(stream.status.code, Status.UNIMPLEMENTED);
    });

    it('answers UNIMPLEMENTED to a unary call with zero or two requests', async () => {
      let called = false;
      const { target } = await start({
        unary: (call: any, callback: any) => {
          called = true;
          callback(null, {});
        },
      });
      // A client that treats the unary method as client-streaming can send any number of requests.
      const streaming = grpcJs.makeGenericClientConstructor({ unary: { ...service.unary, requestStream: true } } as any,
        'Streaming');
      const client = new streaming(target, grpcJs.credentials.createInsecure()) as any;
      const send = (count: number) => new Promise<grpcJs.ServiceError | null>(resolve => {
        const call = client.unary((error: grpcJs.ServiceError | null) => resolve(error));
        for (let i = 0; i < count; i++) {
          call.write({ i });
        }
        call.end();
      });
      const none = await send(0);
      const two = await send(2);
      client.close();
      assert.strictEqual(none!.code, Status.UNIMPLEMENTED);
      assert.match(none!.details, /Received no request message for unary method \/test\.Tester\/Unary/);
      assert.strictEqual(two!.code, Status.UNIMPLEMENTED);
      assert.match(two!.details, /Received a second request message for unary method/);
      assert.strictEqual(called, false);
    });

    it('answers UNKNOWN with the message when a handler throws', async () => {
      const { client } = await start({
        unary() {
          throw new Error('visible internals');
        },
        bidi() {
          throw new Error('visible internals');
        },
      });
      const outcome = await unary(client, {});
      assert.strictEqual(outcome.error!.code, Status.UNKNOWN);
      assert.match(outcome.error!.details, /visible internals/);
      const stream = await bidi(client, []);
      assert.strictEqual(stream.status.code, Status.UNKNOWN);
      assert.match(stream.status.details, /visible internals/);
    });

    it('hides the thrown message with GRPC_NODE_DEBUG_SEND_ERROR_DETAILS=false', async () => {
      process.env.GRPC_NODE_DEBUG_SEND_ERROR_DETAILS = 'false';
      let started: Running;
      try {
        started = await start({
          unary() {
            throw new Error('secret internals');
          },
        });
      } finally {
        delete process.env.GRPC_NODE_DEBUG_SEND_ERROR_DETAILS;
      }
      const outcome = await unary(started.client, {});
      assert.strictEqual(outcome.error!.code, Status.UNKNOWN);
      assert.strictEqual(outcome.error!.details, 'Unknown error');
    });

    it('answers UNKNOWN for an error that is not an object', async () => {
      for (const value of ['quota used up', 42, true]) {
        const { client } = await start({
          unary: (call: any, callback: any) => callback(value),
          clientStream(call: any, callback: any) {
            call.on('data', () => {});
            call.on('end', () => callback(value));
          },
          serverStream: (call: any) => call.emit('error', value),
          bidi: (call: any) => call.emit('error', value),
        });
        const outcomes = [
          (await unary(client, {})).status,
          (await clientStream(client, [{}])).status,
          (await collect(client.serverStream({}))).status,
          (await bidi(client, [])).status,
        ];
        for (const status of outcomes) {
          assert.strictEqual(status.code, Status.UNKNOWN, `${JSON.stringify(value)}: ${status.details}`);
          assert.strictEqual(status.details, String(value));
        }
      }
    });

    it('answers INTERNAL when a request cannot be deserialized', async () => {
      let called = false;
      const { target } = await start({
        unary: (call: any, callback: any) => {
          called = true;
          callback(null, {});
        },
      });
      const raw = grpcJs.makeGenericClientConstructor({ unary: {
        ...service.unary, requestSerialize: () => Buffer.from('not json'),
      } } as any, 'Raw');
      const client = new raw(target, grpcJs.credentials.createInsecure()) as any;
      const outcome = await unary(client, {});
      client.close();
      assert.strictEqual(outcome.error!.code, Status.INTERNAL);
      assert.match(outcome.error!.details, /^Error deserializing request: .*not valid JSON/);
      assert.strictEqual(called, false);
    });

    it('answers INTERNAL when a response cannot be serialized', async () => {
      const { client } = await start({
        unary(call: any, callback: any) {
          const cyclic: any = {};
          cyclic.self = cyclic;
          callback(null, cyclic);
        },
      });
      const outcome = await unary(client, {});
      assert.strictEqual(outcome.error!.code, Status.INTERNAL);
      assert.match(outcome.error!.details, /^Error serializing response/);
    });

    it('answers INTERNAL when a response serializer returns no Buffer', async () => {
      const results: Array<[string, unknown]> = [
        ['string', 'text'], ['number', 42], ['undefined', undefined], ['an object (Object)', {}],
        ['an object (Uint8Array)', new Uint8Array([123, 125])],
      ];
      for (const [described, result] of results) {
        const badService = { unary: { ...service.unary, responseSerialize: () => result } };
        const server = new Server();
        server.addService(badService as any, {
          unary: (call: any, callback: any) => callback(null, {}),
        });
        const port = await bind(server, '127.0.0.1:0');
        const client = new ClientClass(`127.0.0.1:${port}`, grpcJs.credentials.createInsecure()) as TestClient;
        running.push({ server, client, port, target: '' });
        const outcome = await unary(client, {});
        assert.strictEqual(outcome.status.code, Status.INTERNAL, `${described}: ${outcome.status.details}`);
        assert.strictEqual(outcome.status.details,
          `Error serializing response: the result of responseSerialize must be a Buffer, got ${described}`);
      }
    });

    it('answers RESOURCE_EXHAUSTED for a request over the receive limit', async () => {
      let called = false;
      const { client } = await start({
        unary: (call: any, callback: any) => {
          called = true;
          callback(null, {});
        },
      }, { 'grpc.max_receive_message_length': 100 });
      const outcome = await unary(client, { text: 'y'.repeat(500) });
      assert.strictEqual(outcome.error!.code, Status.RESOURCE_EXHAUSTED);
      assert.strictEqual(called, false);
    });

    it('answers RESOURCE_EXHAUSTED for a response over the send limit', async () => {
      const { client } = await start({
        unary: (call: any, callback: any) => callback(null, { text: 'z'.repeat(500) }),
      }, { 'grpc.max_send_message_length': 100 });
      const outcome = await unary(client, {});
      assert.strictEqual(outcome.error!.code, Status.RESOURCE_EXHAUSTED);
      assert.match(outcome.error!.details, /Sent message larger than max \(\d+ vs\. 100\)/);
    });
  });

  describe('sendMetadata', () => {
    const passThrough: ServerInterceptor = (methodDescriptor, call) => new ServerInterceptingCall(call);

    for (const [stack, options] of [['without', {}], ['with', { interceptors: [passThrough] }]] as const) {
      it(`rejects a non-Metadata argument ${stack} an interceptor`, async () => {
        const errors: unknown[] = [];
        const { client } = await start({
          unary(call: any, callback: any) {
            for (const value of ['x-id', 42, { 'x-id': '1' }]) {
              try {
                call.sendMetadata(value);
              } catch (error) {
                errors.push(error);
              }
            }
            const headers = new Metadata();
            headers.set('x-id', 'valid');
            call.sendMetadata(headers);
            callback(null, { answered: true });
          },
        }, options);
        const outcome = await unary(client, {});
        assert.strictEqual(outcome.error, null);
        assert.deepStrictEqual(outcome.response, { answered: true });
        assert.deepStrictEqual(outcome.metadata!.get('x-id'), ['valid']);
        assert.strictEqual(errors.length, 3);
        for (const error of errors) {
          assert.ok(error instanceof TypeError, String(error));
          assert.match(error.message, /^sendMetadata: responseMetadata must be a Metadata object, got /);
        }
      });

      it(`accepts null and undefined ${stack} an interceptor`, async () => {
        for (const value of [null, undefined]) {
          const { client } = await start({
            unary(call: any, callback: any) {
              call.sendMetadata(value);
              callback(null, { answered: true });
            },
          }, options);
          const outcome = await unary(client, {});
          assert.strictEqual(outcome.error, null);
          assert.deepStrictEqual(outcome.response, { answered: true });
        }
      });
    }
  });

  describe('cancellation and deadlines', () => {
    it('tells a handler that the client cancelled', async () => {
      let resolveCancelled: (value: boolean) => void;
      const cancelled = new Promise<boolean>(resolve => {
        resolveCancelled = resolve;
      });
      let resolveStarted: () => void;
      const started = new Promise<void>(resolve => {
        resolveStarted = resolve;
      });
      const { client } = await start({
        serverStream(call: any) {
          call.on('cancelled', () => resolveCancelled(call.cancelled));
          call.write({ first: true });
          resolveStarted();
        },
      });
      const call = client.serverStream({});
      const outcome = collect(call);
      await started;
      call.cancel();
      assert.strictEqual(await cancelled, true);
      assert.strictEqual((await outcome).status.code, Status.CANCELLED);
    });

    it('tells a handler that the deadline passed', async () => {
      let resolveCancelled: () => void;
      const cancelled = new Promise<void>(resolve => {
        resolveCancelled = resolve;
      });
      const { client } = await start({
        unary(call: any) {
          call.on('cancelled', () => resolveCancelled());
        },
      });
      const outcome = await unary(client, {}, new grpcJs.Metadata(), { deadline: Date.now() + 200 });
      assert.strictEqual(outcome.error!.code, Status.DEADLINE_EXCEEDED);
      await cancelled;
    });

    it('emits cancelled after a call ends normally, as grpc-js 1.10 and later do', async () => {
      let resolveEvent: (value: boolean) => void;
      const event = new Promise<boolean>(resolve => {
        resolveEvent = resolve;
      });
      const { client } = await start({
        unary(call: any, callback: any) {
          call.on('cancelled', () => resolveEvent(call.cancelled));
          callback(null, {});
        },
      });
      const outcome = await unary(client, {});
      assert.strictEqual(outcome.error, null);
      assert.strictEqual(await event, true);
    });

    it('propagates the deadline to a child call made with parent', async () => {
      let childDeadline: any;
      let parentDeadline: any;
      const started = await start({
        unary(call: any, callback: any) {
          childDeadline = call.getDeadline();
          callback(null, {});
        },
        serverStream(call: any) {
          parentDeadline = call.getDeadline();
          const child = new Client(started.target, ChannelCredentials.createInsecure());
          child.makeUnaryRequest('/test.Tester/Unary', serialize, deserialize, {}, new Metadata(),
            { parent: call }, (error: any) => {
              child.close();
              if (error) {
                call.emit('error', error);
              } else {
                call.end();
              }
            });
        },
      });
      const outcome = await collect(started.client.serverStream({}, { deadline: Date.now() + 60_000 }));
      assert.strictEqual(outcome.status.code, Status.OK, outcome.status.details);
      // Without propagation the child call would have no deadline. With it, the child's deadline is the parent's,
      // give or take the rounding of the grpc-timeout header.
      assert.ok(Number.isFinite(childDeadline), `child deadline ${childDeadline}`);
      assert.ok(Math.abs(childDeadline - parentDeadline) < 1_000, `child ${childDeadline}, parent ${parentDeadline}`);
    });

    it('returns the C-core call from _getNativeCall', async () => {
      let nativeCall: any;
      const { client } = await start({
        unary(call: any, callback: any) {
          nativeCall = call._getNativeCall();
          callback(null, {});
        },
      });
      await unary(client, {});
      assert.strictEqual(typeof nativeCall.startBatch, 'function');
      assert.strictEqual(typeof nativeCall.getPeer, 'function');
    });
  });

  describe('async handlers', () => {
    it('answers with the value of a returned Promise', async () => {
      const { client } = await start({
        unary: async (call: any) => ({ doubled: call.request.n * 2 }),
      });
      const outcome = await unary(client, { n: 21 });
      assert.strictEqual(outcome.error, null);
      assert.deepStrictEqual(outcome.response, { doubled: 42 });
    });

    it('answers with the status of a rejected Promise', async () => {
      const { client } = await start({
        unary: async () => {
          throw Object.assign(new Error('no such user'), { code: Status.NOT_FOUND });
        },
      });
      const outcome = await unary(client, {});
      assert.strictEqual(outcome.error!.code, Status.NOT_FOUND);
      assert.strictEqual(outcome.error!.details, 'no such user');
    });

    it('keeps async handlers that answer through the callback working', async () => {
      const { client } = await start({
        unary: async (call: any, callback: any) => {
          await new Promise(resolve => setImmediate(resolve));
          setImmediate(() => callback(null, { late: true }));
        },
      });
      const outcome = await unary(client, {});
      assert.strictEqual(outcome.error, null);
      assert.deepStrictEqual(outcome.response, { late: true });
    });

    it('iterates client-stream requests with for await', async () => {
      const { client } = await start({
        clientStream: async (call: any) => {
          let sum = 0;
          for await (const message of call) {
            sum += message.value;
          }
          return { sum };
        },
      });
      const outcome = await clientStream(client, [{ value: 4 }, { value: 5 }, { value: 6 }]);
      assert.strictEqual(outcome.error, null);
      assert.deepStrictEqual(outcome.response, { sum: 15 });
    });

    it('streams the values of an async generator', async () => {
      const { client } = await start({
        serverStream: async function* (call: any) {
          for (let i = 0; i < call.request.count; i++) {
            yield { index: i };
          }
        },
      });
      const outcome = await collect(client.serverStream({ count: 4 }));
      assert.strictEqual(outcome.status.code, Status.OK);
      assert.deepStrictEqual(outcome.messages.map(m => m.index), [0, 1, 2, 3]);
    });

    it('answers a bidi call from an async generator over the requests', async () => {
      const { client } = await start({
        bidi: async function* (call: any) {
          for await (const message of call) {
            yield { upper: message.text.toUpperCase() };
          }
        },
      });
      const outcome = await bidi(client, [{ text: 'ab' }, { text: 'cd' }]);
      assert.strictEqual(outcome.status.code, Status.OK);
      assert.deepStrictEqual(outcome.messages, [{ upper: 'AB' }, { upper: 'CD' }]);
    });

    it('ends a stream with the status of a generator that throws', async () => {
      const { client } = await start({
        serverStream: async function* () {
          yield { index: 0 };
          throw Object.assign(new Error('ran out'), { code: Status.OUT_OF_RANGE });
        },
      });
      const outcome = await collect(client.serverStream({}));
      assert.deepStrictEqual(outcome.messages, [{ index: 0 }]);
      assert.strictEqual(outcome.status.code, Status.OUT_OF_RANGE);
      assert.strictEqual(outcome.status.details, 'ran out');
    });

    it('stops a generator when the client cancels', async () => {
      let resolveFinished: () => void;
      const finished = new Promise<void>(resolve => {
        resolveFinished = resolve;
      });
      const { client } = await start({
        serverStream: async function* () {
          try {
            for (let i = 0; ; i++) {
              yield { index: i };
              await new Promise(resolve => setImmediate(resolve));
            }
          } finally {
            resolveFinished();
          }
        },
      });
      const call = client.serverStream({});
      const outcome = collect(call);
      call.once('data', () => call.cancel());
      assert.strictEqual((await outcome).status.code, Status.CANCELLED);
      await finished;
    });
  });

  describe('interceptors', () => {
    const requireToken: ServerInterceptor = (methodDescriptor, call) => new ServerInterceptingCall(call,
      new ResponderBuilder()
        .withStart(next => {
          next(new ServerListenerBuilder()
            .withOnReceiveMetadata((metadata, nextMetadata) => {
              if (metadata.get('authorization')[0] === 'Bearer good') {
                nextMetadata(metadata);
              } else {
                call.sendStatus({ code: Status.UNAUTHENTICATED, details: 'missing or bad token' });
              }
            })
            .build());
        })
        .build());

    it('rejects a call in onReceiveMetadata', async () => {
      let handled = 0;
      const { client } = await start({
        unary: (call: any, callback: any) => {
          handled += 1;
          callback(null, {});
        },
      }, { interceptors: [requireToken] });
      const denied = await unary(client, {});
      assert.strictEqual(denied.error!.code, Status.UNAUTHENTICATED);
      assert.strictEqual(denied.error!.details, 'missing or bad token');
      const metadata = new grpcJs.Metadata();
      metadata.set('authorization', 'Bearer good');
      const allowed = await unary(client, {}, metadata);
      assert.strictEqual(allowed.error, null);
      assert.strictEqual(handled, 1);
    });

    it('changes messages, metadata and status in both directions', async () => {
      const rewrite: ServerInterceptor = (methodDescriptor, call) => new ServerInterceptingCall(call, {
        start: next => next({
          onReceiveMessage: (message, nextMessage) => nextMessage({ ...message, seenBy: methodDescriptor.path }),
        }),
        sendMetadata: (metadata, nextMetadata) => {
          metadata.set('x-intercepted', 'headers');
          nextMetadata(metadata);
        },
        sendMessage: (message, nextMessage) => setImmediate(() => nextMessage({ wrapped: message })),
        sendStatus: (status, nextStatus) => {
          const metadata = status.metadata ?? new Metadata();
          metadata.set('x-intercepted', 'trailers');
          nextStatus({ ...status, metadata });
        },
      });
      const { client } = await start({
        bidi(call: any) {
          call.on('data', (message: any) => call.write(message));
          call.on('end', () => call.end());
        },
      }, { interceptors: [rewrite] });
      const call = client.bidi();
      let headers: grpcJs.Metadata | undefined;
      call.on('metadata', (metadata: grpcJs.Metadata) => {
        headers = metadata;
      });
      const outcome = collect(call);
      call.write({ n: 1 });
      call.write({ n: 2 });
      call.end();
      const { messages, status } = await outcome;
      assert.strictEqual(status.code, Status.OK);
      assert.deepStrictEqual(messages, [
        { wrapped: { n: 1, seenBy: '/test.Tester/Bidi' } },
        { wrapped: { n: 2, seenBy: '/test.Tester/Bidi' } },
      ]);
      assert.deepStrictEqual(headers!.get('x-intercepted'), ['headers']);
      assert.deepStrictEqual(status.metadata.get('x-intercepted'), ['trailers']);
    });

    it('runs interceptors in grpc-js order', async () => {
      const order: string[] = [];
      const named = (name: string): ServerInterceptor => (methodDescriptor, call) => new ServerInterceptingCall(call, {
        start: next => next({
          onReceiveMetadata: (metadata, nextMetadata) => {
            order.push(`${name} metadata`);
            nextMetadata(metadata);
          },
        }),
        sendStatus: (status, nextStatus) => {
          order.push(`${name} status`);
          nextStatus(status);
        },
      });
      const { client } = await start({
        unary: (call: any, callback: any) => callback(null, {}),
      }, { interceptors: [named('first'), named('second')] });
      const outcome = await unary(client, {});
      assert.strictEqual(outcome.error, null);
      // The first interceptor is the innermost: it gets inbound events first and outbound operations last.
      assert.deepStrictEqual(order, ['first metadata', 'second metadata', 'second status', 'first status']);
    });

    it('passes cancellation to an interceptor listener', async () => {
      let resolveCancel: () => void;
      const cancelSeen = new Promise<void>(resolve => {
        resolveCancel = resolve;
      });
      const watchCancel: ServerInterceptor = (methodDescriptor, call) => new ServerInterceptingCall(call, {
        start: next => next({ onCancel: () => resolveCancel() }),
      });
      const { client } = await start({ unary() {} }, { interceptors: [watchCancel] });
      const outcome = await unary(client, {}, new grpcJs.Metadata(), { deadline: Date.now() + 200 });
      assert.strictEqual(outcome.error!.code, Status.DEADLINE_EXCEEDED);
      await cancelSeen;
    });
  });

  describe('bindAsync', () => {
    it('binds 127.0.0.1:0, [::1]:0, localhost:0 and [::]:0 to a chosen port', async () => {
      for (const address of ['127.0.0.1:0', '[::1]:0', 'localhost:0', '[::]:0']) {
        const server = new Server();
        server.addService(service as any, { unary: (call: any, callback: any) => callback(null, { address }) });
        const port = await bind(server, address);
        assert.ok(port > 0, `${address} gave port ${port}`);
        const host = address.startsWith('[::1]') ? '[::1]' : '127.0.0.1';
        const client = new ClientClass(`${host}:${port}`, grpcJs.credentials.createInsecure()) as TestClient;
        running.push({ server, client, port, target: `${host}:${port}` });
        const outcome = await unary(client, {});
        assert.strictEqual(outcome.error, null, `${address}: ${outcome.error?.message}`);
        assert.deepStrictEqual(outcome.response, { address });
      }
    });

    it('binds unix:///absolute and unix-abstract: addresses', async () => {
      const socket = tempSocketPath();
      const absolute = await start({ unary: (call: any, callback: any) => callback(null, { via: 'absolute' }) },
        undefined, `unix://${socket}`);
      assert.deepStrictEqual((await unary(absolute.client, {})).response, { via: 'absolute' });
      assert.ok(fs.existsSync(socket));

      // grpc-js 1.14 clients cannot dial unix-abstract: targets, so this client is grpc-native's own.
      const name = `grpc-native-test-${process.pid}`;
      const abstract = await start({ unary: (call: any, callback: any) => callback(null, { via: 'abstract' }) },
        undefined, `unix-abstract:${name}`);
      assert.strictEqual(abstract.port, 1);
      const client = new Client(`unix-abstract:${name}`, ChannelCredentials.createInsecure());
      const response = await new Promise((resolve, reject) => {
        client.makeUnaryRequest('/test.Tester/Unary', serialize, deserialize, {}, (error: any, value: any) => {
          client.close();
          if (error) {
            reject(error);
          } else {
            resolve(value);
          }
        });
      });
      assert.deepStrictEqual(response, { via: 'abstract' });
    });

    it('gives an Error to the callback for a port in use', async () => {
      const blocker = net.createServer();
      await new Promise<void>(resolve => blocker.listen(0, '127.0.0.1', resolve));
      const busyPort = (blocker.address() as net.AddressInfo).port;
      try {
        const server = new Server();
        const error = await bind(server, `127.0.0.1:${busyPort}`).then(() => null, (e: Error) => e);
        assert.ok(error instanceof Error);
        assert.match(error.message, new RegExp(`Failed to bind port "127.0.0.1:${busyPort}"`));
        server.forceShutdown();
      } finally {
        blocker.close();
      }
    });

    it('returns the same port when an address is bound twice', async () => {
      const server = new Server();
      const port = await bind(server, '127.0.0.1:0');
      assert.strictEqual(await bind(server, `127.0.0.1:${port}`), port);
      server.forceShutdown();
    });

    it('rejects invalid arguments', () => {
      const server = new Server();
      const creds = ServerCredentials.createInsecure();
      assert.throws(() => server.bindAsync(5 as any, creds, () => {}), /port must be a string/);
      assert.throws(() => server.bindAsync('127.0.0.1:0', {} as any, () => {}), /creds must be a ServerCredentials/);
      assert.throws(() => server.bindAsync('127.0.0.1:0', creds, undefined as any), /callback must be a function/);
      assert.throws(() => server.bindAsync('no-port', creds, () => {}), /Invalid port "no-port"/);
      assert.throws(() => server.bindAsync('127.0.0.1:70000', creds, () => {}), /at most 65535/);
      assert.throws(() => server.bindAsync('unix:', creds, () => {}), /socket path is empty/);
    });

    it('serves handlers added after the bind', async () => {
      const server = new Server();
      const port = await bind(server, '127.0.0.1:0');
      server.addService(service as any, { unary: (call: any, callback: any) => callback(null, { late: true }) });
      const client = new ClientClass(`127.0.0.1:${port}`, grpcJs.credentials.createInsecure()) as TestClient;
      running.push({ server, client, port, target: '' });
      assert.deepStrictEqual((await unary(client, {})).response, { late: true });
    });

    it('throws after shutdown', async () => {
      const server = new Server();
      await shutdown(server);
      assert.throws(() => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), () => {}),
        /bindAsync called after shutdown/);
    });
  });

  describe('start', () => {
    it('throws before a bind and when called twice', async () => {
      const server = new Server();
      assert.throws(() => server.start(), /must be bound first/);
      await bind(server, '127.0.0.1:0');
      server.start();
      assert.throws(() => server.start(), /already started/);
      server.forceShutdown();
    });
  });

  describe('addService and register', () => {
    it('rejects a duplicate method and bad arguments', () => {
      const server = new Server();
      server.addService(service as any, {});
      assert.throws(() => server.addService(service as any, {}), /already registered/);
      assert.throws(() => server.addService(null as any, {}), /must both be objects/);
      assert.throws(() => server.addService({} as any, {}), /has no methods/);
      assert.throws(() => new Server().addService(service as any, { unary: 5 } as any), /must be a function/);
      assert.throws(() => server.register('/x/Y', (() => {}) as any, serialize, deserialize, 'sideways'),
        /must be unary, clientStream, serverStream or bidi/);
    });

    it('finds an implementation by originalName and unregisters with removeService', async () => {
      const renamed = { unary: { ...service.unary, originalName: 'Unary' } };
      const server = new Server();
      server.addService(renamed as any, { Unary: (call: any, callback: any) => callback(null, { found: true }) });
      const port = await bind(server, '127.0.0.1:0');
      const client = new ClientClass(`127.0.0.1:${port}`, grpcJs.credentials.createInsecure()) as TestClient;
      running.push({ server, client, port, target: '' });
      assert.deepStrictEqual((await unary(client, {})).response, { found: true });
      server.removeService(renamed as any);
      assert.strictEqual((await unary(client, {})).error!.code, Status.UNIMPLEMENTED);
    });
  });

  describe('shutdown', () => {
    it('tryShutdown waits for a call in progress', async () => {
      let answer: (() => void) | undefined;
      let resolveStarted: () => void;
      const started = new Promise<void>(resolve => {
        resolveStarted = resolve;
      });
      const { server, client, target } = await start({
        unary(call: any, callback: any) {
          answer = () => callback(null, { finished: true });
          resolveStarted();
        },
      });
      const outcome = unary(client, {});
      await started;
      let shutDown = false;
      const done = new Promise<void>(resolve => server.tryShutdown(() => {
        shutDown = true;
        resolve();
      }));
      // A new connection is refused once the shutdown started, and the shutdown still waits for the call in
      // progress.
      const newClient = new ClientClass(target, grpcJs.credentials.createInsecure()) as TestClient;
      const refused = await unary(newClient, {});
      newClient.close();
      assert.strictEqual(refused.error!.code, Status.UNAVAILABLE);
      assert.strictEqual(shutDown, false);
      answer!();
      assert.deepStrictEqual((await outcome).response, { finished: true });
      await done;
    });

    it('refuses new calls after tryShutdown', async () => {
      const { server, client } = await start({ unary: (call: any, callback: any) => callback(null, {}) });
      assert.strictEqual((await unary(client, {})).error, null);
      await shutdown(server);
      const outcome = await unary(client, {});
      assert.strictEqual(outcome.error!.code, Status.UNAVAILABLE);
    });

    it('forceShutdown cancels a call in progress', async () => {
      let resolveStarted: () => void;
      const started = new Promise<void>(resolve => {
        resolveStarted = resolve;
      });
      let resolveCancelled: () => void;
      const cancelled = new Promise<void>(resolve => {
        resolveCancelled = resolve;
      });
      const { server, client } = await start({
        unary(call: any) {
          call.on('cancelled', () => resolveCancelled());
          resolveStarted();
        },
      });
      const outcome = unary(client, {});
      await started;
      server.forceShutdown();
      const { error } = await outcome;
      assert.strictEqual(error!.code, Status.UNAVAILABLE);
      assert.strictEqual(error!.details, 'The server was shut down');
      await cancelled;
    });

    it('unbind stops one port and leaves the others serving', async () => {
      const server = new Server();
      server.addService(service as any, { unary: (call: any, callback: any) => callback(null, {}) });
      const first = await bind(server, '127.0.0.1:0');
      const second = await bind(server, '127.0.0.1:0');
      const firstClient = new ClientClass(`127.0.0.1:${first}`, grpcJs.credentials.createInsecure()) as TestClient;
      const secondClient = new ClientClass(`127.0.0.1:${second}`, grpcJs.credentials.createInsecure()) as TestClient;
      running.push({ server, client: firstClient, port: first, target: '' });
      running.push({ server, client: secondClient, port: second, target: '' });
      assert.throws(() => server.unbind('127.0.0.1:0'), /Cannot unbind port 0/);
      server.unbind(`127.0.0.1:${first}`);
      assert.strictEqual((await unary(firstClient, {})).error!.code, Status.UNAVAILABLE);
      assert.strictEqual((await unary(secondClient, {})).error, null);
    });

    it('rejects bad tryShutdown and unbind arguments', async () => {
      const { server, client, port } = await start({ unary: (call: any, callback: any) => callback(null, {}) });
      for (const value of ['x', 42, undefined]) {
        assert.throws(() => server.tryShutdown(value as any), (error: Error) =>
          error instanceof TypeError && /^tryShutdown: callback must be a function, got /.test(error.message));
      }
      assert.throws(() => server.unbind(port as any),
        (error: Error) => error instanceof TypeError && error.message === 'unbind: port must be a string, got number');
      // The rejected calls left the server serving.
      assert.strictEqual((await unary(client, {})).error, null);
    });

    it('calls back from tryShutdown on a server that never bound', async () => {
      await shutdown(new Server());
    });
  });

  describe('getMetricsRecorder', () => {
    it('sends the recorded metrics as an ORCA load report', async () => {
      const { client } = await start({
        unary(call: any, callback: any) {
          const recorder = call.getMetricsRecorder();
          recorder.recordCPUUtilizationMetric(0.5);
          recorder.recordQpsMetric(12.5);
          recorder.recordRequestCostMetric('db_reads', 3);
          recorder.recordNamedMetric('cache_hit', 1);
          callback(null, {});
        },
      }, { 'grpc.server_call_metric_recording': 1 });
      const outcome = await unary(client, {});
      assert.strictEqual(outcome.error, null);
      const [report] = outcome.status.metadata.get('endpoint-load-metrics-bin');
      assert.ok(Buffer.isBuffer(report), 'no load report trailer');

      // Decode with grpc-js's own ORCA reader, which its load balancers use.
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const { createMetricsReader } = require('@grpc/grpc-js/build/src/orca');
      let decoded: any;
      createMetricsReader((loadReport: unknown) => {
        decoded = loadReport;
      }, null)(Status.OK, 'OK', outcome.status.metadata);
      assert.strictEqual(decoded.cpu_utilization, 0.5);
      assert.strictEqual(decoded.rps_fractional, 12.5);
      assert.deepStrictEqual({ ...decoded.request_cost }, { db_reads: 3 });
      assert.deepStrictEqual({ ...decoded.named_metrics }, { cache_hit: 1 });
      assert.deepStrictEqual({ ...decoded.utilization }, {});
    });

    it('sends no load report without the server option', async () => {
      const { client } = await start({
        unary(call: any, callback: any) {
          call.getMetricsRecorder().recordCPUUtilizationMetric(0.5);
          callback(null, {});
        },
      });
      const outcome = await unary(client, {});
      assert.deepStrictEqual(outcome.status.metadata.get('endpoint-load-metrics-bin'), []);
    });
  });

  describe('compression', () => {
    it('works with gzip enabled on both sides', async () => {
      const { client } = await start({
        bidi(call: any) {
          call.on('data', (message: any) => call.write({ length: message.text.length }));
          call.on('end', () => call.end());
        },
      }, { 'grpc.default_compression_algorithm': 2 }, '127.0.0.1:0',
      { 'grpc.default_compression_algorithm': 2 });
      const text = 'compressible '.repeat(10_000);
      const outcome = await bidi(client, [{ text }, { text: 'short' }]);
      assert.strictEqual(outcome.status.code, Status.OK, outcome.status.details);
      assert.deepStrictEqual(outcome.messages, [{ length: text.length }, { length: 5 }]);
    });
  });

  describe('process lifetime', () => {
    it('lets the process exit once the server is shut down', async () => {
      const script = `
        const grpcJs = require('@grpc/grpc-js');
        const { Server } = require('./lib/server');
        const { ServerCredentials } = require('./lib/server-credentials');
        const codec = { requestSerialize: JSON.stringify, responseSerialize: v => Buffer.from(JSON.stringify(v)),
          requestDeserialize: b => JSON.parse(b), responseDeserialize: b => JSON.parse(b) };
        const service = { unary: { path: '/t.T/U', requestStream: false, responseStream: false, ...codec,
          requestSerialize: v => Buffer.from(JSON.stringify(v)) } };
        const server = new Server();
        server.addService(service, { unary: (call, callback) => callback(null, { ok: true }) });
        server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, port) => {
          const Client = grpcJs.makeGenericClientConstructor(service, 'T');
          const client = new Client('127.0.0.1:' + port, grpcJs.credentials.createInsecure());
          client.unary({}, (callError, response) => {
            console.log(JSON.stringify(response));
            client.close();
            server.tryShutdown(() => console.log('shut down'));
          });
        });
      `;
      const { code, stdout } = await runScriptInChild(script);
      assert.strictEqual(code, 0);
      assert.strictEqual(stdout, '{"ok":true}\nshut down\n');
    });
  });

  describe('TLS', () => {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { getTestCerts } = require('./helpers/certs');

    async function startTls(checkClientCertificate: boolean) {
      const certs = getTestCerts();
      const server = new Server();
      server.addService(service as any, {
        unary(call: any, callback: any) {
          authContext = call.getAuthContext();
          callback(null, { secure: true });
        },
      });
      let authContext: any;
      const credentials = ServerCredentials.createSsl(certs.ca.cert,
        [{ private_key: certs.server.key, cert_chain: certs.server.cert }], checkClientCertificate);
      const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', credentials,
        (error, boundPort) => (error ? reject(error) : resolve(boundPort))));
      return { server, port, certs, authContext: () => authContext };
    }

    function tlsClient(port: number, channelCredentials: grpcJs.ChannelCredentials): TestClient {
      return new ClientClass(`127.0.0.1:${port}`, channelCredentials,
        { 'grpc.ssl_target_name_override': 'localhost' }) as TestClient;
    }

    it('serves a grpc-js client over TLS', async () => {
      const { server, port, certs } = await startTls(false);
      const client = tlsClient(port, grpcJs.credentials.createSsl(certs.ca.cert));
      running.push({ server, client, port, target: '' });
      const outcome = await unary(client, {});
      assert.strictEqual(outcome.error, null);
      assert.strictEqual(outcome.response.secure, true);
    });

    it('requires and reports a client certificate', async () => {
      const { server, port, certs, authContext } = await startTls(true);
      const anonymous = tlsClient(port, grpcJs.credentials.createSsl(certs.ca.cert));
      const authenticated = tlsClient(port,
        grpcJs.credentials.createSsl(certs.ca.cert, certs.client.key, certs.client.cert));
      running.push({ server, client: anonymous, port, target: '' });
      running.push({ server, client: authenticated, port, target: '' });
      assert.strictEqual((await unary(anonymous, {})).error!.code, Status.UNAVAILABLE);
      const outcome = await unary(authenticated, {});
      assert.strictEqual(outcome.error, null);
      assert.strictEqual(outcome.response.secure, true);
      assert.strictEqual(authContext().transportSecurityType, 'ssl');
      assert.strictEqual(authContext().sslPeerCertificate.subject.CN, 'client');
    });
  });

  describe('getAuthContext', () => {
    it('reports an insecure connection', async () => {
      let authContext: any;
      const { client } = await start({
        unary(call: any, callback: any) {
          authContext = call.getAuthContext();
          callback(null, {});
        },
      });
      await unary(client, {});
      assert.strictEqual(authContext.transportSecurityType, 'insecure');
      assert.strictEqual(authContext.sslPeerCertificate, undefined);
    });
  });
});
