import * as assert from 'node:assert';
import * as grpc from '../lib';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { getTestCerts } = require('./helpers/certs');

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

describe('client call getAuthContext', () => {
  let server: grpc.Server;
  let port: number;

  before(async () => {
    const certs = getTestCerts();
    server = new grpc.Server();
    server.addService(echoService, { echo: (call: any, callback: any) => callback(null, call.request) });
    const credentials = grpc.sslServerCredentials([{ privateKey: certs.server.key, certificateChain: certs.server.cert }]);
    port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', credentials,
      (error, boundPort) => (error ? reject(error) : resolve(boundPort))));
  });

  after(() => server.forceShutdown());

  it('reports the server certificate over TLS', async () => {
    const certs = getTestCerts();
    const EchoClient = grpc.makeGenericClientConstructor(echoService, 'Echo');
    const client = new EchoClient(`localhost:${port}`, grpc.sslChannelCredentials({ rootCertificates: certs.ca.cert }));
    const context = await new Promise<any>((resolve, reject) => {
      const call = client.echo(Buffer.from('x'), (error: Error | null) => (error ? reject(error) : resolve(call.getAuthContext())));
    });
    client.close();

    assert.strictEqual(context.transportSecurityType, 'ssl');
    assert.strictEqual(context.sslPeerCertificate.subject.CN, 'localhost');
    const identities = context.peerIdentities().map((value: Buffer) => value.toString());
    assert.ok(identities.includes('localhost'), identities.join(', '));
  });
});
