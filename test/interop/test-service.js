'use strict';
// The grpc.testing.TestService server of gRPC's interop tests, written against the @grpc/grpc-js server API
// so that it runs on grpc-js or on any drop-in replacement passed in as `grpc`.
//
// Server features, as gRPC's interop test descriptions define them:
// - UnaryCall and StreamingOutputCall/FullDuplexCall/HalfDuplexCall respond with zero-filled payloads of the
//   requested sizes. A response_type other than COMPRESSABLE or a negative size fails with INVALID_ARGUMENT.
// - ResponseParameters.interval_us is a delay before each response, counted from the previous one.
// - A request with response_status (code other than OK) closes the call with that code and message, after
//   the responses of earlier requests, and later requests are ignored. A response_status with code OK is
//   ignored.
// - The `x-grpc-test-echo-initial` request header is sent back in the initial metadata, and the
//   `x-grpc-test-echo-trailing-bin` header is sent back in the trailers, also when the call fails.
// - Compression fields (response_compressed, expect_compressed, ResponseParameters.compressed) are ignored.
// - CacheableUnaryCall and UnimplementedCall are not implemented, so they fail with UNIMPLEMENTED.

const { loadTestingPackage } = require('./protos');

const ECHO_INITIAL_KEY = 'x-grpc-test-echo-initial';
const ECHO_TRAILING_KEY = 'x-grpc-test-echo-trailing-bin';

function checkGrpcModule(grpc) {
  if (grpc === null || typeof grpc !== 'object' || typeof grpc.Server !== 'function'
      || typeof grpc.Metadata !== 'function') {
    throw new TypeError('grpc must be the @grpc/grpc-js module or a drop-in replacement for it'
      + ` (an object with Server and Metadata), got ${typeof grpc}`);
  }
}

/** Sends the echoed `x-grpc-test-echo-initial` values as initial metadata, if the client sent any. */
function sendEchoedInitialMetadata(grpc, call) {
  const values = call.metadata.get(ECHO_INITIAL_KEY);
  if (values.length === 0) {
    return;
  }
  const initialMetadata = new grpc.Metadata();
  for (const value of values) {
    initialMetadata.add(ECHO_INITIAL_KEY, value);
  }
  call.sendMetadata(initialMetadata);
}

/** Builds the trailers: the client's `x-grpc-test-echo-trailing-bin` values, if any. */
function createEchoedTrailers(grpc, call) {
  const trailers = new grpc.Metadata();
  for (const value of call.metadata.get(ECHO_TRAILING_KEY)) {
    trailers.add(ECHO_TRAILING_KEY, value);
  }
  return trailers;
}

/** Returns the status that a request's response_status tells the server to close the call with, or null. */
function getRequestedStatus(request) {
  const status = request.response_status;
  if (!status || !status.code) {
    return null;
  }
  return { code: status.code, details: status.message };
}

/**
 * Returns an INVALID_ARGUMENT status if the server cannot produce the responses that `request` requests,
 * or null if it can.
 */
function validateResponseRequest(grpc, request, sizes) {
  if (request.response_type !== 'COMPRESSABLE') {
    return {
      code: grpc.status.INVALID_ARGUMENT,
      details: `unsupported response_type ${request.response_type}, only COMPRESSABLE is supported`,
    };
  }
  const negative = sizes.find((size) => size < 0);
  if (negative !== undefined) {
    return { code: grpc.status.INVALID_ARGUMENT, details: `invalid response size ${negative}, must be >= 0` };
  }
  return null;
}

function createPayload(size) {
  return { type: 'COMPRESSABLE', body: Buffer.alloc(size) };
}

/** Resolves after `milliseconds`, or as soon as the call is cancelled. */
function delayUnlessCancelled(call, milliseconds) {
  return new Promise((resolve) => {
    const onCancelled = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      call.removeListener('cancelled', onCancelled);
      resolve();
    }, milliseconds);
    call.once('cancelled', onCancelled);
  });
}

/** Writes one message and resolves when the stream has taken it, or as soon as the call is cancelled. */
function writeUnlessCancelled(call, message) {
  return new Promise((resolve) => {
    const onCancelled = () => resolve();
    call.once('cancelled', onCancelled);
    call.write(message, () => {
      call.removeListener('cancelled', onCancelled);
      resolve();
    });
  });
}

/** Writes one response per ResponseParameters entry, honouring interval_us. Stops if the call is cancelled. */
async function writeResponses(call, responseParameters) {
  for (const parameters of responseParameters) {
    if (parameters.interval_us > 0) {
      await delayUnlessCancelled(call, parameters.interval_us / 1000);
    }
    if (call.cancelled) {
      return;
    }
    await writeUnlessCancelled(call, { payload: createPayload(parameters.size) });
  }
}

/**
 * Processes the requests of a FullDuplexCall or HalfDuplexCall in order. `handleRequest` queues the
 * responses of one request; `finish` closes the call with OK once every queued response is written.
 */
