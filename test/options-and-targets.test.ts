import * as assert from 'node:assert';
import * as grpc from '../lib';

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

function bind(server: grpc.Server, address: string): Promise<number> {
  return new Promise((resolve, reject) => server.bindAsync(address, grpc.ServerCredentials.createInsecure(),
    (error, port) => (error ? reject(error) : resolve(port))));
}

describe('channel options and targets', () => {
  it('rejects a string for an integer option', () => {
    assert.throws(() => new grpc.Channel('127.0.0.1:1', grpc.credentials.createInsecure(),
      { 'grpc.max_receive_message_length': 'abc' }), /grpc.max_receive_message_length must be an integer/);
  });

  it('rejects an empty target', () => {
    assert.throws(() => new grpc.Channel('', grpc.credentials.createInsecure(), {}), /Could not parse target name/);
  });
});

describe('server ports', () => {
  it('refuses a port that another server is using', async () => {
    const first = new grpc.Server();
    const second = new grpc.Server();
    first.addService(echoService, { echo: (call: any, callback: any) => callback(null, call.request) });
    try {
      const port = await bind(first, '127.0.0.1:0');
      await assert.rejects(bind(second, `127.0.0.1:${port}`));
    } finally {
      first.forceShutdown();
      second.forceShutdown();
    }
  });

  it('gives whole milliseconds from getDeadline', async () => {
    const server = new grpc.Server();
    let deadline: grpc.Deadline | undefined;
    server.addService(echoService, {
      echo: (call: any, callback: any) => {
        deadline = call.getDeadline();
        callback(null, call.request);
      },
    });
    const port = await bind(server, '127.0.0.1:0');
    const EchoClient = grpc.makeGenericClientConstructor(echoService, 'Echo');
    const client = new EchoClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    await new Promise<void>((resolve, reject) => client.echo(Buffer.from('x'), { deadline: Date.now() + 5000 },
      (error: Error | null) => (error ? reject(error) : resolve())));
    client.close();
    server.forceShutdown();

    const millis = deadline instanceof Date ? deadline.getTime() : deadline;
    assert.ok(Number.isInteger(millis), `deadline ${String(millis)} is not whole milliseconds`);
  });
});
