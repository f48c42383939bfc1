'use strict';
// The client side of gRPC's interop test cases, written against the @grpc/grpc-js client API.
//
// Each case is an async function `(client, grpc, options)`: `client` is a grpc.testing.TestService stub made
// by `grpc` (see protos.js), and `grpc` is the module that made it, which provides Metadata and the status
// codes. A case resolves when every check passes and otherwise throws an Error whose message starts with the
// case name and says which check failed. The checks are those of gRPC's interop test descriptions
// (doc/interop-test-descriptions.md in the grpc/grpc repository).

const {
  StreamObserver, unaryCall, clientStreamingCall, callWithSingleResponse, formatStatusCode, describeOutcome,
} = require('./call-helpers');
const { ECHO_INITIAL_KEY, ECHO_TRAILING_KEY } = require('./test-service');

/**
 * Deadline, in milliseconds from the start of each call, of every call that a case does not expect to time
 * out. It only turns a hung peer into a DEADLINE_EXCEEDED failure, so it is far above the expected duration.
 */
const DEFAULT_CALL_TIMEOUT_MS = 10000;

const ECHO_INITIAL_VALUE = 'test_initial_metadata_value';
const ECHO_TRAILING_VALUE = Buffer.from([0xab, 0xab, 0xab]);

function zeros(size) {
  return Buffer.alloc(size);
}

/** Returns the Error that a failed check throws: `<case>: <message>`. */
function checkFailure(caseName, message) {
  return new Error(`${caseName}: ${message}`);
}

