/**
 * A client that never reads a response stream must still see the stream's failure status, as grpc-js reports it.
 * C-core 1.51 withholds the status while received messages are unread, so the client receives them into read-ahead
 * as soon as the response headers arrive.
 */
import * as assert from 'assert';

import { ChannelCredentials } from '../../lib/channel-credentials';
import { Client } from '../../lib/client';
import { Status } from '../../lib/constants';
import type { Server } from '../../lib/server';
import { ECHO_SERVICE, identity, shutdownServer, startEchoServer } from '../robustness/support';

type ServerStream = NodeJS.EventEmitter & { write(message: Buffer): boolean };

/** Sends three messages, then fails the call with INTERNAL. */
const FAILING_STREAM = {
  echo() {},
  stream(call: ServerStream) {
    call.on('error', () => {});
    for (let index = 0; index < 3; index++) {
      call.write(Buffer.from(`message ${index}`));
    }
    call.emit('error', { code: Status.INTERNAL, details: 'handler failed' });
  },
};

describe('failure status with unread messages', () => {
  let server: Server;
  let client: Client;

  before(async () => {
    const started = await startEchoServer(undefined, {}, FAILING_STREAM);
    server = started.server;
    client = new Client(`127.0.0.1:${started.port}`, ChannelCredentials.createInsecure());
  });

  after(async () => {
    client.close();
    await shutdownServer(server);
  });

  it('reaches a client that never reads', async () => {
    const call = client.makeBidiStreamRequest(ECHO_SERVICE.stream.path, identity, identity);
    const failure = new Promise<{ code: number; details: string }>((resolve) => call.on('error', resolve));
    call.write(Buffer.from('request'));

    const error = await failure;

    assert.strictEqual(error.code, Status.INTERNAL);
    assert.strictEqual(error.details, 'handler failed');
  });
});
