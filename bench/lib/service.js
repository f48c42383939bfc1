'use strict';
// The benchmark service, written once against the @grpc/grpc-js API and built from whichever grpc module is
// passed in (grpc-js or grpc-native).
//
// Messages are raw bytes with identity (de)serializers, so the numbers measure the gRPC library and not a
// protobuf encoder, which would cost every Node.js implementation the same. The Python peers in bench/peers/
// serve and call the same method paths with the same byte layouts.

/** Full method paths; bench/peers/bench_service.py uses the same names. */
const SERVICE_NAME = 'grpc_native.bench.BenchService';
const UNARY_PATH = `/${SERVICE_NAME}/Unary`;
const STREAM_PATH = `/${SERVICE_NAME}/StreamFromServer`;
const PING_PONG_PATH = `/${SERVICE_NAME}/PingPong`;

/**
 * A StreamFromServer request is 9 bytes: the message size (uint32 big-endian), the message count (uint32
 * big-endian, UNBOUNDED_COUNT for "until the client cancels") and a hold flag (1 byte). With the hold flag set,
 * the server keeps the stream open after the last message until the client cancels, instead of ending it.
 */
const STREAM_REQUEST_LENGTH = 9;
const UNBOUNDED_COUNT = 0xffffffff;

/** Authorization header that the call-credential scenario adds and the servers check. */
const CALL_CREDENTIAL_KEY = 'authorization';
const CALL_CREDENTIAL_VALUE = 'Bearer grpc-native-bench-token';

function identity(buffer) {
  return buffer;
}

function methodDefinition(path, originalName, requestStream, responseStream) {
  return {
    path,
    originalName,
    requestStream,
    responseStream,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  };
}

/** The service definition, in the shape that `makeGenericClientConstructor` and `Server.addService` take. */
const SERVICE_DEFINITION = {
  unary: methodDefinition(UNARY_PATH, 'Unary', false, false),
  streamFromServer: methodDefinition(STREAM_PATH, 'StreamFromServer', false, true),
  pingPong: methodDefinition(PING_PONG_PATH, 'PingPong', true, true),
};

function encodeStreamRequest({ messageSize, count, hold }) {
  const request = Buffer.alloc(STREAM_REQUEST_LENGTH);
  request.writeUInt32BE(messageSize, 0);
  request.writeUInt32BE(count, 4);
  request.writeUInt8(hold ? 1 : 0, 8);
  return request;
}

function decodeStreamRequest(request) {
  if (!Buffer.isBuffer(request) || request.length !== STREAM_REQUEST_LENGTH) {
    throw new TypeError(`a StreamFromServer request must be ${STREAM_REQUEST_LENGTH} bytes`);
  }
  return { messageSize: request.readUInt32BE(0), count: request.readUInt32BE(4), hold: request.readUInt8(8) === 1 };
}

/** Returns the client constructor for the benchmark service, made by `grpc`. */
function makeBenchClient(grpc) {
  return grpc.makeGenericClientConstructor(SERVICE_DEFINITION, 'BenchService');
}

/**
 * Returns the method handlers of the benchmark service for `grpc`'s Server. With `checkToken`, a call that carries
 * the call-credential header must carry the right value, or it fails with UNAUTHENTICATED. Calls without the header
 * pass, because the call-credential scenario sends it on every other call only.
 */
function makeBenchHandlers(grpc, { checkToken = false } = {}) {
  const rejectUnauthenticated = (call) => {
    if (!checkToken) {
      return false;
    }
    const values = call.metadata.get(CALL_CREDENTIAL_KEY);
    return values.length > 0 && (values.length !== 1 || values[0] !== CALL_CREDENTIAL_VALUE);
  };
  const unauthenticated = { code: grpc.status.UNAUTHENTICATED, details: 'missing or wrong bench token' };

  return {
    unary(call, callback) {
      if (rejectUnauthenticated(call)) {
        callback(unauthenticated);
        return;
      }
      callback(null, call.request);
    },

    streamFromServer(call) {
      if (rejectUnauthenticated(call)) {
        call.emit('error', unauthenticated);
        return;
      }
      let request;
      try {
        request = decodeStreamRequest(call.request);
      } catch (error) {
        call.emit('error', { code: grpc.status.INVALID_ARGUMENT, details: error.message });
        return;
      }
      writeStream(call, request);
    },

    pingPong(call) {
      if (rejectUnauthenticated(call)) {
        call.emit('error', unauthenticated);
        return;
      }
      call.on('data', (message) => call.write(message));
      call.on('end', () => call.end());
      // A cancelled call ends without 'end'; nothing is left to clean up.
      call.on('error', () => {});
    },
  };
}

/** Writes `count` messages of `messageSize` bytes to `call`, waiting for 'drain' whenever write returns false. */
function writeStream(call, { messageSize, count, hold }) {
  const message = Buffer.alloc(messageSize, 0x61);
  let remaining = count;
  let cancelled = false;
  call.on('cancelled', () => {
    cancelled = true;
  });
  call.on('error', () => {
    cancelled = true;
  });

  const writeUntilFull = () => {
    while (!cancelled && remaining > 0) {
      if (remaining !== UNBOUNDED_COUNT) {
        remaining--;
      }
      if (!call.write(message)) {
        call.once('drain', writeUntilFull);
        return;
      }
    }
    if (!cancelled && !hold) {
      call.end();
    }
  };
  writeUntilFull();
}

module.exports = {
  SERVICE_NAME,
  UNARY_PATH,
  STREAM_PATH,
  PING_PONG_PATH,
  UNBOUNDED_COUNT,
  CALL_CREDENTIAL_KEY,
  CALL_CREDENTIAL_VALUE,
  SERVICE_DEFINITION,
  encodeStreamRequest,
  decodeStreamRequest,
  makeBenchClient,
  makeBenchHandlers,
};
