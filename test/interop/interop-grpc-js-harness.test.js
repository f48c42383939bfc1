'use strict';
// Proves the interop harness with @grpc/grpc-js as the module under test: grpc-js against itself, and
// grpc-js against Python grpcio and grpc-go in both directions, over insecure, TLS and mutual TLS
// connections on 127.0.0.1. The helpers take the grpc module as an argument, so a suite can run them with
// grpc-native in place of grpc-js.

const assert = require('node:assert/strict');
const grpc = require('@grpc/grpc-js');

const { INTEROP_PEERS, preparePeer } = require('../helpers/interop-peers');
const { INTEROP_CASE_NAMES, runInteropCase } = require('./client-cases');
const { createTestServiceClient } = require('./protos');
const { createTestServiceImplementation, startInteropServer } = require('./test-service');
const {
  TRANSPORTS, createInteropServerCredentials, createInteropClient, peerServerTls, peerClientTls,
} = require('./transports');

function createServerCredentials(transport) {
  return createInteropServerCredentials(grpc, transport);
}

function createClient(transport, target) {
  return createInteropClient(grpc, transport, target);
}

describe('interop harness on @grpc/grpc-js', () => {
  for (const transport of TRANSPORTS) {
    describe(`${transport}: grpc-js client, grpc-js server`, () => {
      let server;
      let client;

      before(async () => {
        server = await startInteropServer(grpc, { credentials: createServerCredentials(transport) });
        client = createClient(transport, server.target);
      });

      after(() => {
        client?.close();
        server?.stop();
      });

      for (const caseName of INTEROP_CASE_NAMES) {
        it(caseName, () => runInteropCase(caseName, client, grpc));
      }
    });

    for (const peer of INTEROP_PEERS) {
      describe(`${transport}: grpc-js client, ${peer.name} server`, () => {
        let server;
        let client;

        before(async function startPeerServer() {
          // The first use of the Go peer builds it: 12 s with an empty Go build cache on a 2-core machine.
          this.timeout(180000);
          await preparePeer(this, peer);
          server = await peer.startServer({ tls: peerServerTls(transport) });
          client = createClient(transport, server.target);
        });

        after(async () => {
          client?.close();
          await server?.stop();
        });

        for (const caseName of INTEROP_CASE_NAMES) {
          it(caseName, () => runInteropCase(caseName, client, grpc));
        }
      });

      describe(`${transport}: ${peer.name} client, grpc-js server`, () => {
        let server;
        let run;

        before(async function runPeerClient() {
          this.timeout(180000);
          await preparePeer(this, peer);
          server = await startInteropServer(grpc, { credentials: createServerCredentials(transport) });
          run = await peer.runClient({
            port: server.port, testCases: INTEROP_CASE_NAMES, tls: peerClientTls(transport),
          });
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

  describe('client cases against a faulty server', () => {
    let server;
    let client;

    // Each handler breaks exactly one requirement of the interop descriptions.
    function createFaultyImplementation() {
      const correct = createTestServiceImplementation(grpc);
      return {
        ...correct,
        UnaryCall(call, callback) {
          if (call.request.response_status) {
            callback({ code: grpc.status.INTERNAL, details: 'not the requested status' });
            return;
          }
          const body = Buffer.alloc(call.request.response_size + 1);
          callback(null, { payload: { type: 'COMPRESSABLE', body } });
        },
        StreamingInputCall(call, callback) {
          call.on('data', () => {});
          call.on('end', () => callback(null, { aggregated_payload_size: 1 }));
          call.on('error', () => {});
        },
        StreamingOutputCall(call) {
          call.write({ payload: { type: 'COMPRESSABLE', body: Buffer.alloc(3) } });
          call.end();
        },
        FullDuplexCall(call) {
          // Sends a one-byte response per request and ignores echo metadata and requested status.
          call.on('data', () => call.write({ payload: { type: 'COMPRESSABLE', body: Buffer.from([1]) } }));
          call.on('end', () => call.end());
          call.on('error', () => {});
        },
      };
    }

    before(async () => {
      server = await startInteropServer(grpc, { implementation: createFaultyImplementation() });
      client = createTestServiceClient(grpc, server.target);
    });

    after(() => {
      client?.close();
      server?.stop();
    });

    const expectedFailures = {
      large_unary: /^large_unary: response payload size is 314160, expected 314159$/,
      client_streaming: /^client_streaming: aggregated_payload_size is 1, expected 74922$/,
      server_streaming: /^server_streaming: number of responses is 1, expected 4$/,
      ping_pong: /^ping_pong: response 1 payload size is 1, expected 31415$/,
      custom_metadata: /^custom_metadata: UnaryCall response payload size is 314160, expected 314159$/,
      status_code_and_message: /^status_code_and_message: UnaryCall ended with status INTERNAL \(13\)/,
      special_status_message: /^special_status_message: UnaryCall ended with status INTERNAL \(13\)/,
      empty_stream: null,
    };

    for (const [caseName, expectedMessage] of Object.entries(expectedFailures)) {
      if (expectedMessage === null) {
        it(`${caseName} still passes`, () => runInteropCase(caseName, client, grpc));
        continue;
      }
      it(`${caseName} reports the broken check`, async () => {
        await assert.rejects(runInteropCase(caseName, client, grpc), { message: expectedMessage });
      });
    }

    for (const peer of INTEROP_PEERS) {
      it(`${peer.name} client reports the broken checks`, async function checkPeerClient() {
        this.timeout(180000);
        await preparePeer(this, peer);
        const run = await peer.runClient({
          port: server.port, testCases: ['large_unary', 'client_streaming', 'ping_pong', 'empty_unary'],
        });
        assert.equal(run.exitCode, 1);
        assert.deepEqual(run.results.large_unary,
          { passed: false, reason: 'response payload size is 314160, expected 314159' });
        assert.deepEqual(run.results.client_streaming,
          { passed: false, reason: 'aggregated_payload_size is 1, expected 74922' });
        assert.deepEqual(run.results.ping_pong,
          { passed: false, reason: 'response 1 payload size is 1, expected 31415' });
        assert.deepEqual(run.results.empty_unary, { passed: true, reason: null });
      });
    }
  });
});
