'use strict';
// A real secure round trip with grpc-native: a server and a client on 127.0.0.1 over mutual TLS, with an access
// token and a metadata plugin as call credentials. The certificates are generated for this run and deleted when
// it ends. Run it with `npm run demo` after `bash scripts/bootstrap.sh`.

const path = require('node:path');
const protoLoader = require('@grpc/proto-loader');
const grpc = require('..');
const { getTestCerts } = require('../test/helpers/certs');

const EXPECTED_TOKEN = 'demo-token';

function loadGreeter() {
  const definition = protoLoader.loadSync(path.join(__dirname, 'protos', 'greeter.proto'));
  return grpc.loadPackageDefinition(definition).demo.Greeter;
}

function startServer(Greeter, certs) {
  const server = new grpc.Server();
  server.addService(Greeter.service, {
    SayHello(call, callback) {
      const context = call.getAuthContext();
      const authorization = call.metadata.get('authorization')[0];
      if (authorization !== `Bearer ${EXPECTED_TOKEN}`) {
        callback({ code: grpc.status.UNAUTHENTICATED, details: 'missing or wrong access token' });
        return;
      }
      const peer = context.sslPeerCertificate ? context.sslPeerCertificate.subject.CN : 'unknown';
      console.log(`server: ${call.getPath()} from ${peer} over ${context.transportSecurityType}, ` +
        `request id ${call.metadata.get('x-request-id')[0]}`);
      callback(null, { message: `Hello, ${call.request.name}` });
    },
    async *CountTo(call) {
      for (let number = 1; number <= call.request.limit; number++) {
        yield { number };
      }
    },
  });

  const credentials = grpc.sslServerCredentials(
    [{ privateKey: certs.server.key, certificateChain: certs.server.cert }],
    { rootCertificates: certs.ca.cert, requireClientAuth: true });
  return new Promise((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', credentials, (error, port) => (error ? reject(error) : resolve({ server, port })));
  });
}

function createClient(Greeter, certs, port) {
  let requestNumber = 0;
  const plugin = (context, callback) => {
    requestNumber += 1;
    callback(null, [['x-request-id', `demo-${requestNumber}`]]);
  };
  const channelCredentials = grpc.compositeChannelCredentials(
    grpc.sslChannelCredentials({
      rootCertificates: certs.ca.cert,
      privateKey: certs.client.key,
      certificateChain: certs.client.cert,
    }),
    grpc.accessTokenCallCredentials(EXPECTED_TOKEN),
    grpc.metadataCallCredentials(plugin, 'request-id'));
  return new Greeter(`localhost:${port}`, channelCredentials);
}

async function main() {
  const certs = getTestCerts();
  const Greeter = loadGreeter();
  const { server, port } = await startServer(Greeter, certs);
  console.log(`server: listening on 127.0.0.1:${port} with mutual TLS`);

  const client = createClient(Greeter, certs, port);
  const reply = await new Promise((resolve, reject) => {
    client.SayHello({ name: 'grpc-native' }, (error, response) => (error ? reject(error) : resolve(response)));
  });
  console.log(`client: SayHello answered "${reply.message}"`);

  const numbers = [];
  for await (const message of client.CountTo({ limit: 3 })) {
    numbers.push(message.number);
  }
  console.log(`client: CountTo streamed ${numbers.join(', ')}`);

  client.close();
  await new Promise((resolve) => server.tryShutdown(resolve));
  console.log('demo: done');
}

main().catch((error) => {
  console.error(`demo failed: ${error.stack}`);
  process.exitCode = 1;
});
