/**
 * Bugs that the fuzzer and the robustness suites found, each pinned by the behaviour a caller gets. The inputs that
 * crashed the process are also replayed from test/fuzz/corpus by the fuzz suite.
 */
import * as assert from 'assert';
import * as v8 from 'v8';
import * as vm from 'vm';

import { metadataCallCredentials } from '../../lib/call-credentials';
import { ChannelCredentials } from '../../lib/channel-credentials';
import { Client } from '../../lib/client';
import { Status } from '../../lib/constants';
import { Metadata } from '../../lib/metadata';
import { dynamicSslServerCredentials, sslServerCertificateConfiguration } from '../../lib/server-credentials';
import { binding } from '../../lib/native';
import type { Server } from '../../lib/server';
import {
  clientTlsCredentials,
  echoCall,
  serverTlsCredentials,
  shutdownServer,
  startEchoServer,
  testCerts,
} from './support';

/** Returns V8's gc function, which this process was not started with. */
function exposeGc(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc');
}

describe('robustness regressions', () => {
  let insecure: { server: Server; port: number };
  let tls: { server: Server; port: number };

  before(async () => {
    insecure = await startEchoServer();
    tls = await startEchoServer(serverTlsCredentials());
  });

  after(async () => {
    await shutdownServer(insecure.server);
    await shutdownServer(tls.server);
  });

  it('connects with TLS credentials that have no certificates and skip verification', async () => {
    // C-core's static certificate provider aborted the process when it got neither roots nor a key pair.
    const credentials = ChannelCredentials.createSsl(null, null, null, { rejectUnauthorized: false });
    const client = new Client(`127.0.0.1:${tls.port}`, credentials);
    try {
      const outcome = await echoCall(client, Buffer.from('hello'));
      assert.strictEqual(outcome.code, Status.OK, outcome.details);
      assert.strictEqual(outcome.value?.toString(), 'hello');
    } finally {
      client.close();
    }
  });

  it('rejects a client call as the parent of a call', () => {
    // C-core aborted the process when a client call was given as a parent.
    const channel = new binding.Channel(`127.0.0.1:${insecure.port}`, binding.insecureChannelCredentials(), {});
    const clientCall = channel.createCall('/robustness.Echo/Echo', Date.now() + 5000, null, null, 0);
    try {
      assert.throws(() => channel.createCall('/robustness.Echo/Echo', Date.now() + 5000, null, clientCall, 0xffff),
        { name: 'TypeError', message: /parent must be a call that a server accepted/ });
    } finally {
      clientCall.cancel();
      channel.close();
    }
  });

  it('rejects a client call as parent through the Client API', async () => {
    const client = new Client(`127.0.0.1:${insecure.port}`, ChannelCredentials.createInsecure());
    const channel = new binding.Channel(`127.0.0.1:${insecure.port}`, binding.insecureChannelCredentials(), {});
    const clientCall = channel.createCall('/robustness.Echo/Echo', Date.now() + 5000, null, null, 0);
    try {
      await assert.rejects(echoCall(client, Buffer.from('x'), undefined, { parent: { _getNativeCall: () => clientCall } }),
        { name: 'TypeError', message: /parent must be a call that a server accepted/ });
    } finally {
      clientCall.cancel();
      channel.close();
      client.close();
    }
  });

  it('treats deadlines beyond the range of Date as none', async () => {
    // Converting such a deadline to whole seconds overflowed, and the call failed with DEADLINE_EXCEEDED at once.
    const client = new Client(`127.0.0.1:${insecure.port}`, ChannelCredentials.createInsecure());
    try {
      for (const deadline of [8.64e15 + 1, 1e300, Number.MAX_VALUE]) {
        const outcome = await echoCall(client, Buffer.from('far'), undefined, { deadline });
        assert.strictEqual(outcome.code, Status.OK, `deadline ${deadline}: ${outcome.details}`);
      }
      const past = await echoCall(client, Buffer.from('past'), undefined, { deadline: -1e300 });
      assert.strictEqual(past.code, Status.DEADLINE_EXCEEDED);
    } finally {
      client.close();
    }
  });

  it('rejects cancel status codes outside 0-99', async () => {
    // C-core's HTTP/2 transport aborted the process when a server call was cancelled with such a code.
    const server = new binding.Server({}) as any;
    const port = server.addPort('127.0.0.1:0', binding.insecureServerCredentials());
    server.start();
    const incoming = new Promise<any>((resolve) => server.requestCall(resolve));
    const channel = new binding.Channel(`127.0.0.1:${port}`, binding.insecureChannelCredentials(), {});
    const clientCall = channel.createCall('/robustness.Echo/Echo', Date.now() + 5000, null, null, 0);
    const clientStatus = new Promise<any>((resolve) => clientCall.startBatch(
      // Without recvInitialMetadata C-core's client does not see a status sent as trailers only.
      { sendInitialMetadata: [], sendCloseFromClient: true, recvInitialMetadata: true, recvStatusOnClient: true },
      (_error, result) => resolve(result.status)));
    try {
      const { call } = await incoming;
      for (const code of [-1, 100, 2 ** 31, 0.5, NaN]) {
        assert.throws(() => call.cancelWithStatus(code, 'bad code'),
          { name: 'RangeError', message: /code must be an integer from 0 to 99/ }, `code ${code}`);
      }
      call.cancelWithStatus(Status.ABORTED, 'cancelled by the test');
      const status = await clientStatus;
      assert.strictEqual(status.code, Status.ABORTED);
      assert.strictEqual(status.details, 'cancelled by the test');
    } finally {
      channel.close();
      await new Promise<void>((resolve) => server.shutdown(resolve));
    }
  });

  it('rejects grpc-timeout in server metadata', async () => {
    // C-core's HTTP/2 transport aborted the process when a server sent grpc-timeout in initial or trailing
    // metadata.
    const server = new binding.Server({}) as any;
    const port = server.addPort('127.0.0.1:0', binding.insecureServerCredentials());
    server.start();
    const incoming = new Promise<any>((resolve) => server.requestCall(resolve));
    const channel = new binding.Channel(`127.0.0.1:${port}`, binding.insecureChannelCredentials(), {});
    const clientCall = channel.createCall('/robustness.Echo/Echo', Date.now() + 5000, null, null, 0);
    const clientStatus = new Promise<any>((resolve) => clientCall.startBatch(
      { sendInitialMetadata: [], sendCloseFromClient: true, recvInitialMetadata: true, recvStatusOnClient: true },
      (_error, result) => resolve(result.status)));
    try {
      const { call } = await incoming;
      const status = { code: Status.OK, details: '', metadata: [] as string[] };
      assert.throws(() => call.startBatch({ sendInitialMetadata: ['grpc-timeout', '1S'] }, () => {}),
        { name: 'TypeError', message: /a server cannot send grpc-timeout/ });
      assert.throws(() => call.startBatch({ sendStatusFromServer: { ...status, metadata: ['grpc-timeout', '1S'] } }, () => {}),
        { name: 'TypeError', message: /a server cannot send grpc-timeout/ });

      // The call still works after the rejected batches.
      await new Promise((resolve) => call.startBatch(
        { sendInitialMetadata: ['x-ok', 'yes'], sendStatusFromServer: status, recvCloseOnServer: true }, resolve));
      assert.strictEqual((await clientStatus).code, Status.OK);
    } finally {
      channel.close();
      await new Promise<void>((resolve) => server.shutdown(resolve));
    }
  });

  it('frees plugin call credentials after use', async () => {
    // The native plugin kept its JavaScript function alive, and the function referenced the credentials object:
    // a cycle through native code that no collection could free, so every plugin credentials object leaked.
    const gc = exposeGc();
    const created = 20;
    let collected = 0;
    const registry = new FinalizationRegistry(() => {
      collected++;
    });
    const client = new Client(`127.0.0.1:${tls.port}`, clientTlsCredentials());
    // A function of its own makes each call, so that no stack frame here keeps the last credentials.
    const callWithNewCredentials = async () => {
      const credentials = metadataCallCredentials((_context, callback) => callback(new Metadata()));
      registry.register(credentials, null);
      const outcome = await echoCall(client, Buffer.from('x'), new Metadata(), { credentials });
      assert.strictEqual(outcome.code, Status.OK, outcome.details);
    };
    try {
      for (let i = 0; i < created; i++) {
        await callWithNewCredentials();
      }
    } finally {
      client.close();
    }

    // Each release takes a few turns of the event loop: the call, then C-core's credentials, then the function.
    for (let round = 0; round < 20 && collected < created; round++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // NOTE: V8 may keep an object alive through its own caches until a heap snapshot forces its most thorough
    // collection, so one survivor is allowed. Before the fix none was collected.
    assert.ok(collected >= created - 1, `only ${collected} of ${created} credentials objects were collected`);
  });

  it('frees dynamic server credentials after use', async () => {
    // The native certificate fetcher kept its callback alive, and the callback referenced the credentials object,
    // so every dynamicSslServerCredentials object leaked.
    const gc = exposeGc();
    const created = 5;
    let collected = 0;
    const registry = new FinalizationRegistry(() => {
      collected++;
    });
    const certs = testCerts();
    const serveOnce = async () => {
      const configuration = sslServerCertificateConfiguration([[certs.server.key, certs.server.cert]]);
      const credentials = dynamicSslServerCredentials(configuration, () => null);
      registry.register(credentials, null);
      const { server, port } = await startEchoServer(credentials);
      const client = new Client(`127.0.0.1:${port}`, clientTlsCredentials());
      const outcome = await echoCall(client, Buffer.from('x'));
      client.close();
      await shutdownServer(server);
      assert.strictEqual(outcome.code, Status.OK, outcome.details);
    };
    for (let i = 0; i < created; i++) {
      await serveOnce();
    }

    for (let round = 0; round < 20 && collected < created; round++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // NOTE: as above, V8 may keep one object alive through its own caches. Before the fix none was collected.
    assert.ok(collected >= created - 1, `only ${collected} of ${created} credentials objects were collected`);
  });

  it('frees the message of a rejected batch', () => {
    // A batch constructor that threw ran no destructor, so each malformed batch leaked its copy of the message.
    const channel = new binding.Channel(`127.0.0.1:${insecure.port}`, binding.insecureChannelCredentials(), {});
    const call = channel.createCall('/robustness.Echo/Echo', Date.now() + 5000, null, null, 0) as any;
    const message = Buffer.alloc(100 * 1024, 1);
    const rejected = 5000;
    try {
      const before = process.memoryUsage().rss;
      for (let i = 0; i < rejected; i++) {
        assert.throws(() => call.startBatch({ sendMessage: message, sendStatusFromServer: 'not an object' }, () => {}),
          { name: 'TypeError', message: /sendStatusFromServer must be an object/ });
      }
      const growthMb = (process.memoryUsage().rss - before) / 2 ** 20;
      // The leak cost 500 MB here: 100 KB for each of the 5,000 batches.
      assert.ok(growthMb < 100, `the resident set grew by ${growthMb.toFixed(0)} MB over ${rejected} rejected batches`);
    } finally {
      call.cancel();
      channel.close();
    }
  });
});
