// How client calls map onto C-core batches: the positional form of startBatch, and unary calls that receive their
// response with their sends. Peers are @grpc/grpc-js servers on 127.0.0.1.
import * as assert from 'assert';
import * as grpcJs from '@grpc/grpc-js';

import * as grpc from '../lib/index';
import type { ServiceError } from '../lib/call';
import { Channel } from '../lib/channel';
import { InterceptingCall, Interceptor } from '../lib/client-interceptors';
import { binding, BatchOp } from '../lib/native';
import type { NativeCall, NativeMetadata } from '../lib/native';
import { identity, rawMethod } from './helpers/raw-method';

const method = (name: string, requestStream: boolean, responseStream: boolean) =>
  rawMethod('batches.Test', name, requestStream, responseStream);

const SERVICE = {
  Echo: method('Echo', false, false),
  Fail: method('Fail', false, false),
  HeadersThenWait: method('HeadersThenWait', false, false),
  Collect: method('Collect', true, false),
  Drip: method('Drip', false, true),
};

/** Server behaviour. Drip sends one message and ends only when the client cancels. */
const HANDLERS = {
  Echo(call: grpcJs.ServerUnaryCall<Buffer, Buffer>, callback: grpcJs.sendUnaryData<Buffer>) {
    const headers = new grpcJs.Metadata();
    headers.set('x-headers', 'sent');
    call.sendMetadata(headers);
    const trailers = new grpcJs.Metadata();
    trailers.set('x-trailers', 'sent');
    callback(null, call.request, trailers);
  },
  Fail(_call: grpcJs.ServerUnaryCall<Buffer, Buffer>, callback: grpcJs.sendUnaryData<Buffer>) {
    // No headers before the error, so grpc-js responds with trailers only.
    callback({ code: grpcJs.status.FAILED_PRECONDITION, details: 'refused by the test' });
  },
  HeadersThenWait(call: grpcJs.ServerUnaryCall<Buffer, Buffer>) {
    call.sendMetadata(new grpcJs.Metadata());
  },
  Collect(call: grpcJs.ServerReadableStream<Buffer, Buffer>, callback: grpcJs.sendUnaryData<Buffer>) {
    const parts: Buffer[] = [];
    call.on('data', (part: Buffer) => parts.push(part));
    call.on('end', () => callback(null, Buffer.concat(parts)));
  },
  Drip(call: grpcJs.ServerWritableStream<Buffer, Buffer>) {
    call.write(Buffer.from('first'));
    call.on('cancelled', () => call.end());
  },
};

/** A channel whose calls count the batches they start. */
class CountingChannel extends Channel {
  batches = 0;

  createCall(...args: Parameters<Channel['createCall']>): ReturnType<Channel['createCall']> {
    const call = super.createCall(...args);
    const native = (call as unknown as { native: NativeCall }).native;
    const startBatch = native.startBatch;
    // The addon defines startBatch as a read-only method, so the counter goes on as an own property.
    Object.defineProperty(native, 'startBatch', {
      value: (...batchArgs: unknown[]) => {
        this.batches++;
        return (startBatch as (...values: unknown[]) => void).apply(native, batchArgs);
      },
    });
    return call;
  }
}

/** A channel whose calls throw from their first startBatch, as the addon does when C-core rejects a batch. */
class RejectingChannel extends Channel {
  createCall(...args: Parameters<Channel['createCall']>): ReturnType<Channel['createCall']> {
    const call = super.createCall(...args);
    const native = (call as unknown as { native: NativeCall }).native;
    const startBatch = native.startBatch;
    let rejected = false;
    Object.defineProperty(native, 'startBatch', {
      value: (...batchArgs: unknown[]) => {
        if (!rejected) {
          rejected = true;
          throw new Error('startBatch failed: GRPC_CALL_ERROR_TOO_MANY_OPERATIONS');
        }
        return (startBatch as (...values: unknown[]) => void).apply(native, batchArgs);
      },
    });
    return call;
  }
}

interface Events {
  order: string[];
  error: ServiceError | null;
  response?: Buffer;
  status?: grpc.StatusObject;
  metadata?: grpc.Metadata;
}

