/**
 * How the server sends the single response of unary and client-streaming calls. The response headers, the message
 * and the status normally go to C-core in one batch. These tests check that grpc-js clients still see the same
 * order of events and the same error paths, and that a unary call still notices a cancellation while nothing of
 * it is in flight in C-core. The client is a real @grpc/grpc-js client over TCP on 127.0.0.1.
 */
import * as assert from 'assert';
import * as grpcJs from '@grpc/grpc-js';
import { Server } from '../lib/server';
import type { ServerOptions } from '../lib/server';
import { ServerCredentials } from '../lib/server-credentials';
import { Metadata } from '../lib/metadata';
import { Status } from '../lib/constants';
import { ResponderBuilder, ServerInterceptingCall } from '../lib/server-interceptors';
import type { ServerInterceptor } from '../lib/server-interceptors';

const serialize = (value: unknown): Buffer => {
  if (value !== null && typeof value === 'object' && 'unserializable' in value) {
    throw new Error('this response cannot be serialized');
  }
  return Buffer.from(JSON.stringify(value));
};
const deserialize = (bytes: Buffer): any => JSON.parse(bytes.toString());

function method(name: string, requestStream: boolean) {
  return {
    path: `/test.Responder/${name}`,
    requestStream,
    responseStream: false,
    requestSerialize: serialize,
    requestDeserialize: deserialize,
    responseSerialize: serialize,
    responseDeserialize: deserialize,
  };
}

const service = {
  unary: method('Unary', false),
  clientStream: method('ClientStream', true),
};

const ClientClass = grpcJs.makeGenericClientConstructor(service as any, 'Responder');
type TestClient = InstanceType<typeof ClientClass> & Record<keyof typeof service, any>;

interface Outcome {
  error: grpcJs.ServiceError | null;
  response: any;
  headers: grpcJs.Metadata | undefined;
  status: grpcJs.StatusObject;
  /** The client events in the order they came: `metadata`, `response` and `status`. */
  events: string[];
}

type Handlers = Partial<Record<keyof typeof service, (call: any, callback: any) => void>>;

const running: Array<{ server: Server; client: TestClient }> = [];

async function start(handlers: Handlers, options?: ServerOptions): Promise<TestClient> {
  const server = new Server(options);
  const unimplemented = (call: any, callback: any) => callback({ code: Status.UNIMPLEMENTED });
  server.addService(service as any, { unary: unimplemented, clientStream: unimplemented, ...handlers });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => {
      if (error) {
        reject(error);
      } else {
        resolve(bound);
      }
    });
  });
  const client = new ClientClass(`127.0.0.1:${port}`, grpcJs.credentials.createInsecure()) as TestClient;
  running.push({ server, client });
  return client;
}

/** Makes a call and records its outcome; `onHeaders` runs when the client receives the response headers. */
function callAndRecord(client: TestClient, name: keyof typeof service, onHeaders?: () => void): Promise<Outcome> {
  return new Promise(resolve => {
    const events: string[] = [];
    let error: grpcJs.ServiceError | null = null;
    let response: any;
    let headers: grpcJs.Metadata | undefined;
    const callback = (e: grpcJs.ServiceError | null, r: any) => {
      events.push('response');
      error = e;
      response = r;
    };
    const call = name === 'unary' ? client.unary({ n: 1 }, callback) : client.clientStream(callback);
    call.on('metadata', (received: grpcJs.Metadata) => {
      events.push('metadata');
      headers = received;
      onHeaders?.();
    });
    call.on('status', (status: grpcJs.StatusObject) => {
      events.push('status');
      setImmediate(() => resolve({ error, response, headers, status, events }));
    });
    if (name === 'clientStream') {
      call.write({ n: 1 });
      call.write({ n: 2 });
      call.end();
    }
  });
}

function metadataWith(key: string, value: string): Metadata {
  const metadata = new Metadata();
  metadata.set(key, value);
  return metadata;
}

afterEach(() => {
  for (const { server, client } of running.splice(0)) {
    client.close();
    server.forceShutdown();
  }
});

