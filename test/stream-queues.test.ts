/**
 * The native message queues of streaming calls: read-ahead on receive and the send queue. grpc-native on both
 * sides, over TCP on 127.0.0.1.
 */
import * as assert from 'assert';
import * as path from 'path';

import { ChannelCredentials } from '../lib/channel-credentials';
import { Client } from '../lib/client';
import { Status } from '../lib/constants';
import { Server } from '../lib/server';
import { ServerCredentials } from '../lib/server-credentials';
import { assertCleanExit, linesOf, runChild } from './robustness/support';
import { identity, rawMethod } from './helpers/raw-method';

const method = (name: string, requestStream: boolean, responseStream: boolean) =>
  rawMethod('queues.Tester', name, requestStream, responseStream);

const SERVICE = {
  serverStream: method('ServerStream', false, true),
  bidi: method('Bidi', true, true),
};

// A server-streaming request names how many messages of which size the server writes: two uint32 big-endian.
function streamRequest(count: number, size: number): Buffer {
  const request = Buffer.alloc(8);
  request.writeUInt32BE(count, 0);
  request.writeUInt32BE(size, 4);
  return request;
}

// A message that carries its index in its first 4 bytes, so that the order can be checked.
function numbered(index: number, size: number): Buffer {
  const message = Buffer.alloc(size);
  message.writeUInt32BE(index, 0);
  return message;
}

interface Started {
  client: Client;
  server: Server;
}

describe('stream message queues', function () {
  this.timeout(30000);
  let started: Started | null = null;

  // The server-streaming handler. Tests replace it; by default it writes the requested messages and ends.
  let serverStream: (call: any) => void;

  beforeEach(async () => {
    serverStream = (call) => {
      const count = call.request.readUInt32BE(0);
      const size = call.request.readUInt32BE(4);
      for (let i = 0; i < count; i++) {
        call.write(numbered(i, size));
      }
      call.end();
    };
    const server = new Server();
    server.addService(SERVICE, {
      serverStream: (call: any) => serverStream(call),
      bidi(call: any) {
        call.on('data', (message: Buffer) => call.write(message));
        call.on('end', () => call.end());
      },
    } as any);
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound));
    });
    const client = new Client(`127.0.0.1:${port}`, ChannelCredentials.createInsecure());
    started = { client, server };
  });

  afterEach(() => {
    started?.client.close();
    started?.server.forceShutdown();
    started = null;
  });

  function openServerStream(request: Buffer): any {
    return started!.client.makeServerStreamRequest(SERVICE.serverStream.path, identity, identity, request);
  }

  it('delivers messages before the status', async () => {
    const call = openServerStream(streamRequest(300, 1024));
    const indexes: number[] = [];
    // Messages read plus those waiting in the stream's buffer when the status arrives: all must be there by then.
    let deliveredAtStatus = -1;
    const status = new Promise<{ code: number }>((resolve) => call.on('status', (received: { code: number }) => {
      deliveredAtStatus = indexes.length + call.readableLength;
      resolve(received);
    }));
    const ended = new Promise((resolve) => call.on('end', resolve));

    // Read one message at a time with pauses, so that read-ahead fills its queue in between.
    await new Promise<void>((resolve) => {
      const readNext = () => {
        const message: Buffer | null = call.read();
        if (message === null) {
          call.once('readable', readNext);
          return;
        }
        indexes.push(message.readUInt32BE(0));
        if (indexes.length === 300) {
          resolve();
          return;
        }
        setTimeout(readNext, indexes.length % 50 === 0 ? 5 : 0);
      };
      readNext();
    });
    await ended;

    assert.deepStrictEqual(indexes, [...Array(300).keys()]);
    assert.strictEqual((await status).code, Status.OK);
    assert.strictEqual(deliveredAtStatus, 300);
  });

  it('bounds a writer ignoring backpressure', async () => {
    const total = 2000;
    const message = Buffer.alloc(64 * 1024);
    let callbacks = 0;
    let serverCall: any;
    serverStream = (call) => {
      serverCall = call;
      // 125 MiB in all, far more than the queues and both HTTP/2 windows can hold while the client reads nothing.
      for (let i = 0; i < total; i++) {
        call.write(message, () => callbacks++);
      }
      call.end();
    };
    const call = openServerStream(streamRequest(0, 0));
    call.pause();
    await new Promise((resolve) => call.once('metadata', resolve));

    // Wait until the writes stop completing: the client reads nothing, so flow control must stop them.
    let last = -1;
    while (callbacks !== last) {
      last = callbacks;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    assert.ok(callbacks < total / 2, `${callbacks} of ${total} writes completed with no reader`);
    assert.ok(serverCall.writableLength > total / 2, `the Writable buffers only ${serverCall.writableLength}`);

    let received = 0;
    call.on('data', () => received++);
    call.resume();
    const status = await new Promise<{ code: number }>((resolve) => call.on('status', resolve));
    assert.strictEqual(status.code, Status.OK);
    assert.strictEqual(received, total);
    assert.strictEqual(callbacks, total);
  });

  it('cancels with no later messages', async () => {
    serverStream = (call) => {
      // Writes until cancelled, so that messages are queued on both sides when the client cancels.
      const writeMore = () => {
        while (!call.cancelled && call.write(numbered(0, 1024))) {
          // Keep writing while the stream takes more.
        }
        if (!call.cancelled) {
          call.once('drain', writeMore);
        }
      };
      writeMore();
    };
    const call = openServerStream(streamRequest(0, 0));
    call.on('error', () => {});
    let afterStatus = 0;
    let statusSeen = false;
    let received = 0;
    call.on('data', () => {
      received++;
      if (statusSeen) {
        afterStatus++;
      }
      if (received === 100) {
        call.cancel();
      }
    });
    const status = await new Promise<{ code: number }>((resolve) => call.on('status', resolve));
    statusSeen = true;
    await new Promise((resolve) => setTimeout(resolve, 50));

    assert.strictEqual(status.code, Status.CANCELLED);
    assert.strictEqual(afterStatus, 0);
  });

  it('echoes a bidi stream in order', async () => {
    const call = started!.client.makeBidiStreamRequest(SERVICE.bidi.path, identity, identity);
    const indexes: number[] = [];
    call.on('data', (message: Buffer) => indexes.push(message.readUInt32BE(0)));
    for (let i = 0; i < 500; i++) {
      call.write(numbered(i, 100));
    }
    call.end();
    const status = await new Promise<{ code: number }>((resolve) => call.on('status', resolve));

    assert.strictEqual(status.code, Status.OK);
    assert.deepStrictEqual(indexes, [...Array(500).keys()]);
  });

  it('releases queues when a worker ends', async () => {
    const result = await runChild(path.join(__dirname, 'fixtures', 'stream-queues-child.ts'), [], 25000);
    assertCleanExit(result, 'the child');
    assert.deepStrictEqual(linesOf(result), [
      'both streams paused',
      'worker terminated',
      'stream from the worker ended with an error',
      'stream to the worker cancelled',
    ]);
  });
});
