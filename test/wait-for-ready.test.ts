import * as assert from 'node:assert';
import * as net from 'node:net';
import * as grpcJs from '@grpc/grpc-js';
import * as grpc from '../lib';

// Finds a free port by binding and releasing it, so a server can start there later.
async function reservePort(): Promise<number> {
  const listener = net.createServer();
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const port = (listener.address() as net.AddressInfo).port;
  await new Promise((resolve) => listener.close(resolve));
  return port;
}

const echoService = {
  echo: {
    path: '/test.Echo/Echo',
    requestStream: false,
    responseStream: false,
    requestSerialize: (value: Buffer) => value,
    requestDeserialize: (value: Buffer) => value,
    responseSerialize: (value: Buffer) => value,
    responseDeserialize: (value: Buffer) => value,
  },
};

describe('waitForReady metadata option', () => {
  it('waits for a server that starts after the call', async () => {
    const port = await reservePort();
    const EchoClient = grpc.makeGenericClientConstructor(echoService, 'Echo');
    const client = new EchoClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const server = new grpcJs.Server();
    server.addService(echoService, { echo: (call: any, callback: any) => callback(null, call.request) });

    const metadata = new grpc.Metadata({ waitForReady: true });
    const reply = new Promise<Buffer>((resolve, reject) => {
      client.echo(Buffer.from('late'), metadata, { deadline: Date.now() + 10000 },
        (error: Error | null, value: Buffer) => (error ? reject(error) : resolve(value)));
    });

    // The call is already waiting; only now does a server appear.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await new Promise<void>((resolve, reject) => server.bindAsync(`127.0.0.1:${port}`,
      grpcJs.ServerCredentials.createInsecure(), (error) => (error ? reject(error) : resolve())));

    try {
      assert.strictEqual((await reply).toString(), 'late');
    } finally {
      client.close();
      server.forceShutdown();
    }
  });

  it('fails at once without the option', async () => {
    const port = await reservePort();
    const EchoClient = grpc.makeGenericClientConstructor(echoService, 'Echo');
    const client = new EchoClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const error = await new Promise<grpc.ServiceError>((resolve) => {
      client.echo(Buffer.from('x'), { deadline: Date.now() + 10000 }, (callError: grpc.ServiceError) => resolve(callError));
    });
    client.close();
    assert.strictEqual(error.code, grpc.status.UNAVAILABLE);
  });
});