for (const name of ['unary', 'clientStream'] as const) {
  describe(`Server ${name} response`, () => {
    it('sends headers, message and trailers in order', async () => {
      const client = await start({
        [name]: (call: any, callback: any) => {
          call.sendMetadata(metadataWith('x-headers', 'h'));
          callback(null, { answer: 42 }, metadataWith('x-trailers', 't'));
        },
      });
      const outcome = await callAndRecord(client, name);
      assert.strictEqual(outcome.status.code, Status.OK, outcome.status.details);
      assert.deepStrictEqual(outcome.response, { answer: 42 });
      assert.deepStrictEqual(outcome.headers?.get('x-headers'), ['h']);
      assert.deepStrictEqual(outcome.status.metadata.get('x-trailers'), ['t']);
      assert.deepStrictEqual(outcome.events, ['metadata', 'response', 'status']);
    });

    it('sends headers before a response that waits for them', async () => {
      let headersArrived: () => void = () => {};
      const arrived = new Promise<void>(resolve => {
        headersArrived = resolve;
      });
      const client = await start({
        [name]: (call: any, callback: any) => {
          call.sendMetadata(metadataWith('x-headers', 'early'));
          // Responds only once the client has the headers, so headers held back until the status would stall here.
          void arrived.then(() => callback(null, { late: true }));
        },
      });
      const outcome = await callAndRecord(client, name, headersArrived);
      assert.strictEqual(outcome.status.code, Status.OK, outcome.status.details);
      assert.deepStrictEqual(outcome.headers?.get('x-headers'), ['early']);
      assert.deepStrictEqual(outcome.response, { late: true });
      assert.deepStrictEqual(outcome.events, ['metadata', 'response', 'status']);
    });

    it('sends an error with trailers after headers', async () => {
      const client = await start({
        [name]: (call: any, callback: any) => {
          call.sendMetadata(metadataWith('x-headers', 'h'));
          callback({ code: Status.FAILED_PRECONDITION, details: 'not ready' }, null, metadataWith('x-trailers', 't'));
        },
      });
      const outcome = await callAndRecord(client, name);
      assert.strictEqual(outcome.status.code, Status.FAILED_PRECONDITION);
      assert.strictEqual(outcome.status.details, 'not ready');
      assert.deepStrictEqual(outcome.headers?.get('x-headers'), ['h']);
      assert.deepStrictEqual(outcome.status.metadata.get('x-trailers'), ['t']);
      assert.strictEqual(outcome.error?.code, Status.FAILED_PRECONDITION);
    });

    it('sends INTERNAL for a response serializer that throws', async () => {
      const client = await start({
        [name]: (call: any, callback: any) => {
          call.sendMetadata(metadataWith('x-headers', 'h'));
          callback(null, { unserializable: true }, metadataWith('x-trailers', 'dropped'));
        },
      });
      const outcome = await callAndRecord(client, name);
      assert.strictEqual(outcome.status.code, Status.INTERNAL);
      assert.match(outcome.status.details, /Error serializing response: this response cannot be serialized/);
      assert.deepStrictEqual(outcome.headers?.get('x-headers'), ['h']);
      assert.deepStrictEqual(outcome.status.metadata.get('x-trailers'), []);
      assert.strictEqual(outcome.response, undefined);
    });

    it('sends RESOURCE_EXHAUSTED for a response over the send limit', async () => {
      const client = await start({
        [name]: (call: any, callback: any) => callback(null, { text: 'x'.repeat(200) }),
      }, { 'grpc.max_send_message_length': 100 });
      const outcome = await callAndRecord(client, name);
      assert.strictEqual(outcome.status.code, Status.RESOURCE_EXHAUSTED);
      assert.match(outcome.status.details, /Sent message larger than max \(\d+ vs\. 100\)/);
      assert.strictEqual(outcome.response, undefined);
    });

    it('ignores the response of a call the client cancelled', async () => {
      let cancelledOnServer: () => void = () => {};
      const serverSawCancel = new Promise<void>(resolve => {
        cancelledOnServer = resolve;
      });
      let respondLater: () => void = () => {};
      const client = await start({
        [name]: (call: any, callback: any) => {
          call.on('cancelled', () => cancelledOnServer());
          respondLater = () => callback(null, { tooLate: true });
          call.sendMetadata(new Metadata());
        },
      });
      const outcome = await new Promise<grpcJs.StatusObject>(resolve => {
        const call = name === 'unary'
          ? client.unary({ n: 1 }, () => {})
          : client.clientStream(() => {});
        call.on('metadata', () => call.cancel());
        call.on('status', resolve);
        if (name === 'clientStream') {
          call.write({ n: 1 });
          call.end();
        }
      });
      assert.strictEqual(outcome.code, Status.CANCELLED);
      await serverSawCancel;
      respondLater();

      const next = await start({ [name]: (call: any, callback: any) => callback(null, { fine: true }) });
      const after = await callAndRecord(next, name);
      assert.strictEqual(after.status.code, Status.OK, after.status.details);
    });

    it('sends the response when an interceptor delays the status', async () => {
      const delayStatus: ServerInterceptor = (methodDescriptor, call) => new ServerInterceptingCall(call,
        new ResponderBuilder()
          .withSendStatus((status, next) => {
            setTimeout(() => next({ ...status, metadata: metadataWith('x-delayed', 'yes') }), 10);
          })
          .build());
      const client = await start({
        [name]: (call: any, callback: any) => callback(null, { delayed: true }),
      }, { interceptors: [delayStatus] });
      const outcome = await callAndRecord(client, name);
      assert.strictEqual(outcome.status.code, Status.OK, outcome.status.details);
      assert.deepStrictEqual(outcome.response, { delayed: true });
      assert.deepStrictEqual(outcome.status.metadata.get('x-delayed'), ['yes']);
      assert.deepStrictEqual(outcome.events, ['metadata', 'response', 'status']);
    });

    it('keeps the message before the status when an interceptor delays the message', async () => {
      const delayMessage: ServerInterceptor = (methodDescriptor, call) => new ServerInterceptingCall(call,
        new ResponderBuilder()
          .withSendMetadata((metadata, next) => {
            metadata.set('x-intercepted', 'headers');
            next(metadata);
          })
          .withSendMessage((message, next) => {
            setTimeout(() => next({ ...message, intercepted: true }), 10);
          })
          .build());
      const client = await start({
        [name]: (call: any, callback: any) => callback(null, { original: true }, metadataWith('x-trailers', 't')),
      }, { interceptors: [delayMessage] });
      const outcome = await callAndRecord(client, name);
      assert.strictEqual(outcome.status.code, Status.OK, outcome.status.details);
      assert.deepStrictEqual(outcome.response, { original: true, intercepted: true });
      assert.deepStrictEqual(outcome.headers?.get('x-intercepted'), ['headers']);
      assert.deepStrictEqual(outcome.status.metadata.get('x-trailers'), ['t']);
    });
  });
}

