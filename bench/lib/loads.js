'use strict';
// Closed-loop loads for the throughput scenarios, written once against the grpc-js client API.
//
// Every load has the same life cycle: start() begins sending, beginWindow() clears the counters, endWindow()
// returns what completed since beginWindow(), and stop() ends the load and resolves when every call finished.
// A call that fails before stop() fails the whole load: the runner then records the run as failed.

const { UNBOUNDED_COUNT, encodeStreamRequest } = require('./service');

function now() {
  return process.hrtime.bigint();
}

class LoadBase {
  constructor() {
    this.recording = false;
    this.stopping = false;
    this.count = 0;
    this.bytes = 0;
    this.latenciesNs = [];
    this.failure = null;
    this.active = 0;
    this.stopped = new Promise((resolve) => {
      this.resolveStopped = resolve;
    });
  }

  beginWindow() {
    this.count = 0;
    this.bytes = 0;
    this.latenciesNs = [];
    this.credentialLatenciesNs = [];
    this.plainLatenciesNs = [];
    this.recording = true;
  }

  /**
   * Returns what completed in the window. `latenciesNs` has the latency of every call; `credentialLatenciesNs`
   * and `plainLatenciesNs` split them into the calls with and without per-call credentials.
   */
  endWindow() {
    this.recording = false;
    return {
      count: this.count,
      bytes: this.bytes,
      latenciesNs: this.latenciesNs,
      credentialLatenciesNs: this.credentialLatenciesNs,
      plainLatenciesNs: this.plainLatenciesNs,
    };
  }

  record(startNs, bytes, withCredential = false) {
    if (!this.recording) {
      return;
    }
    this.count++;
    this.bytes += bytes;
    if (startNs !== null) {
      const latency = Number(now() - startNs);
      this.latenciesNs.push(latency);
      (withCredential ? this.credentialLatenciesNs : this.plainLatenciesNs).push(latency);
    }
  }

  fail(error) {
    if (this.failure === null && !this.stopping) {
      this.failure = error;
    }
  }

  /** Marks one loop or stream as finished; the last one resolves `stopped`. */
  finishOne() {
    this.active--;
    if (this.active === 0) {
      this.resolveStopped();
    }
  }

  throwIfFailed() {
    if (this.failure !== null) {
      const { code, details, message } = this.failure;
      throw new Error(`a call failed during the load: ${details || message} (code ${code})`);
    }
  }
}

/**
 * `concurrency` loops, each sending the next unary call as soon as the previous one returned. With
 * `callCredentials`, every other call carries them as per-call credentials, so that calls with and without them
 * run on the same channel under the same conditions.
 */
class UnaryLoad extends LoadBase {
  constructor({ makeClient, payload, concurrency, channelPerCall, callCredentials = null }) {
    super();
    this.payload = payload;
    this.concurrency = concurrency;
    this.channelPerCall = channelPerCall;
    this.callCredentials = callCredentials;
    this.issued = 0;
    this.makeClient = makeClient;
    this.sharedClient = channelPerCall ? null : makeClient();
  }

  start() {
    this.active = this.concurrency;
    for (let i = 0; i < this.concurrency; i++) {
      this.issue();
    }
  }

  issue() {
    if (this.stopping || this.failure !== null) {
      this.finishOne();
      return;
    }
    const client = this.channelPerCall ? this.makeClient() : this.sharedClient;
    const withCredential = this.callCredentials !== null && this.issued % 2 === 0;
    const options = withCredential ? { credentials: this.callCredentials } : {};
    this.issued++;
    const startNs = now();
    client.unary(this.payload, options, (error, response) => {
      if (this.channelPerCall) {
        client.close();
      }
      if (error) {
        this.fail(error);
      } else {
        this.record(startNs, response.length, withCredential);
      }
      this.issue();
    });
  }

  async stop() {
    this.stopping = true;
    await this.stopped;
    if (this.sharedClient !== null) {
      this.sharedClient.close();
    }
  }
}

/** `streams` server-streaming calls that receive messages of `messageSize` bytes until they are cancelled. */
class ServerStreamLoad extends LoadBase {
  constructor({ makeClient, messageSize, streams }) {
    super();
    this.client = makeClient();
    this.messageSize = messageSize;
    this.streams = streams;
    this.calls = [];
  }

  start() {
    this.active = this.streams;
    const request = encodeStreamRequest({ messageSize: this.messageSize, count: UNBOUNDED_COUNT, hold: false });
    for (let i = 0; i < this.streams; i++) {
      const call = this.client.streamFromServer(request);
      call.on('data', (message) => this.record(null, message.length));
      call.on('error', (error) => this.fail(error));
      call.on('status', () => this.finishOne());
      this.calls.push(call);
    }
  }

  async stop() {
    this.stopping = true;
    for (const call of this.calls) {
      call.cancel();
    }
    await this.stopped;
    this.client.close();
  }
}

/** `streams` bidirectional streams, each sending the next message once the echo of the previous one arrived. */
class PingPongLoad extends LoadBase {
  constructor({ makeClient, payload, streams }) {
    super();
    this.client = makeClient();
    this.payload = payload;
    this.streams = streams;
  }

  start() {
    this.active = this.streams;
    for (let i = 0; i < this.streams; i++) {
      const call = this.client.pingPong();
      let startNs = now();
      call.on('data', (message) => {
        this.record(startNs, message.length);
        if (this.stopping || this.failure !== null) {
          call.end();
          return;
        }
        startNs = now();
        call.write(this.payload);
      });
      call.on('error', (error) => this.fail(error));
      call.on('status', () => this.finishOne());
      call.write(this.payload);
    }
  }

  async stop() {
    this.stopping = true;
    await this.stopped;
    this.client.close();
  }
}

module.exports = { UnaryLoad, ServerStreamLoad, PingPongLoad };
