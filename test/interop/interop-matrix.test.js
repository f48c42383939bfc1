'use strict';
// The interop matrix for grpc-native: our client and server against each other, against @grpc/grpc-js, and
// against Python grpcio and grpc-go, over insecure, TLS and mutual TLS connections on 127.0.0.1. The harness is
// written against the grpc-js API; here grpc-native takes the place of grpc-js on one side or both.

const assert = require('node:assert/strict');
const grpcJs = require('@grpc/grpc-js');
const ours = require('../../lib');

const { INTEROP_PEERS, preparePeer } = require('../helpers/interop-peers');
const { INTEROP_CASE_NAMES, runInteropCase } = require('./client-cases');
const { startInteropServer } = require('./test-service');
const {
  TRANSPORTS, createInteropServerCredentials, createInteropClient, peerServerTls, peerClientTls,
} = require('./transports');

const NODE_PAIRS = [
  { client: ['grpc-native', ours], server: ['grpc-native', ours] },
  { client: ['grpc-native', ours], server: ['grpc-js', grpcJs] },
  { client: ['grpc-js', grpcJs], server: ['grpc-native', ours] },
];

describe('interop matrix', () => {
  for (const transport of TRANSPORTS) {
    for (const { client: [clientName, clientModule], server: [serverName, serverModule] } of NODE_PAIRS) {
      describe(`${transport}: ${clientName} client, ${serverName} server`, () => {
        let server;
        let client;

        before(async () => {
          server = await startInteropServer(serverModule, {
            credentials: createInteropServerCredentials(serverModule, transport),
          });
          client = createInteropClient(clientModule, transport, server.target);
        });

        after(() => {
          client?.close();
          server?.stop();
        });

        for (const caseName of INTEROP_CASE_NAMES) {
          it(caseName, () => runInteropCase(caseName, client, clientModule));
        }
      });
    }

    for (const peer of INTEROP_PEERS) {
      describe(`${transport}: grpc-native client, ${peer.name} server`, () => {
        let server;
        let client;

        before(async function startPeerServer() {
          // The first use of the Go peer builds it: about 12 s with an empty Go build cache on 2 cores.
          this.timeout(180000);
          await preparePeer(this, peer);
          server = await peer.startServer({ tls: peerServerTls(transport) });
          client = createInteropClient(ours, transport, server.target);
        });

        after(async () => {
          client?.close();
          await server?.stop();
        });

        for (const caseName of INTEROP_CASE_NAMES) {
          it(caseName, () => runInteropCase(caseName, client, ours));
        }
      });

      describe(`${transport}: ${peer.name} client, grpc-native server`, () => {
        let server;
        let run;

        before(async function runPeerClient() {
          this.timeout(180000);
          await preparePeer(this, peer);
          server = await startInteropServer(ours, { credentials: createInteropServerCredentials(ours, transport) });
          run = await peer.runClient({ port: server.port, testCases: INTEROP_CASE_NAMES, tls: peerClientTls(transport) });
        });

        after(() => {
          server?.stop();
        });

        for (const caseName of INTEROP_CASE_NAMES) {
          it(caseName, () => peer.assertCasePassed(run, caseName));
        }

        it('client exits with code 0', () => {
          assert.equal(run.exitCode, 0, `${peer.name} interop client output:\n${run.stdout}${run.stderr}`);
        });
      });
    }
  }
});