function createStreamResponder(grpc, call) {
  const trailers = createEchoedTrailers(grpc, call);
  let queue = Promise.resolve();
  let acceptingRequests = true;
  let closed = false;

  function close(status) {
    if (closed || call.cancelled) {
      return;
    }
    closed = true;
    if (status === null) {
      call.end(trailers);
    } else {
      // grpc-js closes a server stream with the status of an emitted error (code, details, metadata).
      call.emit('error', { ...status, metadata: trailers });
    }
  }

  function enqueue(step) {
    queue = queue.then(step).catch((error) => {
      console.error(`interop test server: ${call.getPath()} failed:`, error);
      acceptingRequests = false;
      close({ code: grpc.status.INTERNAL, details: `interop test server failed: ${error.message}` });
    });
  }

  function handleRequest(request) {
    if (!acceptingRequests) {
      return;
    }
    const parameters = request.response_parameters;
    const failure = getRequestedStatus(request)
      || validateResponseRequest(grpc, request, parameters.map((entry) => entry.size));
    if (failure !== null) {
      acceptingRequests = false;
      enqueue(() => close(failure));
      return;
    }
    enqueue(() => writeResponses(call, parameters));
  }

  function finish() {
    enqueue(() => close(null));
  }

  return { handleRequest, finish };
}

/**
 * Creates the grpc.testing.TestService handlers, in the handler shapes of `grpc`'s server API
 * (`@grpc/grpc-js` or a drop-in replacement). `grpc` provides Metadata and the status codes.
 */
function createTestServiceImplementation(grpc) {
  checkGrpcModule(grpc);

  return {
    EmptyCall(call, callback) {
      sendEchoedInitialMetadata(grpc, call);
      callback(null, {}, createEchoedTrailers(grpc, call));
    },

    UnaryCall(call, callback) {
      sendEchoedInitialMetadata(grpc, call);
      const trailers = createEchoedTrailers(grpc, call);
      const request = call.request;
      const failure = getRequestedStatus(request)
        || validateResponseRequest(grpc, request, [request.response_size]);
      if (failure !== null) {
        callback({ ...failure, metadata: trailers });
        return;
      }
      callback(null, { payload: createPayload(request.response_size) }, trailers);
    },

    StreamingOutputCall(call) {
      sendEchoedInitialMetadata(grpc, call);
      const responder = createStreamResponder(grpc, call);
      responder.handleRequest(call.request);
      responder.finish();
    },

    StreamingInputCall(call, callback) {
      sendEchoedInitialMetadata(grpc, call);
      let aggregatedPayloadSize = 0;
      call.on('data', (request) => {
        aggregatedPayloadSize += request.payload ? request.payload.body.length : 0;
      });
      call.on('end', () => {
        callback(null, { aggregated_payload_size: aggregatedPayloadSize }, createEchoedTrailers(grpc, call));
      });
      // A cancelled call emits an error here. The client has gone, so no response is sent.
      call.on('error', () => {});
    },

    FullDuplexCall(call) {
      sendEchoedInitialMetadata(grpc, call);
      const responder = createStreamResponder(grpc, call);
      call.on('data', (request) => responder.handleRequest(request));
      call.on('end', () => responder.finish());
      call.on('error', () => {});
    },

    HalfDuplexCall(call) {
      sendEchoedInitialMetadata(grpc, call);
      const responder = createStreamResponder(grpc, call);
      const requests = [];
      call.on('data', (request) => requests.push(request));
      call.on('end', () => {
        for (const request of requests) {
          responder.handleRequest(request);
        }
        responder.finish();
      });
      call.on('error', () => {});
    },
  };
}

/** Returns the client target for a bound server address: a trailing `:0` is replaced by the bound port. */
function targetForAddress(address, port) {
  return address.endsWith(':0') ? `${address.slice(0, -2)}:${port}` : address;
}

/**
 * Starts a TestService server built with `grpc`.
 *
 * `credentials` defaults to insecure server credentials and `address` to `127.0.0.1:0` (a free port).
 * `options` are passed to the grpc.Server constructor. `implementation` replaces the handlers of
 * createTestServiceImplementation(grpc), for tests that need a misbehaving server. Resolves to
 * `{ server, port, target, stop }`, where `target` is the address for clients and `stop()` force-shuts the
 * server down.
 */
async function startInteropServer(grpc, {
  credentials, address = '127.0.0.1:0', options, implementation,
} = {}) {
  checkGrpcModule(grpc);
  if (typeof address !== 'string' || address === '') {
    throw new TypeError(`address must be a non-empty string such as '127.0.0.1:0', got ${String(address)}`);
  }

  const server = new grpc.Server(options);
  const { TestService } = loadTestingPackage(grpc);
  server.addService(TestService.service, implementation || createTestServiceImplementation(grpc));

  const serverCredentials = credentials || grpc.ServerCredentials.createInsecure();
  const port = await new Promise((resolve, reject) => {
    server.bindAsync(address, serverCredentials, (error, boundPort) => {
      if (error) {
        reject(new Error(`interop server failed to bind ${address}: ${error.message}`));
      } else {
        resolve(boundPort);
      }
    });
  });

  return {
    server,
    port,
    target: targetForAddress(address, port),
    stop() {
      server.forceShutdown();
    },
  };
}

module.exports = {
  ECHO_INITIAL_KEY,
  ECHO_TRAILING_KEY,
  createTestServiceImplementation,
  startInteropServer,
};
