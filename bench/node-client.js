'use strict';
// A benchmark client on a Node.js implementation (grpc-native or grpc-js), started by bench/run.js for one
// measurement. Run it with --expose-gc: the memory workloads collect garbage before each sample.
//
// Configuration (JSON in argv[2]): `{ impl, workload, target, security, callCredential, token, ...parameters }`;
// the workloads below list their parameters. Throughput workloads load the server for `warmupSeconds`, then
// measure for `durationSeconds` between the syncs `window-start` and `window-end`. Memory workloads sync at
// `baseline` and `loaded`, where the runner samples the resident size of both processes.

const { setTimeout: sleep } = require('node:timers/promises');
const { loadGrpc } = require('./lib/implementations');
const { channelCredentials, tokenCallCredentials } = require('./lib/credentials');
const { makeBenchClient, encodeStreamRequest } = require('./lib/service');
const { UnaryLoad, ServerStreamLoad, PingPongLoad } = require('./lib/loads');
const { emit, sync, readConfig, runChild } = require('./lib/child-protocol');
const { summarizeCredentialCost, summarizeLatencies } = require('./lib/stats');

// Channels that must each open their own connection. Both grpc-js and C-core otherwise share one connection
// between channels to the same target with the same options.
const OWN_CONNECTION_OPTIONS = { 'grpc.use_local_subchannel_pool': 1 };

// How long the memory workloads wait for channels to connect or streams to open.
const MEMORY_SETUP_TIMEOUT_MS = 120_000;

function makeClientFactory(grpc, config, options = {}) {
  const BenchClient = makeBenchClient(grpc);
  const credentials = channelCredentials(grpc, config.security);
  return () => new BenchClient(config.target, credentials, options);
}

// Times the call credential's metadata plugin ran in this process.
let pluginInvocations = 0;

function unaryOnce(client, payload) {
  return new Promise((resolve, reject) => {
    client.unary(payload, (error, response) => (error ? reject(error) : resolve(response)));
  });
}

function withTimeout(promise, milliseconds, operation) {
  let timer;
  const timeout = new Promise((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${operation} timed out after ${milliseconds} ms`)), milliseconds);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function collectGarbage() {
  for (let i = 0; i < 3; i++) {
    global.gc();
    await sleep(100);
  }
}

function makeLoad(grpc, config) {
  const payload = Buffer.alloc(config.messageSize, 0x62);
  switch (config.workload) {
    case 'unary':
      return new UnaryLoad({
        makeClient: makeClientFactory(grpc, config),
        payload,
        concurrency: config.concurrency,
        channelPerCall: false,
        callCredentials: config.callCredential
          ? tokenCallCredentials(grpc, config.token, () => pluginInvocations++)
          : null,
      });
    case 'handshake':
      return new UnaryLoad({
        makeClient: makeClientFactory(grpc, config, OWN_CONNECTION_OPTIONS),
        payload,
        concurrency: config.concurrency,
        channelPerCall: true,
      });
    case 'server-stream':
      return new ServerStreamLoad({
        makeClient: makeClientFactory(grpc, config),
        messageSize: config.messageSize,
        streams: config.concurrency,
      });
    case 'ping-pong':
      return new PingPongLoad({ makeClient: makeClientFactory(grpc, config), payload, streams: config.concurrency });
    default:
      return null;
  }
}

/**
 * Parameters: messageSize, concurrency, warmupSeconds, durationSeconds, and for unary calls callCredential. With
 * callCredential, the result also has the latency that the credential added (see UnaryLoad).
 */
async function runThroughput(load, config) {
  load.start();
  await sleep(config.warmupSeconds * 1000);
  load.throwIfFailed();

  await sync('window-start');
  load.beginWindow();
  const startNs = process.hrtime.bigint();
  await sleep(config.durationSeconds * 1000);
  const window = load.endWindow();
  const elapsedSeconds = Number(process.hrtime.bigint() - startNs) / 1e9;
  await sync('window-end');

  await withTimeout(load.stop(), 30_000, 'stopping the load');
  load.throwIfFailed();
  const result = { elapsedSeconds, count: window.count, bytes: window.bytes, ...summarizeLatencies(window.latenciesNs) };
  if (config.callCredential) {
    // Every call with the credential must have run the plugin, or the comparison would measure nothing.
    const callsWithCredential = Math.ceil(load.issued / 2);
    if (pluginInvocations < callsWithCredential) {
      throw new Error(`the call credential's plugin ran ${pluginInvocations} times for ${callsWithCredential} calls`);
    }
    const cost = summarizeCredentialCost(window.credentialLatenciesNs, window.plainLatenciesNs);
    result.callCredentialAddedMeanUs = cost.addedMeanUs;
    result.callCredentialAddedP50Us = cost.addedP50Us;
  }
  return result;
}

