/**
 * Client channel options under grpc-js's names, checked by their effect on real peers: a @grpc/grpc-js server on
 * 127.0.0.1, a TCP relay that counts the bytes on the wire, and a Python grpcio server that the test freezes. Also
 * the Channel and connectivity API, the exported constants, past deadlines and calls on a closed client.
 */
import * as assert from 'assert';
import { ChildProcess, spawn } from 'child_process';
import * as net from 'net';
import * as grpcJs from '@grpc/grpc-js';
import * as grpc from '../../lib/index';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { PYTHON, checkPythonGrpc } = require('../helpers/python-peer');

type Json = any;

const serialize = (value: Json): Buffer => Buffer.from(JSON.stringify(value));
const deserialize = (bytes: Buffer): Json => JSON.parse(bytes.toString());

const SERVICE = {
  Echo: {
    path: '/coverage.Options/Echo',
    requestStream: false,
    responseStream: false,
    requestSerialize: serialize,
    requestDeserialize: deserialize,
    responseSerialize: serialize,
    responseDeserialize: deserialize,
  },
};

const OptionsClient = grpc.makeGenericClientConstructor(SERVICE as any, 'Options');

/** What the grpc-js server saw: the metadata of the last call, and how many attempts a failing call made. */
const seen = { metadata: null as grpcJs.Metadata | null, calls: 0, attempts: 0 };

function echoHandler(call: grpcJs.ServerUnaryCall<Json, Json>, callback: grpcJs.sendUnaryData<Json>) {
  seen.metadata = call.metadata;
  seen.calls += 1;
  const request = call.request;
  if (request.failTimes !== undefined) {
    seen.attempts += 1;
    if (seen.attempts <= request.failTimes) {
      callback({ code: grpcJs.status.UNAVAILABLE, details: 'try again' });
      return;
    }
    callback(null, { attempts: seen.attempts });
    return;
  }
  callback(null, { length: JSON.stringify(request).length });
}

function echo(client: any, request: Json, options: grpc.CallOptions = {}) {
  return new Promise<{ error: grpc.ServiceError | null; response: Json }>((resolve) => {
    client.Echo(request, new grpc.Metadata(), options, (error: grpc.ServiceError | null, response: Json) =>
      resolve({ error, response }));
  });
}

/** Relays TCP connections to `port` and counts the bytes that clients send. */
async function startCountingRelay(port: number) {
  const relay = { sent: 0, server: net.createServer() };
  relay.server.on('connection', (downstream) => {
    const upstream = net.connect(port, '127.0.0.1');
    downstream.on('data', (chunk) => {
      relay.sent += chunk.length;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => downstream.write(chunk));
    downstream.on('error', () => upstream.destroy());
    upstream.on('error', () => downstream.destroy());
    downstream.on('close', () => upstream.destroy());
    upstream.on('close', () => downstream.destroy());
  });
  await new Promise<void>((resolve) => relay.server.listen(0, '127.0.0.1', resolve));
  return { relay, port: (relay.server.address() as net.AddressInfo).port };
}

// A grpcio server with one bidi method that echoes raw bytes. It prints its port and stops when stdin closes.
const PYTHON_ECHO_SERVER = `
import sys, grpc
from concurrent import futures
def echo(requests, context):
    for request in requests:
        yield request
handler = grpc.method_handlers_generic_handler('coverage.Options', {
    'Stream': grpc.stream_stream_rpc_method_handler(echo)})
server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
server.add_generic_rpc_handlers((handler,))
port = server.add_insecure_port('127.0.0.1:0')
server.start()
print('listening on port %d' % port, flush=True)
sys.stdin.read()
server.stop(0)
`;

function startPythonEchoServer(): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(PYTHON, ['-c', PYTHON_ECHO_SERVER], { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      const match = /listening on port (\d+)/.exec(output);
      if (match) {
        resolve({ child, port: Number(match[1]) });
      }
    });
    child.on('exit', (code) => reject(new Error(`the grpcio server exited with ${code} before listening`)));
  });
}

const RAW_STREAM = {
  Stream: {
    path: '/coverage.Options/Stream',
    requestStream: true,
    responseStream: true,
    requestSerialize: (value: Buffer) => value,
    requestDeserialize: (value: Buffer) => value,
    responseSerialize: (value: Buffer) => value,
    responseDeserialize: (value: Buffer) => value,
  },
};

