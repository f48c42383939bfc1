'use strict';
// The benchmark scenarios, the metrics they report, and the client-server pairings they run.

/**
 * Metrics, by key. `better` is the direction of an improvement. The ratio against grpc-js is oriented by it, so
 * that a ratio above 1 always means better than grpc-js. `noRatio` marks a difference that can be near zero or
 * negative, where a ratio means nothing.
 */
const METRICS = {
  opsPerSecond: { label: 'calls/s', better: 'higher', digits: 0 },
  messagesPerSecond: { label: 'messages/s', better: 'higher', digits: 0 },
  roundTripsPerSecond: { label: 'round trips/s', better: 'higher', digits: 0 },
  handshakesPerSecond: { label: 'handshakes/s', better: 'higher', digits: 0 },
  megabytesPerSecond: { label: 'MB/s', better: 'higher', digits: 1 },
  p50Us: { label: 'p50 µs', better: 'lower', digits: 0 },
  p99Us: { label: 'p99 µs', better: 'lower', digits: 0 },
  meanUs: { label: 'mean µs', better: 'lower', digits: 0 },
  callCredentialAddedMeanUs: { label: 'µs the plugin added (mean)', better: 'lower', digits: 1, noRatio: true },
  callCredentialAddedP50Us: { label: 'µs the plugin added (p50)', better: 'lower', digits: 1, noRatio: true },
  clientCpuUsPerOp: { label: 'client CPU µs/op', better: 'lower', digits: 1 },
  serverCpuUsPerOp: { label: 'server CPU µs/op', better: 'lower', digits: 1 },
  clientSwitchesPerOp: { label: 'client context switches/op', better: 'lower', digits: 2 },
  serverSwitchesPerOp: { label: 'server context switches/op', better: 'lower', digits: 2 },
  clientSyscallsPerOp: { label: 'client read/write syscalls/op', better: 'lower', digits: 2 },
  serverSyscallsPerOp: { label: 'server read/write syscalls/op', better: 'lower', digits: 2 },
  clientKiBPerChannel: { label: 'client KiB/channel', better: 'lower', digits: 1 },
  serverKiBPerChannel: { label: 'server KiB/connection', better: 'lower', digits: 1 },
  clientMiBPer10kStreams: { label: 'client MiB/10k streams', better: 'lower', digits: 1 },
  serverMiBPer10kStreams: { label: 'server MiB/10k streams', better: 'lower', digits: 1 },
};

/** What one operation of a throughput workload is called, which decides the name of its rate metric. */
const RATE_METRIC = {
  unary: 'opsPerSecond',
  handshake: 'handshakesPerSecond',
  'server-stream': 'messagesPerSecond',
  'ping-pong': 'roundTripsPerSecond',
};

const UNARY_MESSAGE_SIZE = 64;

/**
 * The scenarios, in report order.
 * - `security`: the server's security mode.
 * - `callCredential`: adds a metadata-plugin call credential to every call.
 * - `headline`: the metrics of the ratio table and the chart; the chart shows the first one.
 * - `bothSidesOnly`: runs only the pairings whose client and server are the same implementation.
 * - `memory`: a memory scenario, with its sizes for full and quick runs in `channels` or `streams`.
 */
const SCENARIOS = [
  {
    name: 'unary-c1', title: 'Unary, concurrency 1', workload: 'unary', security: 'insecure', concurrency: 1,
    messageSize: UNARY_MESSAGE_SIZE, headline: ['p50Us', 'opsPerSecond'],
  },
  {
    name: 'unary-c8', title: 'Unary, concurrency 8', workload: 'unary', security: 'insecure', concurrency: 8,
    messageSize: UNARY_MESSAGE_SIZE, headline: ['opsPerSecond'],
  },
  {
    name: 'unary-c64', title: 'Unary, concurrency 64', workload: 'unary', security: 'insecure', concurrency: 64,
    messageSize: UNARY_MESSAGE_SIZE, headline: ['opsPerSecond', 'p99Us'],
  },
  {
    name: 'stream-1k', title: 'Server streaming, 1 KiB messages', workload: 'server-stream', security: 'insecure',
    concurrency: 1, messageSize: 1024, headline: ['messagesPerSecond', 'megabytesPerSecond'],
  },
  {
    name: 'stream-64k', title: 'Server streaming, 64 KiB messages', workload: 'server-stream', security: 'insecure',
    concurrency: 1, messageSize: 64 * 1024, headline: ['megabytesPerSecond'],
  },
  {
    name: 'ping-pong', title: 'Bidi ping-pong, one stream', workload: 'ping-pong', security: 'insecure',
    concurrency: 1, messageSize: UNARY_MESSAGE_SIZE, headline: ['roundTripsPerSecond', 'p50Us'],
  },
  {
    name: 'unary-tls-c64', title: 'Unary over TLS, concurrency 64', workload: 'unary', security: 'tls',
    concurrency: 64, messageSize: UNARY_MESSAGE_SIZE, headline: ['opsPerSecond'],
  },
  {
    name: 'unary-mtls-c64', title: 'Unary over mutual TLS, concurrency 64', workload: 'unary', security: 'mtls',
    concurrency: 64, messageSize: UNARY_MESSAGE_SIZE, headline: ['opsPerSecond'],
  },
  {
    name: 'unary-call-credential-c1', title: 'Unary over TLS, a plugin call credential on every other call',
    workload: 'unary', security: 'tls', callCredential: true, concurrency: 1, messageSize: UNARY_MESSAGE_SIZE,
    headline: ['p50Us'],
  },
  {
    name: 'tls-handshakes', title: 'TLS handshakes: a new channel per call, 4 at a time', workload: 'handshake',
    security: 'tls', concurrency: 4, messageSize: UNARY_MESSAGE_SIZE, headline: ['handshakesPerSecond'],
  },
  {
    name: 'idle-channels', title: 'Memory: idle connected channels', workload: 'idle-channels', security: 'insecure',
    messageSize: UNARY_MESSAGE_SIZE, memory: true, bothSidesOnly: true, channels: { full: 500, quick: 100 },
    headline: ['clientKiBPerChannel', 'serverKiBPerChannel'],
  },
  {
    name: 'open-streams', title: 'Memory: open server streams on one channel', workload: 'open-streams',
    security: 'insecure', messageSize: UNARY_MESSAGE_SIZE, memory: true, bothSidesOnly: true,
    streams: { full: 10000, quick: 2000 }, headline: ['clientMiBPer10kStreams', 'serverMiBPer10kStreams'],
  },
];

/**
 * Client-server pairings. The both-sides pairings compare the libraries; the mixed ones separate the client's cost
 * from the server's.
 */
const PAIRINGS = [
  { client: 'native', server: 'native' },
  { client: 'grpc-js', server: 'grpc-js' },
  { client: 'native', server: 'grpc-js' },
  { client: 'grpc-js', server: 'native' },
  { client: 'grpcio', server: 'grpcio' },
];

function pairingName({ client, server }) {
  return `${client}->${server}`;
}

module.exports = { METRICS, RATE_METRIC, SCENARIOS, PAIRINGS, pairingName };
