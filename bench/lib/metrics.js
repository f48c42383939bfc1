'use strict';
// Turns one client run (its result line and the /proc samples taken at its syncs) into the scenario's metrics.

const { RATE_METRIC } = require('./scenarios');

const STREAMS_PER_REPORT_UNIT = 10_000;

function throughputMetrics(scenario, { result, samples }) {
  const start = samples['window-start'];
  const end = samples['window-end'];
  if (!start || !end) {
    throw new Error('the client did not sync at window-start and window-end');
  }
  if (result.count === 0) {
    throw new Error('no call completed in the measured window');
  }
  const metrics = {
    [RATE_METRIC[scenario.workload]]: result.count / result.elapsedSeconds,
    clientCpuUsPerOp: (end.clientCpuUs - start.clientCpuUs) / result.count,
    serverCpuUsPerOp: (end.serverCpuUs - start.serverCpuUs) / result.count,
    clientSwitchesPerOp: (end.clientSwitches - start.clientSwitches) / result.count,
    serverSwitchesPerOp: (end.serverSwitches - start.serverSwitches) / result.count,
    clientSyscallsPerOp: (end.clientSyscalls - start.clientSyscalls) / result.count,
    serverSyscallsPerOp: (end.serverSyscalls - start.serverSyscalls) / result.count,
  };
  if (scenario.workload === 'server-stream') {
    metrics.megabytesPerSecond = result.bytes / result.elapsedSeconds / 1e6;
  }
  for (const key of ['p50Us', 'p99Us', 'meanUs', 'callCredentialAddedMeanUs', 'callCredentialAddedP50Us']) {
    if (result[key] !== null && result[key] !== undefined) {
      metrics[key] = result[key];
    }
  }
  return metrics;
}

function memoryMetrics(scenario, { result, samples }) {
  const baseline = samples.baseline;
  const loaded = samples.loaded;
  if (!baseline || !loaded) {
    throw new Error('the client did not sync at baseline and loaded');
  }
  const clientBytes = loaded.clientRssBytes - baseline.clientRssBytes;
  const serverBytes = loaded.serverRssBytes - baseline.serverRssBytes;
  if (scenario.workload === 'idle-channels') {
    return {
      clientKiBPerChannel: clientBytes / 1024 / result.channels,
      serverKiBPerChannel: serverBytes / 1024 / result.channels,
    };
  }
  const scale = STREAMS_PER_REPORT_UNIT / result.streams / (1024 * 1024);
  return { clientMiBPer10kStreams: clientBytes * scale, serverMiBPer10kStreams: serverBytes * scale };
}

/** Returns the metrics of one run of `scenario`, by metric key. */
function computeMetrics(scenario, run) {
  return scenario.memory ? memoryMetrics(scenario, run) : throughputMetrics(scenario, run);
}

module.exports = { computeMetrics };
