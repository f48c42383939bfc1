/**
 * A client that cancels a response stream from its `data` handler gets no more messages, as with grpc-js, even
 * though read-ahead already contains the ones that followed.
 */
import * as assert from 'assert';

import { ChannelCredentials } from '../../lib/channel-credentials';
import { Client } from '../../lib/client';
import { Status } from '../../lib/constants';
import type { Server } from '../../lib/server';
import { ECHO_SERVICE, identity, shutdownServer, startEchoServer } from '../robustness/support';

type ServerStream = NodeJS.EventEmitter & { write(message: Buffer): boolean; end(): void };

/** Responds to the first request message with 2,000 messages of 1,000 bytes. */
const BURST_STREAM = {
  echo() {},
  stream(call: ServerStream) {
    call.on('error', () => {});
    call.once('data', () => {
      for (let index = 0; index < 2000; index++) {
        call.write(Buffer.alloc(1000, index & 0xff));
      }
    });
  },
};

describe('client cancel with messages held by read-ahead', () => {
  let server: Server;
  let client: Client;

  before(async () => {
    const started = await startEchoServer(undefined, {}, BURST_STREAM);
    server = started.server;
    client = new Client(`127.0.0.1:${started.port}`, ChannelCredentials.createInsecure());
  });

  after(async () => {
    client.close();
    await shutdownServer(server);
  });

  it('delivers no message after cancel', async () => {
    const call = client.makeBidiStreamRequest(ECHO_SERVICE.stream.path, identity, identity);
    let messages = 0;
    let messagesAfterCancel = 0;
    call.on('data', () => {
      messages++;
      if (messages > 100) {
        messagesAfterCancel++;
      } else if (messages === 100) {
        call.cancel();
      }
    });
    const failure = new Promise<{ code: number }>((resolve) => call.on('error', resolve));
    call.write(Buffer.from('request'));

    const error = await failure;

    assert.strictEqual(error.code, Status.CANCELLED);
    assert.strictEqual(messagesAfterCancel, 0);
  });
});
