/**
 * Client calls whose sends C-core refuses or cannot take at once: each must end with a status instead of waiting
 * for one forever.
 */
import * as assert from 'assert';

import { ChannelCredentials } from '../../lib/channel-credentials';
import { Client } from '../../lib/client';
import { InterceptingCall } from '../../lib/client-interceptors';
import type { Interceptor } from '../../lib/client-interceptors';
import { Status } from '../../lib/constants';
import type { Server } from '../../lib/server';
import { ServerCredentials } from '../../lib/server-credentials';
import { ECHO_SERVICE, identity, shutdownServer, startEchoServer } from '../robustness/support';

const COUNT_SERVICE = {
  count: {
    path: '/regressions.Count/Count',
    requestStream: true,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};

/** Answers a client stream with the number of messages it carried, as text. */
const COUNT_IMPLEMENTATION = {
  count(call: NodeJS.EventEmitter, callback: (error: null, value: Buffer) => void) {
    let messages = 0;
    call.on('data', () => messages++);
    call.on('end', () => callback(null, Buffer.from(String(messages))));
  },
};

/** Passes every request message on twice. */
const sendEachMessageTwice: Interceptor = (options, nextCall) => new InterceptingCall(nextCall(options), {
  sendMessage(message, next) {
    next(message);
    next(message);
  },
});

interface Outcome {
  code: number;
  details: string;
  value?: Buffer;
}

function settle(resolve: (outcome: Outcome) => void) {
  return (error: { code: number; details: string } | null, value?: Buffer) => {
    resolve(error ? { code: error.code, details: error.details } : { code: Status.OK, details: '', value });
  };
}

describe('client call sends', () => {
  let echo: { server: Server; port: number };
  let counter: { server: Server; port: number };

  before(async () => {
    echo = await startEchoServer();
    counter = await startEchoServer(ServerCredentials.createInsecure(), {}, COUNT_IMPLEMENTATION);
    counter.server.addService(COUNT_SERVICE, COUNT_IMPLEMENTATION as any);
  });

  after(async () => {
    await shutdownServer(echo.server);
    await shutdownServer(counter.server);
  });

  it('ends a call whose request serializer returns a string', async () => {
    // The batch with the initial metadata was refused, so the call never started and its status never came.
    const client = new Client(`127.0.0.1:${echo.port}`, ChannelCredentials.createInsecure());
    try {
      const outcome = await new Promise<Outcome>((resolve) => {
        client.makeUnaryRequest(ECHO_SERVICE.echo.path, (() => 'not a Buffer') as any, identity, Buffer.from('x'),
          settle(resolve));
      });
      assert.strictEqual(outcome.code, Status.INTERNAL);
      assert.match(outcome.details, /must be a Buffer/);
    } finally {
      client.close();
    }
  });

  it('sends messages that an interceptor passes on twice', async () => {
    // The second message of a turn went to C-core while the first was in flight; C-core refused it, the
    // half-close that shared its batch was lost, and the call waited for a status forever.
    const client = new Client(`127.0.0.1:${counter.port}`, ChannelCredentials.createInsecure(),
      { interceptors: [sendEachMessageTwice] });
    try {
      const outcome = await new Promise<Outcome>((resolve) => {
        const call = client.makeClientStreamRequest(COUNT_SERVICE.count.path, identity, identity, settle(resolve));
        for (let i = 0; i < 3; i++) {
          call.write(Buffer.alloc(64 * 1024, i));
        }
        call.end();
      });
      assert.strictEqual(outcome.code, Status.OK, outcome.details);
      assert.strictEqual(outcome.value?.toString(), '6');
    } finally {
      client.close();
    }
  });
});