/** Makes a unary call and records the order of its metadata event, callback and status event. */
function unary(client: grpc.Client, path: string, options: grpc.CallOptions = {},
  onCall?: (call: grpc.ClientUnaryCall) => void): Promise<Events> {
  return new Promise((resolve) => {
    const events: Events = { order: [], error: null };
    const call = client.makeUnaryRequest(path, identity, identity, Buffer.from('request'), new grpc.Metadata(),
      options, (error, response) => {
        events.order.push('callback');
        events.error = error;
        events.response = response;
      });
    call.on('metadata', (metadata) => {
      events.order.push('metadata');
      events.metadata = metadata;
    });
    call.on('status', (status) => {
      events.order.push('status');
      events.status = status;
      resolve(events);
    });
    onCall?.(call);
  });
}

describe('client batches', () => {
  let server: grpcJs.Server;
  let address: string;
  let channel: CountingChannel;
  let client: grpc.Client;

  before(async () => {
    server = new grpcJs.Server();
    server.addService(SERVICE, HANDLERS as unknown as grpcJs.UntypedServiceImplementation);
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync('127.0.0.1:0', grpcJs.ServerCredentials.createInsecure(), (error, bound) =>
        (error ? reject(error) : resolve(bound)));
    });
    address = `127.0.0.1:${port}`;
  });

  after(() => {
    server.forceShutdown();
  });

  beforeEach(() => {
    channel = new CountingChannel(address, grpc.credentials.createInsecure(), {});
    client = new grpc.Client(address, grpc.credentials.createInsecure(), { channelOverride: channel });
  });

  afterEach(() => {
    client.close();
  });

  describe('unary call', () => {
    it('takes two batches', async () => {
      const events = await unary(client, SERVICE.Echo.path);

      assert.strictEqual(events.error, null);
      assert.strictEqual(events.response?.toString(), 'request');
      assert.strictEqual(channel.batches, 2);
    });

    it('keeps metadata, callback, status order', async () => {
      const events = await unary(client, SERVICE.Echo.path);

      assert.deepStrictEqual(events.order, ['metadata', 'callback', 'status']);
      assert.deepStrictEqual(events.metadata?.get('x-headers'), ['sent']);
      assert.strictEqual(events.status?.code, grpc.status.OK);
      assert.deepStrictEqual(events.status?.metadata.get('x-trailers'), ['sent']);
    });

    it('reports a trailers-only error', async () => {
      const events = await unary(client, SERVICE.Fail.path);

      assert.deepStrictEqual(events.order, ['metadata', 'callback', 'status']);
      assert.strictEqual(events.error?.code, grpc.status.FAILED_PRECONDITION);
      assert.strictEqual(events.error?.details, 'refused by the test');
      assert.strictEqual(events.status?.code, grpc.status.FAILED_PRECONDITION);
    });

    it('delivers metadata before the response arrives', async () => {
      // The server sends headers and then waits: the call ends only because the metadata listener cancels it.
      const events = await unary(client, SERVICE.HeadersThenWait.path, {}, (call) => {
        call.on('metadata', () => call.cancel());
      });

      assert.deepStrictEqual(events.order, ['metadata', 'callback', 'status']);
      assert.strictEqual(events.error?.code, grpc.status.CANCELLED);
    });

    it('ends with DEADLINE_EXCEEDED', async () => {
      const events = await unary(client, SERVICE.HeadersThenWait.path, { deadline: Date.now() + 200 });

      assert.deepStrictEqual(events.order, ['metadata', 'callback', 'status']);
      assert.strictEqual(events.error?.code, grpc.status.DEADLINE_EXCEEDED);
    });

    it('ends with CANCELLED when cancelled at once', async () => {
      const events = await unary(client, SERVICE.Echo.path, {}, (call) => call.cancel());

      assert.strictEqual(events.error?.code, grpc.status.CANCELLED);
      assert.strictEqual(events.order[events.order.length - 1], 'status');
    });

    it('ends when its first batch is rejected', async () => {
      // The response and status receives were to ride on the rejected batch, so they must start on their own.
      const rejecting = new RejectingChannel(address, grpc.credentials.createInsecure(), {});
      const rejectingClient = new grpc.Client(address, grpc.credentials.createInsecure(),
        { channelOverride: rejecting });
      try {
        const events = await unary(rejectingClient, SERVICE.Echo.path, { deadline: Date.now() + 10_000 });

        assert.deepStrictEqual(events.order, ['metadata', 'callback', 'status']);
        assert.strictEqual(events.error?.code, grpc.status.INTERNAL);
        assert.match(events.error?.details ?? '', /GRPC_CALL_ERROR_TOO_MANY_OPERATIONS/);
      } finally {
        rejectingClient.close();
      }
    });

    it('takes two batches behind a delayed interceptor', async () => {
      // The interceptor passes start on from a timer, so the bottom call's sends all happen in that later turn.
      const delayStart: Interceptor = (options, nextCall) => new InterceptingCall(nextCall(options), {
        start(metadata, listener, next) {
          setTimeout(() => next(metadata, listener), 10);
        },
      });
      const events = await unary(client, SERVICE.Echo.path, { interceptors: [delayStart] });

      assert.deepStrictEqual(events.order, ['metadata', 'callback', 'status']);
      assert.strictEqual(events.response?.toString(), 'request');
      assert.strictEqual(channel.batches, 2);
    });

    it('sends a message that an interceptor delays', async () => {
      // The message reaches the bottom call in a later turn than start, so the sends take separate batches.
      const delayMessage: Interceptor = (options, nextCall) => new InterceptingCall(nextCall(options), {
        sendMessage(message, next) {
          setTimeout(() => next(message), 10);
        },
      });
      const events = await unary(client, SERVICE.Echo.path, { interceptors: [delayMessage] });

      assert.deepStrictEqual(events.order, ['metadata', 'callback', 'status']);
      assert.strictEqual(events.response?.toString(), 'request');
    });
  });

  describe('client-streaming call', () => {
    it('sends messages written in separate turns', async () => {
      const response = await new Promise<Buffer | undefined>((resolve, reject) => {
        const call = client.makeClientStreamRequest(SERVICE.Collect.path, identity, identity,
          (error, value) => (error ? reject(error) : resolve(value)));
        call.write(Buffer.from('a'));
        setImmediate(() => {
          call.write(Buffer.from('b'));
          call.end();
        });
      });

      assert.strictEqual(response?.toString(), 'ab');
    });

    it('sends messages written in one turn', async () => {
      const response = await new Promise<Buffer | undefined>((resolve, reject) => {
        const call = client.makeClientStreamRequest(SERVICE.Collect.path, identity, identity,
          (error, value) => (error ? reject(error) : resolve(value)));
        call.write(Buffer.from('a'));
        call.end();
      });

      assert.strictEqual(response?.toString(), 'a');
    });
  });

  describe('server-streaming call', () => {
    it('delivers a message before the status', async () => {
      // The server ends the stream only after the client cancels, which the client does on the first message.
      const outcome = await new Promise<{ messages: string[]; code: number }>((resolve) => {
        const messages: string[] = [];
        const call = client.makeServerStreamRequest(SERVICE.Drip.path, identity, identity, Buffer.from('go'));
        call.on('data', (message: Buffer) => {
          messages.push(message.toString());
          call.cancel();
        });
        call.on('error', () => {});
        call.on('status', (status) => resolve({ messages, code: status.code }));
      });

      assert.deepStrictEqual(outcome.messages, ['first']);
      assert.strictEqual(outcome.code, grpc.status.CANCELLED);
    });
  });

  describe('call driven directly', () => {
    it('receives the response without setSingleResponse', async () => {
      const call = channel.createCall(SERVICE.Echo.path, Infinity, null, null, null);
      const events: string[] = [];
      const status = await new Promise<grpc.StatusObject>((resolve) => {
        call.start(new grpc.Metadata(), {
          onReceiveMetadata: () => events.push('metadata'),
          onReceiveMessage: (message: Buffer) => events.push(`message ${message.toString()}`),
          onReceiveStatus: resolve,
        });
        call.sendMessageWithContext({}, Buffer.from('direct'));
        call.halfClose();
        call.startRead();
      });

      assert.strictEqual(status.code, grpc.status.OK);
      assert.deepStrictEqual(events, ['metadata', 'message direct']);
      // Sends with the status, and initial metadata. Without setSingleResponse the message comes through
      // read-ahead (readMessages), which starts no batch.
      assert.strictEqual(channel.batches, 2);
    });
  });
});

