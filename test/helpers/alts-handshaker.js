'use strict';
// A test-only ALTS handshaker service (grpc.gcp.HandshakerService) on @grpc/grpc-js, so that ALTS credentials can
// be tested end to end on one machine.
//
// C-core's ALTS credentials leave the whole handshake to a handshaker service. Each side opens a DoHandshake
// stream, forwards the bytes it receives from its peer and sends the bytes the service returns. At the end it takes
// the record protocol key and the peer's identity from the service's result. Real handshaker services run a key
// exchange. This one is NOT secure and exists only for tests: the client side draws a random key and sends it to
// the server side in the clear, inside the handshake frames. What it does exercise is everything on C-core's side:
// the handshaker streams, the frames between the peers, the result, ALTS record protection, and the peer identity
// and auth context that come out of it.
//
// Frames between the peers are a 4-byte big-endian length followed by a JSON object:
//   client to server: {"type": "client_init", "serviceAccount": ..., "key": <base64 of 44 bytes>}
//   server to client: {"type": "server_init", "serviceAccount": ...}
// The client's target service accounts, when it names any, must include the server's account, or the client's
// handshake fails with PERMISSION_DENIED, as handshaker.proto specifies for target_identities.

const crypto = require('node:crypto');
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const PROTO_ROOT = path.join(__dirname, '..', 'alts', 'proto');
const HANDSHAKER_PROTO = 'src/proto/grpc/gcp/handshaker.proto';

/** The application and record protocols that C-core 1.51 offers. */
const APPLICATION_PROTOCOL = 'grpc';
const RECORD_PROTOCOL = 'ALTSRP_GCM_AES128_REKEY';
/** C-core's ALTSRP_GCM_AES128_REKEY key length: a 32-byte key and a 12-byte nonce mask. */
const KEY_LENGTH = 44;

const STATUS_OK = 0;
const STATUS_INVALID_ARGUMENT = 3;
const STATUS_PERMISSION_DENIED = 7;

let handshakerServiceDefinition = null;

function loadService() {
  if (handshakerServiceDefinition === null) {
    const definition = protoLoader.loadSync(HANDSHAKER_PROTO, {
      includeDirs: [PROTO_ROOT],
      keepCase: true,
      defaults: true,
      oneofs: true,
    });
    handshakerServiceDefinition = grpc.loadPackageDefinition(definition).grpc.gcp.HandshakerService.service;
  }
  return handshakerServiceDefinition;
}

function encodeFrame(payload) {
  const body = Buffer.from(JSON.stringify(payload));
  const header = Buffer.alloc(4);
  header.writeUInt32BE(body.length);
  return Buffer.concat([header, body]);
}

/** Returns `{payload, end}` when `buffer` starts with a whole frame, else null. */
function decodeFrame(buffer) {
  if (buffer.length < 4) {
    return null;
  }
  const end = 4 + buffer.readUInt32BE(0);
  if (buffer.length < end) {
    return null;
  }
  return { payload: JSON.parse(buffer.subarray(4, end).toString()), end };
}

function identity(serviceAccount) {
  return { service_account: serviceAccount, attributes: {} };
}

function failure(code, details) {
  return { out_frames: Buffer.alloc(0), bytes_consumed: 0, status: { code, details } };
}

function result({ key, peerAccount, localAccount, rpcVersions }) {
  return {
    application_protocol: APPLICATION_PROTOCOL,
    record_protocol: RECORD_PROTOCOL,
    key_data: key,
    peer_identity: identity(peerAccount),
    local_identity: identity(localAccount),
    keep_channel_open: false,
    peer_rpc_versions: rpcVersions,
  };
}

/**
 * One DoHandshake stream: the state of one side of one connection. `accounts` contains the service accounts that
 * the service gives the client and the server side, and `log` records what the service saw, for tests.
 */
class HandshakeStream {
  constructor(call, accounts, log) {
    this.call = call;
    this.accounts = accounts;
    this.log = log;
    this.side = null;
    this.received = Buffer.alloc(0);
    this.rpcVersions = null;
    this.targetAccounts = [];
    this.key = null;
    this.done = false;
  }