/**
 * Opens a stream to a grpcio server, freezes the server with SIGSTOP once the first echo arrives, and returns the
 * status that ends the call.
 */
async function statusWithFrozenServer(options: grpc.ChannelOptions, deadlineMs: number): Promise<grpc.StatusObject> {
  const { child, port } = await startPythonEchoServer();
  const StreamClient = grpc.makeGenericClientConstructor(RAW_STREAM as any, 'Options');
  const client = new StreamClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), options) as any;
  try {
    const call = client.Stream({ deadline: Date.now() + deadlineMs });
    call.on('error', () => undefined);
    const status = new Promise<grpc.StatusObject>((resolve) => call.on('status', resolve));
    call.write(Buffer.from('ping'));
    await new Promise((resolve) => call.once('data', resolve));
    child.kill('SIGSTOP');
    return await status;
  } finally {
    child.kill('SIGCONT');
    child.stdin!.end();
    client.close();
  }
}

describe('client channel options', function () {
  this.timeout(60000);

  let server: grpcJs.Server;
  let port: number;
  let target: string;

  before(async () => {
    server = new grpcJs.Server();
    server.addService(SERVICE as any, { Echo: echoHandler } as any);
    port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0',
      grpcJs.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))));
    target = `127.0.0.1:${port}`;
  });

  after(() => {
    server.forceShutdown();
  });

  const clients: any[] = [];
  function newClient(options?: grpc.ChannelOptions, address = target): any {
    const client = new OptionsClient(address, grpc.credentials.createInsecure(), options);
    clients.push(client);
    return client;
  }

  afterEach(() => {
    for (const client of clients.splice(0)) {
      client.close();
    }
  });

  it('grpc.primary_user_agent leads the user-agent header', async () => {
    const { error } = await echo(newClient({ 'grpc.primary_user_agent': 'coverage-agent/1.2' }), {});
    assert.strictEqual(error, null);
    const userAgent = String(seen.metadata!.get('user-agent')[0]);
    assert.match(userAgent, /^coverage-agent\/1\.2 /);
  });

  describe('retries', () => {
    const retryServiceConfig = JSON.stringify({
      methodConfig: [{
        name: [{ service: 'coverage.Options' }],
        retryPolicy: {
          maxAttempts: 3,
          initialBackoff: '0.01s',
          maxBackoff: '0.05s',
          backoffMultiplier: 2,
          retryableStatusCodes: ['UNAVAILABLE'],
        },
      }],
    });

    it('grpc.service_config retry policy retries UNAVAILABLE', async () => {
      seen.attempts = 0;
      const { error, response } = await echo(newClient({ 'grpc.service_config': retryServiceConfig }), { failTimes: 2 });
      assert.strictEqual(error, null);
      assert.strictEqual(response.attempts, 3);
    });

    it('grpc.enable_retries 0 makes one attempt', async () => {
      seen.attempts = 0;
      const client = newClient({ 'grpc.service_config': retryServiceConfig, 'grpc.enable_retries': 0 });
      const { error } = await echo(client, { failTimes: 2 });
      assert.strictEqual(error?.code, grpc.status.UNAVAILABLE);
      assert.strictEqual(seen.attempts, 1);
    });
  });

  it('grpc.default_compression_algorithm compresses requests on the wire', async () => {
    const request = { text: 'compressible '.repeat(80000) };
    const sentBytes = async (options: grpc.ChannelOptions) => {
      const { relay, port: relayPort } = await startCountingRelay(port);
      try {
        const { error } = await echo(newClient(options, `127.0.0.1:${relayPort}`), request);
        assert.strictEqual(error, null);
        return relay.sent;
      } finally {
        relay.server.close();
      }
    };
    const plain = await sentBytes({});
    const gzip = await sentBytes({ 'grpc.default_compression_algorithm': grpc.compressionAlgorithms.gzip });
    assert.ok(plain > JSON.stringify(request).length, `plain request took ${plain} bytes`);
    assert.ok(gzip < plain / 10, `gzip request took ${gzip} bytes, plain ${plain}`);
  });

  it('grpc.max_send_message_length fails a large request before sending', async () => {
    const callsBefore = seen.calls;
    const { error } = await echo(newClient({ 'grpc.max_send_message_length': 100 }), { text: 'y'.repeat(500) });
    assert.strictEqual(error?.code, grpc.status.RESOURCE_EXHAUSTED);
    assert.match(error!.details, /Sent message larger than max \(\d+ vs\. 100\)/);
    assert.strictEqual(seen.calls, callsBefore);
  });

  describe('keepalive against a frozen grpcio server', () => {
    before(() => {
      checkPythonGrpc();
    });

    it('grpc.keepalive_time_ms ends the call with UNAVAILABLE', async () => {
      const status = await statusWithFrozenServer({ 'grpc.keepalive_time_ms': 1000, 'grpc.keepalive_timeout_ms': 1000 },
        40000);
      assert.strictEqual(status.code, grpc.status.UNAVAILABLE, status.details);
      assert.match(status.details, /keepalive/);
    });

    it('without keepalive the call waits for its deadline', async () => {
      const status = await statusWithFrozenServer({}, 3000);
      assert.strictEqual(status.code, grpc.status.DEADLINE_EXCEEDED, status.details);
    });
  });

  describe('Channel', () => {
    it('reports its target and state, and serves a client', async () => {
      const channel = new grpc.Channel(target, grpc.credentials.createInsecure(), {});
      try {
        assert.strictEqual(channel.getTarget(), target);
        assert.strictEqual(channel.getConnectivityState(false), grpc.connectivityState.IDLE);

        const states: grpc.connectivityState[] = [];
        await new Promise<void>((resolve, reject) => {
          const watch = (current: grpc.connectivityState) => {
            channel.watchConnectivityState(current, Date.now() + 10000, (error?: Error) => {
              if (error) {
                reject(error);
                return;
              }
              const state = channel.getConnectivityState(false);
              states.push(state);
              if (state === grpc.connectivityState.READY) {
                resolve();
              } else {
                watch(state);
              }
            });
          };
          watch(channel.getConnectivityState(true));
        });
        assert.strictEqual(states[states.length - 1], grpc.connectivityState.READY);

        const client = new OptionsClient(target, grpc.credentials.createInsecure(), { channelOverride: channel });
        const { error } = await echo(client, {});
        assert.strictEqual(error, null);
      } finally {
        channel.close();
      }
      assert.strictEqual(channel.getConnectivityState(false), grpc.connectivityState.SHUTDOWN);
    });

    it('watchConnectivityState reports a passed deadline', async () => {
      const channel = new grpc.Channel('127.0.0.1:1', grpc.credentials.createInsecure(), {});
      try {
        const error = await new Promise<Error | undefined>((resolve) =>
          channel.watchConnectivityState(channel.getConnectivityState(false), Date.now() + 100, resolve));
        assert.ok(error instanceof Error);
      } finally {
        channel.close();
      }
    });
  });

  describe('bad calls', () => {
    it('a deadline in the past fails with DEADLINE_EXCEEDED', async () => {
      const callsBefore = seen.calls;
      const client = newClient();
      for (const deadline of [Date.now() - 1000, 0, new Date(Date.now() - 1000)]) {
        const { error } = await echo(client, {}, { deadline });
        assert.strictEqual(error?.code, grpc.status.DEADLINE_EXCEEDED, `deadline ${String(deadline)}`);
      }
      assert.strictEqual(seen.calls, callsBefore);
      assert.strictEqual((await echo(client, {})).error, null);
    });

    it('a call on a closed client throws as grpc-js does', () => {
      const client = newClient();
      client.close();
      assert.throws(() => client.Echo({}, () => undefined), /^Error: Channel has been shut down$/);
    });
  });

  it('constants equal grpc-js\'s', () => {
    assert.deepStrictEqual({ ...grpc.status }, { ...grpcJs.status });
    assert.deepStrictEqual({ ...grpc.connectivityState }, { ...grpcJs.connectivityState });
    assert.deepStrictEqual({ ...grpc.propagate }, { ...grpcJs.propagate });
    assert.deepStrictEqual({ ...grpc.compressionAlgorithms }, { ...grpcJs.compressionAlgorithms });
  });
});