describe('NativeCall.startBatch positional form', () => {
  let server: grpcJs.Server;
  let port: number;

  before(async () => {
    server = new grpcJs.Server();
    server.addService(SERVICE, HANDLERS as unknown as grpcJs.UntypedServiceImplementation);
    port = await new Promise<number>((resolve, reject) => {
      server.bindAsync('127.0.0.1:0', grpcJs.ServerCredentials.createInsecure(), (error, bound) =>
        (error ? reject(error) : resolve(bound)));
    });
  });

  after(() => {
    server.forceShutdown();
  });

  function withNativeCall(test: (call: NativeCall) => Promise<void> | void): Promise<void> {
    const channel = new binding.Channel(`127.0.0.1:${port}`, binding.insecureChannelCredentials(), {});
    const call = channel.createCall(SERVICE.Echo.path, Date.now() + 10_000, null, null, 0);
    return Promise.resolve(test(call)).finally(() => {
      call.cancel();
      channel.close();
    });
  }

  it('runs a unary exchange in one batch', () => withNativeCall(async (call) => {
    const all = BatchOp.SEND_INITIAL_METADATA | BatchOp.SEND_MESSAGE | BatchOp.SEND_CLOSE_FROM_CLIENT |
      BatchOp.RECV_INITIAL_METADATA | BatchOp.RECV_MESSAGE | BatchOp.RECV_STATUS_ON_CLIENT;
    const values = await new Promise<unknown[]>((resolve) => {
      call.startBatch(all, (...results: unknown[]) => resolve(results), ['x-client', 'positional'], 0,
        Buffer.from('positional'), 0);
    });
    const [error, metadata, message, statusCode, statusDetails, trailingMetadata, cancelled] = values;

    assert.strictEqual(error, null);
    assert.ok((metadata as NativeMetadata).includes('x-headers'), `metadata ${String(metadata)}`);
    assert.strictEqual((message as Buffer).toString(), 'positional');
    assert.strictEqual(statusCode, grpc.status.OK);
    assert.strictEqual(statusDetails, 'OK');
    assert.ok((trailingMetadata as NativeMetadata).includes('x-trailers'), `trailers ${String(trailingMetadata)}`);
    assert.strictEqual(cancelled, undefined);
  }));

  it('passes undefined for receives it did not ask for', () => withNativeCall(async (call) => {
    const values = await new Promise<unknown[]>((resolve) => {
      call.startBatch(BatchOp.SEND_INITIAL_METADATA, (...results: unknown[]) => resolve(results), []);
    });

    assert.deepStrictEqual(values, [null, undefined, undefined, undefined, undefined, undefined, undefined]);
  }));

  it('rejects an ops value out of range', () => withNativeCall((call) => {
    for (const ops of [0, 256, 1.5, -1, NaN]) {
      assert.throws(() => call.startBatch(ops, () => {}),
        { name: 'RangeError', message: /ops must be an integer from 1 to 255/ }, `ops ${ops}`);
    }
  }));

  it('names the argument that is malformed', () => withNativeCall((call) => {
    assert.throws(() => call.startBatch(BatchOp.SEND_MESSAGE, () => {}, undefined, undefined, 'text' as never),
      { name: 'TypeError', message: 'startBatch: message must be a Buffer' });
    assert.throws(() => call.startBatch(BatchOp.SEND_INITIAL_METADATA, () => {}, 'x' as never),
      { name: 'TypeError', message: /startBatch: initialMetadata must be an array/ });
    assert.throws(() => call.startBatch(BatchOp.SEND_INITIAL_METADATA, undefined as never, []),
      { name: 'TypeError', message: 'startBatch: callback must be a function' });
    assert.throws(() => call.startBatch('1' as never, () => {}),
      { name: 'TypeError', message: 'startBatch: batch must be an object or an operation bitmask' });
  }));

  it('rejects a server status on a client call', () => withNativeCall((call) => {
    assert.throws(() => call.startBatch(BatchOp.SEND_STATUS_FROM_SERVER, () => {}, undefined, undefined, undefined,
      undefined, 0, 'OK', []), /GRPC_CALL_ERROR_NOT_ON_CLIENT/);
  }));
});
