/**
 * Closing a channel: calls that have not reached a server must end with UNAVAILABLE, as in grpc-js,
 * instead of waiting for a status that C-core 1.51 never sends.
 */
import * as assert from 'assert';
import * as os from 'os';
import * as path from 'path';

import { ChannelCredentials } from '../../lib/channel-credentials';
import { Client } from '../../lib/client';
import { Status } from '../../lib/constants';
import { Metadata } from '../../lib/metadata';
import { ECHO_SERVICE, identity, shutdownServer, startEchoServer } from '../robustness/support';

interface Outcome {
  code: number;
  details: string;
}

/** Starts a wait-for-ready unary call and resolves with how it ended. */
function callAndWait(client: Client): Promise<Outcome> {
  return new Promise((resolve) => {
    client.makeUnaryRequest(ECHO_SERVICE.echo.path, identity, identity, Buffer.from('x'),
      new Metadata({ waitForReady: true }), {}, (error: { code: number; details: string } | null) => {
        resolve(error ? { code: error.code, details: error.details } : { code: Status.OK, details: '' });
      });
  });
}

describe('channel close with calls in flight', () => {
  it('ends a wait-for-ready call to a port nobody listens on', async () => {
    const client = new Client('127.0.0.1:1', ChannelCredentials.createInsecure());
    const outcome = callAndWait(client);

    await new Promise((resolve) => setTimeout(resolve, 200));
    client.close();

    assert.deepStrictEqual(await outcome, { code: Status.UNAVAILABLE, details: 'Channel closed before call started' });
  });

  it('ends a wait-for-ready call to a Unix socket that does not exist', async () => {
    const socketPath = path.join(os.tmpdir(), `grpc-native-missing-${process.pid}.sock`);
    const client = new Client(`unix:${socketPath}`, ChannelCredentials.createInsecure());
    const outcome = callAndWait(client);

    await new Promise((resolve) => setTimeout(resolve, 200));
    client.close();

    assert.strictEqual((await outcome).code, Status.UNAVAILABLE);
  });

  it('ends a call started in the closing tick', async () => {
    const echo = await startEchoServer();
    const client = new Client(`127.0.0.1:${echo.port}`, ChannelCredentials.createInsecure());
    try {
      assert.strictEqual((await callAndWait(client)).code, Status.OK);

      // The call's first batch would reach C-core after the channel is destroyed.
      const second = callAndWait(client);
      client.close();
      assert.deepStrictEqual(await second, { code: Status.UNAVAILABLE, details: 'Channel closed before call started' });
    } finally {
      await shutdownServer(echo.server);
    }
  });

  it('lets a call the server already received finish after the close', async () => {
    let received: () => void = () => {};
    const serverHasCall = new Promise<void>((resolve) => { received = resolve; });
    const slowEcho = {
      echo(call: { request: Buffer }, callback: (error: null, value: Buffer) => void) {
        received();
        setTimeout(() => callback(null, call.request), 100);
      },
    };
    const echo = await startEchoServer(undefined, {}, slowEcho);
    const client = new Client(`127.0.0.1:${echo.port}`, ChannelCredentials.createInsecure());
    try {
      const outcome = callAndWait(client);
      await serverHasCall;
      client.close();
      assert.strictEqual((await outcome).code, Status.OK);
    } finally {
      await shutdownServer(echo.server);
    }
  });
});