function checkEqual(caseName, label, actual, expected) {
  if (actual !== expected) {
    throw checkFailure(caseName, `${label} is ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
  }
}

function checkSucceeded(caseName, grpc, label, error, status) {
  if (error || !status || status.code !== grpc.status.OK) {
    throw checkFailure(caseName, `${label} failed: ${describeOutcome(grpc, error, status)}`);
  }
}

function checkFailedWith(caseName, grpc, label, error, status, expectedCode) {
  const code = error ? error.code : status && status.code;
  if (code !== expectedCode) {
    throw checkFailure(caseName, `${label} ended with ${describeOutcome(grpc, error, status)},`
      + ` expected status ${formatStatusCode(grpc, expectedCode)}`);
  }
}

function checkZeroPayload(caseName, label, payload, expectedSize) {
  if (!payload || !Buffer.isBuffer(payload.body)) {
    throw checkFailure(caseName, `${label} has no payload body`);
  }
  checkEqual(caseName, `${label} payload size`, payload.body.length, expectedSize);
  if (payload.body.some((byte) => byte !== 0)) {
    throw checkFailure(caseName, `${label} payload body contains non-zero bytes`);
  }
}

function checkResponseSizes(caseName, messages, expectedSizes) {
  checkEqual(caseName, 'number of responses', messages.length, expectedSizes.length);
  messages.forEach((message, index) => {
    checkZeroPayload(caseName, `response ${index + 1}`, message.payload, expectedSizes[index]);
  });
}

function callOptions(options) {
  return { deadline: Date.now() + options.callTimeoutMs };
}

function createEchoMetadata(grpc) {
  const metadata = new grpc.Metadata();
  metadata.set(ECHO_INITIAL_KEY, ECHO_INITIAL_VALUE);
  metadata.set(ECHO_TRAILING_KEY, ECHO_TRAILING_VALUE);
  return metadata;
}

function checkEchoedMetadata(caseName, label, initialMetadata, trailers) {
  const initialValues = initialMetadata ? initialMetadata.get(ECHO_INITIAL_KEY) : [];
  checkEqual(caseName, `${label}: ${ECHO_INITIAL_KEY} values in the initial metadata`,
    JSON.stringify(initialValues), JSON.stringify([ECHO_INITIAL_VALUE]));

  const trailingValues = trailers ? trailers.get(ECHO_TRAILING_KEY) : [];
  const trailingHex = trailingValues.map((value) => (Buffer.isBuffer(value) ? value.toString('hex') : value));
  checkEqual(caseName, `${label}: ${ECHO_TRAILING_KEY} values (hex) in the trailers`,
    JSON.stringify(trailingHex), JSON.stringify([ECHO_TRAILING_VALUE.toString('hex')]));
}

async function emptyUnary(client, grpc, options) {
  const caseName = 'empty_unary';
  const { error, response, status } = await unaryCall(client, 'EmptyCall', {}, new grpc.Metadata(),
    callOptions(options));
  checkSucceeded(caseName, grpc, 'EmptyCall', error, status);
  if (response === null || typeof response !== 'object') {
    throw checkFailure(caseName, `EmptyCall response is ${response}, expected an Empty message`);
  }
}

async function largeUnary(client, grpc, options) {
  const caseName = 'large_unary';
  const request = { response_size: 314159, payload: { body: zeros(271828) } };
  const { error, response, status } = await unaryCall(client, 'UnaryCall', request, new grpc.Metadata(),
    callOptions(options));
  checkSucceeded(caseName, grpc, 'UnaryCall', error, status);
  checkZeroPayload(caseName, 'response', response.payload, 314159);
}

async function clientStreaming(client, grpc, options) {
  const caseName = 'client_streaming';
  const requests = [27182, 8, 1828, 45904].map((size) => ({ payload: { body: zeros(size) } }));
  const { error, response, status } = await clientStreamingCall(client, 'StreamingInputCall', requests,
    new grpc.Metadata(), callOptions(options));
  checkSucceeded(caseName, grpc, 'StreamingInputCall', error, status);
  checkEqual(caseName, 'aggregated_payload_size', response.aggregated_payload_size, 74922);
}

async function serverStreaming(client, grpc, options) {
  const caseName = 'server_streaming';
  const sizes = [31415, 9, 2653, 58979];
  const request = { response_parameters: sizes.map((size) => ({ size })) };
  const call = client.StreamingOutputCall(request, new grpc.Metadata(), callOptions(options));
  const { error, status, messages } = await new StreamObserver(call).finished();
  checkSucceeded(caseName, grpc, 'StreamingOutputCall', error, status);
  checkResponseSizes(caseName, messages, sizes);
}

async function pingPong(client, grpc, options) {
  const caseName = 'ping_pong';
  const responseSizes = [31415, 9, 2653, 58979];
  const requestSizes = [27182, 8, 1828, 45904];
  const call = client.FullDuplexCall(new grpc.Metadata(), callOptions(options));
  const observer = new StreamObserver(call);

  for (let index = 0; index < responseSizes.length; index += 1) {
    call.write({
      response_parameters: [{ size: responseSizes[index] }],
      payload: { body: zeros(requestSizes[index]) },
    });
    const response = await observer.nextMessage();
    if (response === null) {
      const { error, status } = await observer.finished();
      throw checkFailure(caseName, `stream ended before response ${index + 1}: `
        + describeOutcome(grpc, error, status));
    }
    checkZeroPayload(caseName, `response ${index + 1}`, response.payload, responseSizes[index]);
  }
  call.end();

  const extra = await observer.nextMessage();
  if (extra !== null) {
    throw checkFailure(caseName, 'received a fifth response, expected exactly four');
  }
  const { error, status } = await observer.finished();
  checkSucceeded(caseName, grpc, 'FullDuplexCall', error, status);
}

async function emptyStream(client, grpc, options) {
  const caseName = 'empty_stream';
  const call = client.FullDuplexCall(new grpc.Metadata(), callOptions(options));
  const observer = new StreamObserver(call);
  call.end();
  const { error, status, messages } = await observer.finished();
  checkSucceeded(caseName, grpc, 'FullDuplexCall', error, status);
  checkEqual(caseName, 'number of responses', messages.length, 0);
}

async function timeoutOnSleepingServer(client, grpc) {
  const caseName = 'timeout_on_sleeping_server';
  // The server responds only after the client half-closes, which it never does, so the 1 ms deadline expires
  // whatever the speed of the machine.
  const call = client.FullDuplexCall(new grpc.Metadata(), { deadline: Date.now() + 1 });
  const observer = new StreamObserver(call);
  call.write({ payload: { body: zeros(27182) } });
  const { error, status } = await observer.finished();
  checkFailedWith(caseName, grpc, 'FullDuplexCall', error, status, grpc.status.DEADLINE_EXCEEDED);
}

async function cancelAfterBegin(client, grpc, options) {
  const caseName = 'cancel_after_begin';
  const { error, status } = await callWithSingleResponse(
    (callback) => client.StreamingInputCall(new grpc.Metadata(), callOptions(options), callback),
    (call) => call.cancel(),
  );
  checkFailedWith(caseName, grpc, 'StreamingInputCall', error, status, grpc.status.CANCELLED);
}

async function cancelAfterFirstResponse(client, grpc, options) {
  const caseName = 'cancel_after_first_response';
  const call = client.FullDuplexCall(new grpc.Metadata(), callOptions(options));
  const observer = new StreamObserver(call);
  call.write({ response_parameters: [{ size: 31415 }], payload: { body: zeros(27182) } });

  const response = await observer.nextMessage();
  if (response === null) {
    const { error, status } = await observer.finished();
    throw checkFailure(caseName, `stream ended before the first response: ${describeOutcome(grpc, error, status)}`);
  }
  checkZeroPayload(caseName, 'first response', response.payload, 31415);
  call.cancel();

  const { error, status } = await observer.finished();
  checkFailedWith(caseName, grpc, 'FullDuplexCall', error, status, grpc.status.CANCELLED);
}

async function customMetadata(client, grpc, options) {
  const caseName = 'custom_metadata';

  const unaryRequest = { response_size: 314159, payload: { body: zeros(271828) } };
  const unary = await unaryCall(client, 'UnaryCall', unaryRequest, createEchoMetadata(grpc),
    callOptions(options));
  checkSucceeded(caseName, grpc, 'UnaryCall', unary.error, unary.status);
  checkZeroPayload(caseName, 'UnaryCall response', unary.response.payload, 314159);
  checkEchoedMetadata(caseName, 'UnaryCall', unary.initialMetadata, unary.status.metadata);

  const call = client.FullDuplexCall(createEchoMetadata(grpc), callOptions(options));
  const observer = new StreamObserver(call);
  call.write({ response_parameters: [{ size: 314159 }], payload: { body: zeros(271828) } });
  call.end();
  const { error, status, initialMetadata, messages } = await observer.finished();
  checkSucceeded(caseName, grpc, 'FullDuplexCall', error, status);
  checkResponseSizes(caseName, messages, [314159]);
  checkEchoedMetadata(caseName, 'FullDuplexCall', initialMetadata, status.metadata);
}

async function checkEchoedStatus(caseName, client, grpc, options, message, { duplex }) {
  const responseStatus = { code: grpc.status.UNKNOWN, message };

  const unary = await unaryCall(client, 'UnaryCall', { response_status: responseStatus }, new grpc.Metadata(),
    callOptions(options));
  checkFailedWith(caseName, grpc, 'UnaryCall', unary.error, unary.status, responseStatus.code);
  checkEqual(caseName, 'UnaryCall status details', unary.error.details, message);

  if (!duplex) {
    return;
  }
  const call = client.FullDuplexCall(new grpc.Metadata(), callOptions(options));
  const observer = new StreamObserver(call);
  call.write({ response_status: responseStatus });
  call.end();
  const { error, status } = await observer.finished();
  checkFailedWith(caseName, grpc, 'FullDuplexCall', error, status, responseStatus.code);
  checkEqual(caseName, 'FullDuplexCall status details', status.details, message);
}

function statusCodeAndMessage(client, grpc, options) {
  return checkEchoedStatus('status_code_and_message', client, grpc, options, 'test status message',
    { duplex: true });
}

function specialStatusMessage(client, grpc, options) {
  const message = '\t\ntest with whitespace\r\nand Unicode BMP \u263a and non-BMP \u{1f608}\t\n';
  return checkEchoedStatus('special_status_message', client, grpc, options, message, { duplex: false });
}

async function unimplementedMethod(client, grpc, options) {
  const { error, status } = await unaryCall(client, 'UnimplementedCall', {}, new grpc.Metadata(),
    callOptions(options));
  checkFailedWith('unimplemented_method', grpc, 'UnimplementedCall', error, status, grpc.status.UNIMPLEMENTED);
}

async function unimplementedService(client, grpc, options) {
  // The TestService stub has no UnimplementedService methods, so this uses the stub's generic
  // makeUnaryRequest on the same channel. grpc.testing.Empty serializes to zero bytes.
  const { error, status } = await callWithSingleResponse((callback) => client.makeUnaryRequest(
    '/grpc.testing.UnimplementedService/UnimplementedCall',
    () => Buffer.alloc(0),
    () => ({}),
    {},
    new grpc.Metadata(),
    callOptions(options),
    callback,
  ));
  checkFailedWith('unimplemented_service', grpc, 'UnimplementedService/UnimplementedCall', error, status,
    grpc.status.UNIMPLEMENTED);
}

/** The client cases by their interop names. */
const INTEROP_CASES = {
  empty_unary: emptyUnary,
  large_unary: largeUnary,
  client_streaming: clientStreaming,
  server_streaming: serverStreaming,
  ping_pong: pingPong,
  empty_stream: emptyStream,
  timeout_on_sleeping_server: timeoutOnSleepingServer,
  cancel_after_begin: cancelAfterBegin,
  cancel_after_first_response: cancelAfterFirstResponse,
  custom_metadata: customMetadata,
  status_code_and_message: statusCodeAndMessage,
  special_status_message: specialStatusMessage,
  unimplemented_method: unimplementedMethod,
  unimplemented_service: unimplementedService,
};

const INTEROP_CASE_NAMES = Object.keys(INTEROP_CASES);

/**
 * Runs the interop case `caseName` with `client`, a TestService stub made by `grpc`.
 * `options.callTimeoutMs` overrides DEFAULT_CALL_TIMEOUT_MS.
 */
async function runInteropCase(caseName, client, grpc, options = {}) {
  const runCase = Object.prototype.hasOwnProperty.call(INTEROP_CASES, caseName) ? INTEROP_CASES[caseName] : null;
  if (runCase === null) {
    throw new RangeError(`unknown interop case ${JSON.stringify(caseName)}; `
      + `known cases: ${INTEROP_CASE_NAMES.join(', ')}`);
  }
  await runCase(client, grpc, { callTimeoutMs: DEFAULT_CALL_TIMEOUT_MS, ...options });
}

module.exports = {
  INTEROP_CASES,
  INTEROP_CASE_NAMES,
  DEFAULT_CALL_TIMEOUT_MS,
  runInteropCase,
};
