'use strict';
// A benchmark server on a Node.js implementation (grpc-native or grpc-js), started by bench/run.js.
//
// Configuration (JSON in argv[2]): `{ impl, security, checkToken }`. It listens on 127.0.0.1 and a free port,
// reports `{"event":"listening","port":N}`, and exits when its stdin closes.

const { loadGrpc } = require('./lib/implementations');
const { serverCredentials } = require('./lib/credentials');
const { SERVICE_DEFINITION, makeBenchHandlers } = require('./lib/service');
const { emit, readConfig, runChild } = require('./lib/child-protocol');

function bind(server, credentials) {
  return new Promise((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', credentials, (error, port) => (error ? reject(error) : resolve(port)));
  });
}

runChild(async () => {
  const config = readConfig(['impl', 'security']);
  const grpc = loadGrpc(config.impl);

  const server = new grpc.Server();
  server.addService(SERVICE_DEFINITION, makeBenchHandlers(grpc, { checkToken: Boolean(config.checkToken) }));
  const port = await bind(server, serverCredentials(grpc, config.security));

  process.stdin.on('end', () => {
    server.forceShutdown();
    process.exit(0);
  });
  process.stdin.resume();
  emit('listening', { port });
});