  handle(request) {
    if (this.done) {
      return;
    }
    let response;
    if (request.client_start) {
      response = this.startClient(request.client_start);
    } else if (request.server_start) {
      response = this.startServer(request.server_start);
    } else if (request.next) {
      response = this.next(request.next.in_bytes);
    } else {
      response = failure(STATUS_INVALID_ARGUMENT, 'the handshaker request has no client_start, server_start or next');
    }
    this.call.write(response);
    // C-core acts on a final response (a result or a failure) only once the stream has ended with its status.
    if (response.status.code !== STATUS_OK || response.result) {
      this.done = true;
      this.call.end();
    }
  }

  startClient(start) {
    this.side = 'client';
    this.rpcVersions = start.rpc_versions;
    this.targetAccounts = start.target_identities.map((target) => target.service_account);
    this.key = crypto.randomBytes(KEY_LENGTH);
    this.log.push({ side: 'client', targetName: start.target_name, targetAccounts: this.targetAccounts });
    const frame = encodeFrame({ type: 'client_init', serviceAccount: this.accounts.client, key: this.key.toString('base64') });
    return { out_frames: frame, bytes_consumed: 0, status: { code: STATUS_OK, details: '' } };
  }

  startServer(start) {
    this.side = 'server';
    this.rpcVersions = start.rpc_versions;
    this.log.push({ side: 'server' });
    return this.next(start.in_bytes);
  }

  /** Takes bytes from the peer, and returns the result once a whole frame is in. */
  next(inBytes) {
    const buffered = this.received.length;
    this.received = Buffer.concat([this.received, inBytes]);
    const frame = decodeFrame(this.received);
    if (frame === null) {
      return { out_frames: Buffer.alloc(0), bytes_consumed: inBytes.length, status: { code: STATUS_OK, details: '' } };
    }
    // Bytes after the frame belong to the connection, not the handshake, so they are not consumed.
    const consumed = frame.end - buffered;
    return this.side === 'server' ? this.finishServer(frame.payload, consumed) : this.finishClient(frame.payload, consumed);
  }

  finishServer(payload, consumed) {
    if (payload.type !== 'client_init') {
      return failure(STATUS_INVALID_ARGUMENT, `expected a client_init frame, got ${payload.type}`);
    }
    return {
      out_frames: encodeFrame({ type: 'server_init', serviceAccount: this.accounts.server }),
      bytes_consumed: consumed,
      result: result({
        key: Buffer.from(payload.key, 'base64'),
        peerAccount: payload.serviceAccount,
        localAccount: this.accounts.server,
        rpcVersions: this.rpcVersions,
      }),
      status: { code: STATUS_OK, details: '' },
    };
  }

  finishClient(payload, consumed) {
    if (payload.type !== 'server_init') {
      return failure(STATUS_INVALID_ARGUMENT, `expected a server_init frame, got ${payload.type}`);
    }
    if (this.targetAccounts.length > 0 && !this.targetAccounts.includes(payload.serviceAccount)) {
      return failure(STATUS_PERMISSION_DENIED,
        `the server's service account ${payload.serviceAccount} is not one of the target service accounts`
        + ` ${this.targetAccounts.join(', ')}`);
    }
    return {
      out_frames: Buffer.alloc(0),
      bytes_consumed: consumed,
      result: result({
        key: this.key,
        peerAccount: payload.serviceAccount,
        localAccount: this.accounts.client,
        rpcVersions: this.rpcVersions,
      }),
      status: { code: STATUS_OK, details: '' },
    };
  }
}

/**
 * Starts the handshaker service on 127.0.0.1 and a free port. `clientServiceAccount` and `serverServiceAccount` are
 * the identities it gives the two sides. Resolves to `{address, log, stop}`: `address` is the `host:port` to pass
 * as the handshaker service address, `log` lists the handshake streams seen, `stop()` shuts the service down.
 */
function startAltsHandshakerService({
  clientServiceAccount = 'client@alts.test',
  serverServiceAccount = 'server@alts.test',
} = {}) {
  const accounts = { client: clientServiceAccount, server: serverServiceAccount };
  const log = [];
  const server = new grpc.Server();
  server.addService(loadService(), {
    DoHandshake(call) {
      const stream = new HandshakeStream(call, accounts, log);
      call.on('data', (request) => stream.handle(request));
      call.on('end', () => call.end());
      call.on('error', () => {});
    },
  });
  return new Promise((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) => {
      if (error) {
        reject(error);
        return;
      }
      resolve({
        address: `127.0.0.1:${port}`,
        log,
        stop: () => new Promise((done) => server.tryShutdown(() => done())),
      });
    });
  });
}

module.exports = { startAltsHandshakerService };
