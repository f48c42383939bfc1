// The client API end to end: our client, over C-core, against a @grpc/grpc-js server on 127.0.0.1.
import * as assert from 'assert';
import * as net from 'net';
import * as grpcJs from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import * as grpc from '../lib/index';
import type { ServiceError } from '../lib/call';
import { InterceptingCall, Interceptor } from '../lib/client-interceptors';
import { Server } from '../lib/server';
import { ServerCredentials } from '../lib/server-credentials';

type Json = any;

const serialize = (value: Json): Buffer => Buffer.from(JSON.stringify(value));
const deserialize = (bytes: Buffer): Json => JSON.parse(bytes.toString());

function methodDefinition(name: string, requestStream: boolean, responseStream: boolean) {
  return {
    path: `/test.Test/${name}`,
    requestStream,
    responseStream,
    requestSerialize: serialize,
    requestDeserialize: deserialize,
    responseSerialize: serialize,
    responseDeserialize: deserialize,
  };
}

const TEST_SERVICE = {
  Echo: methodDefinition('Echo', false, false),
  Sum: methodDefinition('Sum', true, false),
  First: methodDefinition('First', true, false),
  Range: methodDefinition('Range', false, true),
  Chat: methodDefinition('Chat', true, true),
};

/** Copies the request's `x-*` metadata into the response headers and trailers, so the client can check them. */
function echoMetadata(call: { metadata: grpcJs.Metadata }): grpcJs.Metadata {
  const echoed = new grpcJs.Metadata();
  for (const [key, values] of Object.entries(call.metadata.toJSON())) {
    if (key.startsWith('x-')) {
      for (const value of values) {
        echoed.add(key, value as string | Buffer);
      }
    }
  }
  echoed.add('x-multi', 'a');
  echoed.add('x-multi', 'b');
  return echoed;
}

/** Ends a grpc-js call with the error that a request's `fail` field describes. */
function failure(request: Json): Partial<grpcJs.StatusObject> {
  const trailers = new grpcJs.Metadata();
  trailers.set('x-failure', 'yes');
  return { code: request.fail.code, details: request.fail.details, metadata: trailers };
}

const handlers = {
  Echo(call: grpcJs.ServerUnaryCall<Json, Json>, callback: grpcJs.sendUnaryData<Json>) {
    const request = call.request;
    call.sendMetadata(echoMetadata(call));
    if (request.fail) {
      callback(failure(request));
      return;
    }
    if (request.replySize) {
      callback(null, { padding: 'x'.repeat(request.replySize) });
      return;
    }
    const reply = () => callback(null, { echo: request, metadata: call.metadata.toJSON(), host: call.getHost() },
      echoMetadata(call));
    if (request.delayMs) {
      const timer = setTimeout(reply, request.delayMs);
      call.on('cancelled', () => clearTimeout(timer));
    } else {
      reply();
    }
  },

  Sum(call: grpcJs.ServerReadableStream<Json, Json>, callback: grpcJs.sendUnaryData<Json>) {
    let total = 0;
    let count = 0;
    call.on('data', (value: Json) => {
      total += value.n;
      count += 1;
    });
    call.on('end', () => callback(null, { total, count }));
  },

  // Replies to the first message without waiting for the client to finish sending.
  First(call: grpcJs.ServerReadableStream<Json, Json>, callback: grpcJs.sendUnaryData<Json>) {
    call.once('data', (value: Json) => callback(null, { first: value }));
  },

  Range(call: grpcJs.ServerWritableStream<Json, Json>) {
    const request = call.request;
    call.sendMetadata(echoMetadata(call));
    for (let i = 0; i < request.count; i++) {
      call.write({ i });
    }
    if (request.fail) {
      call.emit('error', failure(request));
      return;
    }
    if (request.hold) {
      // Keeps the stream open until the client cancels.
      return;
    }
    call.end();
  },

  Chat(call: grpcJs.ServerDuplexStream<Json, Json>) {
    call.on('data', (value: Json) => call.write({ reply: value }));
    call.on('end', () => call.end());
  },
};

let server: grpcJs.Server;
let address: string;

function startServer(): Promise<void> {
  server = new grpcJs.Server();
  server.addService(TEST_SERVICE as any, handlers as any);
  return new Promise((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpcJs.ServerCredentials.createInsecure(), (error, port) => {
      if (error) {
        reject(error);
        return;
      }
      address = `127.0.0.1:${port}`;
      resolve();
    });
  });
}