/** Parameters: channels. Opens that many channels, each with its own connection, and leaves them idle. */
async function runIdleChannels(grpc, config) {
  const payload = Buffer.alloc(config.messageSize, 0x62);
  const warmClient = makeClientFactory(grpc, config)();
  await unaryOnce(warmClient, payload);
  await collectGarbage();
  await sync('baseline');

  const makeClient = makeClientFactory(grpc, config, OWN_CONNECTION_OPTIONS);
  const clients = [];
  for (let i = 0; i < config.channels; i++) {
    clients.push(makeClient());
  }
  const deadline = Date.now() + MEMORY_SETUP_TIMEOUT_MS;
  await Promise.all(clients.map((client) => new Promise((resolve, reject) => {
    client.waitForReady(deadline, (error) => (error ? reject(error) : resolve()));
  })));
  await collectGarbage();
  await sync('loaded');

  for (const client of clients) {
    client.close();
  }
  warmClient.close();
  return { channels: config.channels };
}

/** Parameters: streams. Opens that many server streams on one channel; each receives one message and stays open. */
async function runOpenStreams(grpc, config) {
  const payload = Buffer.alloc(config.messageSize, 0x62);
  const client = makeClientFactory(grpc, config)();
  await unaryOnce(client, payload);
  await collectGarbage();
  await sync('baseline');

  const request = encodeStreamRequest({ messageSize: config.messageSize, count: 1, hold: true });
  const calls = [];
  const firstMessages = [];
  const ended = [];
  for (let i = 0; i < config.streams; i++) {
    const call = client.streamFromServer(request);
    calls.push(call);
    firstMessages.push(new Promise((resolve, reject) => {
      call.once('data', resolve);
      call.once('error', reject);
    }));
    ended.push(new Promise((resolve) => call.on('status', resolve)));
    call.on('error', () => {});
  }
  await withTimeout(Promise.all(firstMessages), MEMORY_SETUP_TIMEOUT_MS, `opening ${config.streams} streams`);
  await collectGarbage();
  await sync('loaded');

  for (const call of calls) {
    call.cancel();
  }
  await withTimeout(Promise.all(ended), MEMORY_SETUP_TIMEOUT_MS, 'cancelling the streams');
  client.close();
  return { streams: config.streams };
}

runChild(async () => {
  const config = readConfig(['impl', 'workload', 'target', 'security', 'messageSize']);
  const grpc = loadGrpc(config.impl);

  let result;
  if (config.workload === 'idle-channels') {
    result = await runIdleChannels(grpc, config);
  } else if (config.workload === 'open-streams') {
    result = await runOpenStreams(grpc, config);
  } else {
    const load = makeLoad(grpc, config);
    if (load === null) {
      throw new Error(`unknown workload "${config.workload}"`);
    }
    result = await runThroughput(load, config);
  }
  emit('result', result);
  // Closed channels may leave timers behind in either library; the measurement is over.
  process.exit(0);
});