describe('Server unary cancellation', () => {
  it('reaches an interceptor that holds the request headers', async () => {
    let headersHeld: () => void = () => {};
    const held = new Promise<void>(resolve => {
      headersHeld = resolve;
    });
    let interceptorCancelled: () => void = () => {};
    const cancelled = new Promise<void>(resolve => {
      interceptorCancelled = resolve;
    });
    let handlerRan = false;
    // Keeps the request headers until the call ends, so the server has no read in flight to notice the cancel.
    const holdHeaders: ServerInterceptor = (methodDescriptor, call) => new ServerInterceptingCall(call,
      new ResponderBuilder()
        .withStart(next => next({
          onReceiveMetadata: () => headersHeld(),
          onCancel: () => interceptorCancelled(),
        }))
        .build());
    const client = await start({
      unary: (call: any, callback: any) => {
        handlerRan = true;
        callback(null, {});
      },
    }, { interceptors: [holdHeaders] });

    const status = new Promise<grpcJs.StatusObject>(resolve => {
      const call = client.unary({ n: 1 }, () => {});
      call.on('status', resolve);
      void held.then(() => call.cancel());
    });
    assert.strictEqual((await status).code, Status.CANCELLED);
    await cancelled;
    assert.strictEqual(handlerRan, false);
  });
});