/** Returns a loopback port with nothing listening on it. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

function unary(client: grpc.Client, request: Json, metadata = new grpc.Metadata(), options: grpc.CallOptions = {}) {
  return new Promise<{ error: ServiceError | null; response: Json; call: grpc.ClientUnaryCall }>((resolve) => {
    // An interceptor may end the call inside makeUnaryRequest, before `call` is assigned, so resolve later.
    const call = client.makeUnaryRequest('/test.Test/Echo', serialize, deserialize, request, metadata, options,
      (error, response) => setImmediate(() => resolve({ error, response, call })));
  });
}

function collect(stream: grpc.ClientReadableStream<Json>) {
  return new Promise<{ messages: Json[]; error: ServiceError | null; status: grpc.StatusObject }>((resolve) => {
    const messages: Json[] = [];
    let error: ServiceError | null = null;
    stream.on('data', (message) => messages.push(message));
    stream.on('error', (streamError: ServiceError) => {
      error = streamError;
    });
    stream.on('status', (status) => resolve({ messages, error, status }));
  });
}

describe('Client against a grpc-js server', () => {
  let client: grpc.Client;

  before(startServer);

  after(() => {
    server.forceShutdown();
  });

  beforeEach(() => {
    client = new grpc.Client(address, grpc.credentials.createInsecure());
  });

  afterEach(() => {
    client.close();
  });

  describe('unary calls', () => {
    it('returns the response and emits metadata and status', async () => {
      const events: string[] = [];
      const result = await new Promise<Json>((resolve, reject) => {
        const call = client.makeUnaryRequest('/test.Test/Echo', serialize, deserialize, { text: 'hi' },
          (error, response) => {
            events.push('callback');
            if (error) {
              reject(error);
            } else {
              resolve(response);
            }
          });
        call.on('metadata', () => events.push('metadata'));
        call.on('status', (status) => {
          events.push('status');
          assert.strictEqual(status.code, grpc.status.OK);
        });
      });
      assert.deepStrictEqual(result.echo, { text: 'hi' });
      await new Promise(setImmediate);
      assert.deepStrictEqual(events, ['metadata', 'callback', 'status']);
    });

    it('sends and receives text and binary metadata', async () => {
      const metadata = new grpc.Metadata();
      metadata.add('x-text', 'one');
      metadata.add('x-text', 'two');
      metadata.set('x-data-bin', Buffer.from([0, 1, 254, 255]));
      let headers: grpc.Metadata | undefined;
      let trailers: grpc.Metadata | undefined;
      const { error, response } = await new Promise<{ error: ServiceError | null; response: Json }>((resolve) => {
        const call = client.makeUnaryRequest('/test.Test/Echo', serialize, deserialize, {}, metadata,
          (callError, callResponse) => resolve({ error: callError, response: callResponse }));
        call.on('metadata', (received) => {
          headers = received;
        });
        call.on('status', (status) => {
          trailers = status.metadata;
        });
      });
      assert.strictEqual(error, null);
      // Node's HTTP/2 server joins repeated headers, so the grpc-js server receives both values in one.
      assert.deepStrictEqual(response.metadata['x-text'], ['one, two']);
      assert.deepStrictEqual(headers!.get('x-text'), ['one, two']);
      assert.deepStrictEqual(headers!.get('x-multi'), ['a', 'b']);
      assert.deepStrictEqual(headers!.get('x-data-bin'), [Buffer.from([0, 1, 254, 255])]);
      await new Promise(setImmediate);
      assert.deepStrictEqual(trailers!.get('x-text'), ['one, two']);
      assert.deepStrictEqual(trailers!.get('x-multi'), ['a', 'b']);
      assert.deepStrictEqual(trailers!.get('x-data-bin'), [Buffer.from([0, 1, 254, 255])]);
    });

    it('fails with the server status, details and trailers', async () => {
      const { error } = await unary(client, { fail: { code: grpc.status.NOT_FOUND, details: 'no such thing' } });
      assert.ok(error instanceof Error);
      assert.strictEqual(error.code, grpc.status.NOT_FOUND);
      assert.strictEqual(error.details, 'no such thing');
      assert.strictEqual(error.message, '5 NOT_FOUND: no such thing');
      assert.deepStrictEqual(error.metadata.get('x-failure'), ['yes']);
    });

    it('error stack names the line that made the call', async () => {
      const { error } = await unary(client, { fail: { code: grpc.status.ABORTED, details: 'stop' } });
      assert.match(error!.stack!, /for call at/);
      assert.match(error!.stack!, /client\.test\.ts/);
    });

    it('fails with DEADLINE_EXCEEDED past the deadline', async () => {
      const { error } = await unary(client, { delayMs: 5000 }, new grpc.Metadata(),
        { deadline: Date.now() + 100 });
      assert.strictEqual(error?.code, grpc.status.DEADLINE_EXCEEDED);
    });

    it('accepts a Date deadline', async () => {
      const { error, response } = await unary(client, { text: 'dated' }, new grpc.Metadata(),
        { deadline: new Date(Date.now() + 10000) });
      assert.strictEqual(error, null);
      assert.deepStrictEqual(response.echo, { text: 'dated' });
    });

    it('cancel ends the call with CANCELLED', async () => {
      const outcome = new Promise<ServiceError | null>((resolve) => {
        const call = client.makeUnaryRequest('/test.Test/Echo', serialize, deserialize, { delayMs: 5000 },
          (error) => resolve(error));
        call.on('metadata', () => call.cancel());
      });
      const error = await outcome;
      assert.strictEqual(error?.code, grpc.status.CANCELLED);
      assert.strictEqual(error?.details, 'Cancelled on client');
    });

    it('fails with UNIMPLEMENTED for an unknown method', async () => {
      const error = await new Promise<ServiceError | null>((resolve) => {
        client.makeUnaryRequest('/test.Test/Missing', serialize, deserialize, {}, (callError) => resolve(callError));
      });
      assert.strictEqual(error?.code, grpc.status.UNIMPLEMENTED);
    });

    it('host option sets the authority', async () => {
      const { error, response } = await unary(client, {}, new grpc.Metadata(), { host: 'custom.example:1234' });
      assert.strictEqual(error, null);
      assert.strictEqual(response.host, 'custom.example:1234');
    });

    it('a call invocation transformer may change the call', async () => {
      const transformed = new grpc.Client(address, grpc.credentials.createInsecure(), {
        callInvocationTransformer: (properties) => {
          const metadata = properties.metadata.clone();
          metadata.set('x-transformed', 'yes');
          return { ...properties, metadata, argument: { replaced: true } };
        },
      });
      try {
        const { error, response } = await unary(transformed, { original: true });
        assert.strictEqual(error, null);
        assert.deepStrictEqual(response.echo, { replaced: true });
        assert.deepStrictEqual(response.metadata['x-transformed'], ['yes']);
      } finally {
        transformed.close();
      }
    });

    it('rejects a response over 4 MiB by default', async () => {
      const { error } = await unary(client, { replySize: 5 * 1024 * 1024 });
      assert.strictEqual(error?.code, grpc.status.RESOURCE_EXHAUSTED);
    });

    it('grpc.max_receive_message_length raises the limit', async () => {
      const large = new grpc.Client(address, grpc.credentials.createInsecure(),
        { 'grpc.max_receive_message_length': 8 * 1024 * 1024 });
      try {
        const { error, response } = await unary(large, { replySize: 5 * 1024 * 1024 });
        assert.strictEqual(error, null);
        assert.strictEqual(response.padding.length, 5 * 1024 * 1024);
      } finally {
        large.close();
      }
    });

    it('reports the peer address', async () => {
      const { call } = await unary(client, {});
      assert.match(call.getPeer(), /127\.0\.0\.1:\d+/);
    });

    it('fails with INTERNAL when the request cannot be serialized', async () => {
      const failing = () => {
        throw new Error('cannot encode');
      };
      const error = await new Promise<ServiceError | null>((resolve) => {
        client.makeUnaryRequest('/test.Test/Echo', failing, deserialize, {}, (callError) => resolve(callError));
      });
      assert.strictEqual(error?.code, grpc.status.INTERNAL);
      assert.strictEqual(error?.details, 'Request message serialization failure: cannot encode');
    });

    it('fails with INTERNAL when the serializer returns no Buffer', async () => {
      const results: Array<[string, unknown]> = [
        ['string', 'text'], ['number', 42], ['undefined', undefined], ['an object (Object)', {}],
        ['an object (Uint8Array)', new Uint8Array([123, 125])],
      ];
      for (const [described, result] of results) {
        const error = await new Promise<ServiceError | null>((resolve) => {
          client.makeUnaryRequest('/test.Test/Echo', () => result as Buffer, deserialize, {}, new grpc.Metadata(),
            { deadline: Date.now() + 10000 }, (callError) => resolve(callError));
        });
        assert.strictEqual(error?.code, grpc.status.INTERNAL, `${described}: ${error?.details}`);
        const reason = `the result of requestSerialize must be a Buffer, got ${described}`;
        assert.strictEqual(error?.details, `Request message serialization failure: ${reason}`);
      }
    });

    it('fails with INTERNAL when the response cannot be parsed', async () => {
      const failing = () => {
        throw new Error('cannot decode');
      };
      const error = await new Promise<ServiceError | null>((resolve) => {
        client.makeUnaryRequest('/test.Test/Echo', serialize, failing, {}, (callError) => resolve(callError));
      });
      assert.strictEqual(error?.code, grpc.status.INTERNAL);
      assert.strictEqual(error?.details, 'Response message parsing error: cannot decode');
    });
  });

  describe('client-streaming calls', () => {
    it('sends every written message', async () => {
      const result = await new Promise<Json>((resolve, reject) => {
        const call = client.makeClientStreamRequest('/test.Test/Sum', serialize, deserialize,
          (error: ServiceError | null, response?: Json) => (error ? reject(error) : resolve(response)));
        for (let n = 1; n <= 10; n++) {
          call.write({ n });
        }
        call.end();
      });
      assert.deepStrictEqual(result, { total: 55, count: 10 });
    });

    it('fails with INTERNAL when the serializer returns no Buffer', async () => {
      const toText = (value: Json) => JSON.stringify(value) as unknown as Buffer;
      const error = await new Promise<ServiceError | null>((resolve) => {
        const call = client.makeClientStreamRequest('/test.Test/Sum', toText, deserialize, new grpc.Metadata(),
          { deadline: Date.now() + 10000 }, (callError: ServiceError | null) => resolve(callError));
        call.on('error', () => {});
        call.write({ n: 1 });
        call.end();
      });
      assert.strictEqual(error?.code, grpc.status.INTERNAL, error?.details);
      assert.match(error!.details, /the result of requestSerialize must be a Buffer, got string$/);
    });

    it('sends nothing when ended at once', async () => {
      const result = await new Promise<Json>((resolve, reject) => {
        const call = client.makeClientStreamRequest('/test.Test/Sum', serialize, deserialize, new grpc.Metadata(),
          {}, (error: ServiceError | null, response?: Json) => (error ? reject(error) : resolve(response)));
        call.end();
      });
      assert.deepStrictEqual(result, { total: 0, count: 0 });
    });
  });

  describe('server-streaming calls', () => {
    it('emits every message, then end and status', async () => {
      const stream = client.makeServerStreamRequest('/test.Test/Range', serialize, deserialize, { count: 5 });
      let ended = false;
      stream.on('end', () => {
        ended = true;
      });
      const { messages, error, status } = await collect(stream);
      assert.deepStrictEqual(messages, [0, 1, 2, 3, 4].map((i) => ({ i })));
      assert.strictEqual(error, null);
      assert.strictEqual(status.code, grpc.status.OK);
      await new Promise(setImmediate);
      assert.strictEqual(ended, true);
    });

    it('emits error after the messages sent before it', async () => {
      const stream = client.makeServerStreamRequest('/test.Test/Range', serialize, deserialize,
        { count: 2, fail: { code: grpc.status.RESOURCE_EXHAUSTED, details: 'too many' } });
      const { messages, error, status } = await collect(stream);
      assert.deepStrictEqual(messages, [{ i: 0 }, { i: 1 }]);
      assert.strictEqual(error?.code, grpc.status.RESOURCE_EXHAUSTED);
      assert.strictEqual(error?.details, 'too many');
      assert.match(error!.stack!, /client\.test\.ts/);
      assert.strictEqual(status.code, grpc.status.RESOURCE_EXHAUSTED);
    });

    it('cancel stops an open stream', async () => {
      const stream = client.makeServerStreamRequest('/test.Test/Range', serialize, deserialize,
        { count: 1, hold: true });
      stream.once('data', () => stream.cancel());
      const { messages, error } = await collect(stream);
      assert.deepStrictEqual(messages, [{ i: 0 }]);
      assert.strictEqual(error?.code, grpc.status.CANCELLED);
    });

    it('is async-iterable', async () => {
      const stream = client.makeServerStreamRequest('/test.Test/Range', serialize, deserialize, { count: 3 });
      const messages: Json[] = [];
      for await (const message of stream) {
        messages.push(message);
      }
      assert.deepStrictEqual(messages, [{ i: 0 }, { i: 1 }, { i: 2 }]);
    });
  });

  describe('bidirectional-streaming calls', () => {
    it('echoes each message in order', async () => {
      const stream = client.makeBidiStreamRequest('/test.Test/Chat', serialize, deserialize);
      const result = collect(stream);
      for (let i = 0; i < 20; i++) {
        stream.write({ i });
      }
      stream.end();
      const { messages, error } = await result;
      assert.strictEqual(error, null);
      assert.strictEqual(messages.length, 20);
      assert.deepStrictEqual(messages[19], { reply: { i: 19 } });
    });

    it('takes metadata and options', async () => {
      const metadata = new grpc.Metadata();
      metadata.set('x-chat', 'hello');
      const stream = client.makeBidiStreamRequest('/test.Test/Chat', serialize, deserialize, metadata,
        { deadline: Date.now() + 10000 });
      const result = collect(stream);
      stream.end({ last: true });
      const { messages, status } = await result;
      assert.deepStrictEqual(messages, [{ reply: { last: true } }]);
      assert.strictEqual(status.code, grpc.status.OK);
    });
  });

  describe('propagation from a parent server call', () => {
    // Our server relays each call to the grpc-js server's slow Echo as a child call of the server call.
    let relayServer: Server;
    let relayAddress: string;
    let childOptions: grpc.CallOptions;
    let onRelayCall: () => void;
    let childOutcome: Promise<ServiceError | null>;

    before(async () => {
      relayServer = new Server();
      relayServer.addService({ Relay: methodDefinition('Relay', false, false) } as any, {
        Relay(call: any, callback: any) {
          childOutcome = new Promise((resolve) => {
            client.makeUnaryRequest('/test.Test/Echo', serialize, deserialize, { delayMs: call.request.delayMs },
              new grpc.Metadata(), { ...childOptions, parent: call }, (error) => {
                resolve(error);
                callback(error, {});
              });
          });
          onRelayCall();
        },
      });
      relayAddress = await new Promise<string>((resolve, reject) => {
        relayServer.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, port) =>
          (error ? reject(error) : resolve(`127.0.0.1:${port}`)));
      });
    });

    after(() => {
      relayServer.forceShutdown();
    });

    function callRelay(delayMs: number, options: grpc.CallOptions) {
      const relayClient = new grpc.Client(relayAddress, grpc.credentials.createInsecure());
      const started = new Promise<void>((resolve) => {
        onRelayCall = resolve;
      });
      const call = relayClient.makeUnaryRequest('/test.Test/Relay', serialize, deserialize, { delayMs },
        options, () => relayClient.close());
      return { call, started };
    }

    it('the child call inherits the deadline', async () => {
      // Without CANCELLATION, because the server cancels the parent once its deadline passes, and that would race
      // with the child's own deadline.
      childOptions = { propagate_flags: grpc.propagate.DEADLINE };
      const { started } = callRelay(5000, { deadline: Date.now() + 300 });
      await started;
      const error = await childOutcome;
      assert.strictEqual(error?.code, grpc.status.DEADLINE_EXCEEDED);
    });

    it('cancelling the parent cancels the child', async () => {
      childOptions = {};
      const { call, started } = callRelay(5000, {});
      await started;
      call.cancel();
      const error = await childOutcome;
      assert.strictEqual(error?.code, grpc.status.CANCELLED);
    });

    it('propagate_flags 0 keeps the child independent', async () => {
      childOptions = { propagate_flags: 0 };
      const { call, started } = callRelay(300, {});
      await started;
      call.cancel();
      const error = await childOutcome;
      assert.strictEqual(error, null);
    });
  });

  describe('interceptors', () => {
    function addHeader(key: string, value: string, log?: string[]): Interceptor {
      return (options, nextCall) =>
        new InterceptingCall(nextCall(options), {
          start(metadata, listener, next) {
            log?.push(`start ${key}`);
            metadata.set(key, value);
            next(metadata, listener);
          },
        });
    }

    it('client interceptors run outermost first', async () => {
      const log: string[] = [];
      const intercepted = new grpc.Client(address, grpc.credentials.createInsecure(), {
        interceptors: [addHeader('x-first', '1', log), addHeader('x-second', '2', log)],
      });
      try {
        const { error, response } = await unary(intercepted, {});
        assert.strictEqual(error, null);
        assert.deepStrictEqual(log, ['start x-first', 'start x-second']);
        assert.deepStrictEqual(response.metadata['x-first'], ['1']);
        assert.deepStrictEqual(response.metadata['x-second'], ['2']);
      } finally {
        intercepted.close();
      }
    });

    it('call interceptors replace client interceptors', async () => {
      const intercepted = new grpc.Client(address, grpc.credentials.createInsecure(), {
        interceptors: [addHeader('x-client', 'yes')],
      });
      try {
        const { response } = await unary(intercepted, {}, new grpc.Metadata(),
          { interceptors: [addHeader('x-call', 'yes')] });
        assert.deepStrictEqual(response.metadata['x-call'], ['yes']);
        assert.strictEqual(response.metadata['x-client'], undefined);
      } finally {
        intercepted.close();
      }
    });

    it('providers receive the method definition', async () => {
      const seen: string[] = [];
      const provider = (definition: any) => {
        seen.push(definition.path);
        return addHeader('x-provided', 'yes');
      };
      const { response } = await unary(client, {}, new grpc.Metadata(), { interceptor_providers: [provider] });
      assert.deepStrictEqual(seen, ['/test.Test/Echo']);
      assert.deepStrictEqual(response.metadata['x-provided'], ['yes']);
    });

    it('a listener may change the response and status', async () => {
      const rewrite: Interceptor = (options, nextCall) =>
        new InterceptingCall(nextCall(options), {
          start(metadata, listener, next) {
            next(metadata, {
              onReceiveMessage(message, nextMessage) {
                nextMessage({ ...message, rewritten: true });
              },
              onReceiveStatus(status, nextStatus) {
                nextStatus({ ...status, details: 'rewritten status' });
              },
            });
          },
        });
      let details = '';
      const result = await new Promise<Json>((resolve) => {
        const call = client.makeUnaryRequest('/test.Test/Echo', serialize, deserialize, { text: 'x' },
          { interceptors: [rewrite] }, (_error, response) => resolve(response));
        call.on('status', (status) => {
          details = status.details;
        });
      });
      assert.strictEqual(result.rewritten, true);
      await new Promise(setImmediate);
      assert.strictEqual(details, 'rewritten status');
    });

    it('a delayed start keeps messages and half-close in order', async () => {
      const delayStart: Interceptor = (options, nextCall) =>
        new InterceptingCall(nextCall(options), {
          start(metadata, listener, next) {
            setTimeout(() => {
              metadata.set('x-delayed', 'yes');
              next(metadata, listener);
            }, 20);
          },
        });
      const result = await new Promise<Json>((resolve, reject) => {
        const call = client.makeClientStreamRequest('/test.Test/Sum', serialize, deserialize,
          { interceptors: [delayStart] },
          (error: ServiceError | null, response?: Json) => (error ? reject(error) : resolve(response)));
        call.write({ n: 2 });
        call.write({ n: 3 });
        call.end();
      });
      assert.deepStrictEqual(result, { total: 5, count: 2 });
    });

    it('an interceptor may end the call itself', async () => {
      const reject: Interceptor = (options, nextCall) =>
        new InterceptingCall(nextCall(options), {
          start(_metadata, listener) {
            listener.onReceiveStatus({
              code: grpc.status.PERMISSION_DENIED,
              details: 'blocked by interceptor',
              metadata: new grpc.Metadata(),
            });
          },
        });
      const { error } = await unary(client, {}, new grpc.Metadata(), { interceptors: [reject] });
      assert.strictEqual(error?.code, grpc.status.PERMISSION_DENIED);
      assert.strictEqual(error?.details, 'blocked by interceptor');
    });
  });

  describe('waitForReady', () => {
    it('calls back once connected', async () => {
      const error = await new Promise<Error | undefined>((resolve) =>
        client.waitForReady(Date.now() + 10000, resolve));
      assert.strictEqual(error, undefined);
      assert.strictEqual(client.getChannel().getConnectivityState(false), grpc.connectivityState.READY);
    });

    it('fails when the deadline passes', async () => {
      const port = await closedPort();
      const unreachable = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
      try {
        const error = await new Promise<Error | undefined>((resolve) =>
          unreachable.waitForReady(Date.now() + 300, resolve));
        assert.strictEqual(error?.message, 'Failed to connect before the deadline');
      } finally {
        unreachable.close();
      }
    });

    it('an invalid deadline throws', () => {
      assert.throws(() => client.waitForReady('later' as any, () => {}), /waitForReady: deadline must be a Date/);
    });

    it('fails on a closed client', async () => {
      const closing = new grpc.Client(address, grpc.credentials.createInsecure());
      closing.close();
      const error = await new Promise<Error | undefined>((resolve) =>
        grpc.waitForClientReady(closing, Date.now() + 1000, resolve));
      assert.strictEqual(error?.message, 'The channel has been closed');
    });
  });

  describe('bad arguments', () => {
    const echo = (...args: any[]) =>
      (client.makeUnaryRequest as any)('/test.Test/Echo', serialize, deserialize, {}, ...args);

    it('a unary call without a callback throws', () => {
      assert.throws(() => echo(), /Incorrect arguments passed/);
      assert.throws(() => echo(new grpc.Metadata()), /Incorrect arguments passed/);
      assert.throws(() => echo(new grpc.Metadata(), {}), /Incorrect arguments passed/);
    });

    it('a wrong metadata argument throws', () => {
      assert.throws(() => echo('metadata', () => {}), /Incorrect arguments passed/);
    });

    it('an invalid deadline throws', () => {
      assert.throws(() => echo({ deadline: 'soon' }, () => {}), /options\.deadline must be a Date or a number/);
      assert.throws(() => echo({ deadline: new Date('x') }, () => {}), /options\.deadline/);
    });

    it('an invalid parent or credentials throws', () => {
      assert.throws(() => echo({ parent: {} }, () => {}), /options\.parent must be a server call/);
      assert.throws(() => echo({ credentials: {} }, () => {}), /options\.credentials must be a CallCredentials/);
    });

    it('a method that is not a string throws', () => {
      assert.throws(
        () => (client.makeUnaryRequest as any)(42, serialize, deserialize, {}, () => {}),
        /method must be a string/,
      );
    });

    it('interceptors together with providers throw', () => {
      assert.throws(
        () => new grpc.Client(address, grpc.credentials.createInsecure(), {
          interceptors: [addNothing],
          interceptor_providers: [() => addNothing],
        }),
        /Only one of these is allowed/,
      );
      assert.throws(
        () => echo({ interceptors: [addNothing], interceptor_providers: [() => addNothing] }, () => {}),
        /Only one of these is allowed/,
      );
    });

    it('credentials that are not ChannelCredentials throw', () => {
      assert.throws(() => new grpc.Client(address, {} as any), /Channel credentials must be a ChannelCredentials/);
    });
  });

  describe('generated clients', () => {
    // A protobuf service, served by grpc-js from the same proto-loader definition.
    const packageDefinition = protoLoader.fromJSON({
      nested: {
        protos: {
          nested: {
            Text: { fields: { text: { type: 'string', id: 1 } } },
            Greeter: { methods: { SayHello: { requestType: 'Text', responseType: 'Text' } } },
          },
        },
      },
    });

    before(() => {
      const service = (grpcJs.loadPackageDefinition(packageDefinition) as any).protos.Greeter.service;
      server.addService(service, {
        SayHello(call: grpcJs.ServerUnaryCall<Json, Json>, callback: grpcJs.sendUnaryData<Json>) {
          callback(null, { text: `hello ${call.request.text}` });
        },
      });
    });

    it('loadPackageDefinition builds a working client class', async () => {
      const namespace = grpc.loadPackageDefinition(packageDefinition) as any;
      const Greeter = namespace.protos.Greeter;
      assert.strictEqual(Greeter.serviceName, 'Greeter');
      assert.strictEqual(namespace.protos.Text.format, 'Protocol Buffer 3 DescriptorProto');

      const greeter = new Greeter(address, grpc.credentials.createInsecure());
      try {
        assert.strictEqual(greeter.sayHello, greeter.SayHello);
        assert.strictEqual(greeter.SayHello.path, '/protos.Greeter/SayHello');
        assert.strictEqual(greeter.SayHello.requestStream, false);
        const reply = await new Promise<Json>((resolve, reject) =>
          greeter.sayHello({ text: 'proto' }, (error: Error | null, value: Json) => (error ? reject(error) : resolve(value))));
        assert.deepStrictEqual(reply, { text: 'hello proto' });
      } finally {
        greeter.close();
      }
    });

    it('makeGenericClientConstructor calls through the methods', async () => {
      const Generic = grpc.makeGenericClientConstructor(TEST_SERVICE as any, 'Test');
      const generic = new Generic(address, grpc.credentials.createInsecure()) as any;
      try {
        const response = await new Promise<Json>((resolve, reject) =>
          generic.Echo({ text: 'generic' }, (error: Error | null, value: Json) => (error ? reject(error) : resolve(value))));
        assert.deepStrictEqual(response.echo, { text: 'generic' });
        const { messages } = await collect(generic.Range({ count: 2 }));
        assert.deepStrictEqual(messages, [{ i: 0 }, { i: 1 }]);
      } finally {
        generic.close();
      }
    });

    it('rejects method names starting with $', () => {
      assert.throws(() => grpc.makeClientConstructor({ $bad: TEST_SERVICE.Echo } as any, 'Bad'), /cannot start with \$/);
    });
  });

  describe('promise helpers', () => {
    let generic: any;

    beforeEach(() => {
      const Generic = grpc.makeGenericClientConstructor(TEST_SERVICE as any, 'Test');
      generic = new Generic(address, grpc.credentials.createInsecure());
    });

    afterEach(() => {
      generic.close();
    });

    it('unaryCall resolves with the response', async () => {
      const response = await grpc.unaryCall(generic, 'Echo', { text: 'promised' });
      assert.deepStrictEqual(response.echo, { text: 'promised' });
    });

    it('unaryCall rejects with a ServiceError', async () => {
      await assert.rejects(
        grpc.unaryCall(generic, 'Echo', { fail: { code: grpc.status.ALREADY_EXISTS, details: 'dup' } }),
        (error: ServiceError) => error.code === grpc.status.ALREADY_EXISTS && error.details === 'dup',
      );
    });

    it('an aborted signal cancels the call', async () => {
      const controller = new AbortController();
      const pending = grpc.unaryCall(generic, 'Echo', { delayMs: 5000 }, new grpc.Metadata(),
        { signal: controller.signal });
      setImmediate(() => controller.abort());
      await assert.rejects(pending, (error: ServiceError) => error.code === grpc.status.CANCELLED);
    });

    it('clientStreamCall feeds from an async iterable', async () => {
      async function* numbers() {
        for (let n = 1; n <= 4; n++) {
          yield { n };
        }
      }
      const response = await grpc.clientStreamCall(generic, 'Sum', numbers());
      assert.deepStrictEqual(response, { total: 10, count: 4 });
    });

    it('clientStreamCall rejects with the source error', async () => {
      async function* broken() {
        yield { n: 1 };
        throw new Error('source failed');
      }
      await assert.rejects(grpc.clientStreamCall(generic, 'Sum', broken()), /source failed/);
    });

    it('clientStreamCall stops reading an endless source', async () => {
      let markSourceClosed: () => void;
      const sourceClosed = new Promise<void>((resolve) => {
        markSourceClosed = resolve;
      });
      async function* endless() {
        try {
          for (let n = 0; ; n++) {
            yield { n };
            await new Promise(setImmediate);
          }
        } finally {
          markSourceClosed();
        }
      }
      const response = await grpc.clientStreamCall(generic, 'First', endless());
      assert.deepStrictEqual(response, { first: { n: 0 } });
      // Never resolves, and so fails on the suite timeout, if the helper keeps reading after the call ended.
      await sourceClosed;
    });

    it('serverStreamCall is read with for await', async () => {
      const messages: Json[] = [];
      for await (const message of grpc.serverStreamCall(generic, 'Range', { count: 3 })) {
        messages.push(message);
      }
      assert.deepStrictEqual(messages, [{ i: 0 }, { i: 1 }, { i: 2 }]);
    });

    it('serverStreamCall loop throws the status error', async () => {
      const messages: Json[] = [];
      const read = async () => {
        for await (const message of grpc.serverStreamCall(generic, 'Range',
          { count: 1, fail: { code: grpc.status.DATA_LOSS, details: 'lost' } })) {
          messages.push(message);
        }
      };
      await assert.rejects(read(), (error: ServiceError) => error.code === grpc.status.DATA_LOSS);
      assert.deepStrictEqual(messages, [{ i: 0 }]);
    });

    it('breaking out of serverStreamCall cancels the call', async () => {
      const stream = grpc.serverStreamCall(generic, 'Range', { count: 1, hold: true });
      const statusPromise = new Promise<grpc.StatusObject>((resolve) => stream.on('status', resolve));
      for await (const message of stream) {
        assert.deepStrictEqual(message, { i: 0 });
        break;
      }
      const status = await statusPromise;
      assert.strictEqual(status.code, grpc.status.CANCELLED);
    });

    it('bidiStreamCall feeds and reads', async () => {
      const replies: Json[] = [];
      for await (const reply of grpc.bidiStreamCall(generic, 'Chat', [{ a: 1 }, { a: 2 }])) {
        replies.push(reply);
      }
      assert.deepStrictEqual(replies, [{ reply: { a: 1 } }, { reply: { a: 2 } }]);
    });

    it('helpers reject a method the client lacks', () => {
      assert.throws(() => grpc.unaryCall(generic, 'Nope' as any, {}), /The client has no method "Nope"/);
      assert.throws(() => grpc.clientStreamCall(generic, 'Sum', 5 as any), /must be an iterable/);
    });
  });
});

const addNothing: Interceptor = (options, nextCall) => new InterceptingCall(nextCall(options));
