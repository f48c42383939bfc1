'use strict';
// Promise wrappers around the @grpc/grpc-js client call API, used by the interop client cases.
// Each wrapper resolves when the call has ended, with everything the call reported, and never rejects
// for a gRPC status: the cases check the status themselves.

/**
 * Records what a streaming client call reports: initial metadata, messages, error and final status.
 * `nextMessage()` waits for the next response message and `finished()` for the final status.
 */
class StreamObserver {
  constructor(call) {
    this.call = call;
    this.initialMetadata = null;
    this.messages = [];
    this.error = null;
    this.status = null;
    this.ended = false;
    this.readIndex = 0;
    this.waiters = [];

    call.on('metadata', (metadata) => {
      this.initialMetadata = metadata;
    });
    call.on('data', (message) => {
      this.messages.push(message);
      this.wakeWaiters();
    });
    call.on('end', () => {
      this.ended = true;
      this.wakeWaiters();
    });
    call.on('error', (error) => {
      this.error = error;
      this.wakeWaiters();
    });
    call.on('status', (status) => {
      this.status = status;
      this.wakeWaiters();
    });
  }

  wakeWaiters() {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) {
      wake();
    }
  }

  waitFor(isReady) {
    return new Promise((resolve) => {
      const check = () => {
        if (isReady()) {
          resolve();
        } else {
          this.waiters.push(check);
        }
      };
      check();
    });
  }

  /** Resolves to the next unread response message, or to null when the stream has ended or failed. */
  async nextMessage() {
    await this.waitFor(() => this.readIndex < this.messages.length || this.ended || this.error !== null);
    if (this.readIndex < this.messages.length) {
      const message = this.messages[this.readIndex];
      this.readIndex += 1;
      return message;
    }
    return null;
  }

  /**
   * Resolves to `{ error, status, initialMetadata, messages }` once the call has its final status and the
   * stream has ended or failed. grpc-js can emit `status` while received messages still wait in the
   * stream's buffer, and `end` comes only after they have been emitted.
   */
  async finished() {
    await this.waitFor(() => this.status !== null && (this.ended || this.error !== null));
    return {
      error: this.error,
      status: this.status,
      initialMetadata: this.initialMetadata,
      messages: this.messages,
    };
  }
}

/**
 * Starts a call with a single response (unary or client streaming) through `start(callback)` and resolves to
 * `{ call, error, response, initialMetadata, status }` once both the callback and the `status` event came.
 * `onStarted(call)` runs right after the call starts, to write or cancel.
 */
function callWithSingleResponse(start, onStarted) {
  return new Promise((resolve) => {
    const result = {
      call: null, error: null, response: null, initialMetadata: null, status: null,
    };
    let callbackDone = false;
    const settleIfDone = () => {
      if (callbackDone && result.status !== null) {
        resolve(result);
      }
    };

    const call = start((error, response) => {
      result.error = error || null;
      result.response = response === undefined ? null : response;
      callbackDone = true;
      settleIfDone();
    });
    result.call = call;
    call.on('metadata', (metadata) => {
      result.initialMetadata = metadata;
    });
    call.on('status', (status) => {
      result.status = status;
      settleIfDone();
    });
    if (onStarted) {
      onStarted(call);
    }
  });
}

/** Makes a unary call `client[method](request, metadata, options, callback)`. */
function unaryCall(client, method, request, metadata, options) {
  return callWithSingleResponse((callback) => client[method](request, metadata, options, callback));
}

/** Makes a client-streaming call, writes `requests`, then half-closes. */
function clientStreamingCall(client, method, requests, metadata, options) {
  return callWithSingleResponse(
    (callback) => client[method](metadata, options, callback),
    (call) => {
      for (const request of requests) {
        call.write(request);
      }
      call.end();
    },
  );
}

/** Returns `NAME (code)` for a status code, with the name taken from `grpc.status`. */
function formatStatusCode(grpc, code) {
  const name = Object.keys(grpc.status).find((key) => grpc.status[key] === code);
  return `${name || 'UNKNOWN_CODE'} (${code})`;
}

/** Describes a call's outcome for an error message: the status code, its name and the details. */
function describeOutcome(grpc, error, status) {
  const source = error || status;
  if (!source) {
    return 'no status';
  }
  return `status ${formatStatusCode(grpc, source.code)} with details ${JSON.stringify(source.details)}`;
}

module.exports = {
  StreamObserver,
  callWithSingleResponse,
  unaryCall,
  clientStreamingCall,
  formatStatusCode,
  describeOutcome,
};
