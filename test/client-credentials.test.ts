// Per-call credentials (CallOptions.credentials) end to end: our client over TLS to a grpc-js server on 127.0.0.1.
import * as assert from 'assert';
import * as grpcJs from '@grpc/grpc-js';
import { CallCredentials } from '../lib/call-credentials';
import { ChannelCredentials } from '../lib/channel-credentials';
import { Client } from '../lib/client';
import { Status } from '../lib/constants';
import { Metadata } from '../lib/metadata';
import type { ServiceError } from '../lib/call';
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { getTestCerts } = require('./helpers/certs');

type Json = any;

const serialize = (value: Json): Buffer => Buffer.from(JSON.stringify(value));
const deserialize = (bytes: Buffer): Json => JSON.parse(bytes.toString());

const ECHO_SERVICE = {
  Echo: {
    path: '/test.Creds/Echo',
    requestStream: false,
    responseStream: false,
    requestSerialize: serialize,
    requestDeserialize: deserialize,
    responseSerialize: serialize,
    responseDeserialize: deserialize,
  },
};

/** Starts a grpc-js server whose Echo returns the request's metadata, on an insecure or a TLS port. */
function startServer(credentials: grpcJs.ServerCredentials): Promise<{ server: grpcJs.Server; port: number }> {
  const server = new grpcJs.Server();
  server.addService(ECHO_SERVICE as any, {
    Echo(call: grpcJs.ServerUnaryCall<Json, Json>, callback: grpcJs.sendUnaryData<Json>) {
      callback(null, { metadata: call.metadata.toJSON() });
    },
  });
  return new Promise((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', credentials, (error, port) => (error ? reject(error) : resolve({ server, port })));
  });
}

function echo(client: Client, credentials: CallCredentials) {
  return new Promise<{ error: ServiceError | null; response: Json }>((resolve) => {
    client.makeUnaryRequest('/test.Creds/Echo', serialize, deserialize, {}, new Metadata(), { credentials },
      (error, response) => resolve({ error, response }));
  });
}

function tokenCredentials(token: string): CallCredentials {
  return CallCredentials.createFromMetadataGenerator((_options, callback) => {
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${token}`);
    callback(null, metadata);
  });
}

describe('per-call credentials', () => {
  describe('over TLS', () => {
    let server: grpcJs.Server;
    let client: Client;

    before(async () => {
      const certs = getTestCerts();
      const started = await startServer(grpcJs.ServerCredentials.createSsl(null,
        [{ private_key: certs.server.key, cert_chain: certs.server.cert }]));
      server = started.server;
      client = new Client(`127.0.0.1:${started.port}`, ChannelCredentials.createSsl(certs.ca.cert));
    });

    after(() => {
      client.close();
      server.forceShutdown();
    });

    it('adds the generated metadata to the call', async () => {
      const { error, response } = await echo(client, tokenCredentials('call-token'));
      assert.strictEqual(error, null);
      assert.deepStrictEqual(response.metadata.authorization, ['Bearer call-token']);
    });

    it('applies only to the call that has them', async () => {
      const { response } = await new Promise<{ response: Json }>((resolve) => {
        client.makeUnaryRequest('/test.Creds/Echo', serialize, deserialize, {}, (_error, value) =>
          resolve({ response: value }));
      });
      assert.strictEqual(response.metadata.authorization, undefined);
    });

    it('a generator error fails the call with UNAVAILABLE', async () => {
      const failing = CallCredentials.createFromMetadataGenerator((_options, callback) =>
        callback(new Error('token service down')));
      const { error } = await echo(client, failing);
      assert.strictEqual(error?.code, Status.UNAVAILABLE);
      assert.match(error.details, /token service down/);
    });
  });

  describe('over an insecure channel', () => {
    let server: grpcJs.Server;
    let client: Client;
    let receivedCalls: number;

    before(async () => {
      receivedCalls = 0;
      server = new grpcJs.Server();
      server.addService(ECHO_SERVICE as any, {
        Echo(_call: grpcJs.ServerUnaryCall<Json, Json>, callback: grpcJs.sendUnaryData<Json>) {
          receivedCalls += 1;
          callback(null, {});
        },
      });
      const port = await new Promise<number>((resolve, reject) => {
        server.bindAsync('127.0.0.1:0', grpcJs.ServerCredentials.createInsecure(), (error, boundPort) =>
          (error ? reject(error) : resolve(boundPort)));
      });
      client = new Client(`127.0.0.1:${port}`, ChannelCredentials.createInsecure());
    });

    after(() => {
      client.close();
      server.forceShutdown();
    });

    it('fails the call and sends no token in plaintext', async () => {
      const { error } = await echo(client, tokenCredentials('secret'));
      assert.strictEqual(error?.code, Status.UNAUTHENTICATED);
      assert.match(error.details, /sufficient security level/);
      assert.strictEqual(receivedCalls, 0);
    });
  });
});
