'use strict';
// Summarizes benchmark runs (median and spread over the rounds) and renders the tables of the report.

const { IMPLEMENTATIONS } = require('./implementations');
const { METRICS, pairingName } = require('./scenarios');
const { median, relativeSpread } = require('./stats');

const REFERENCE = 'grpc-js->grpc-js';

/** Column order of the tables: the reference first, then ours, the mixed pairings and grpcio. */
const COLUMN_ORDER = ['grpc-js->grpc-js', 'native->native', 'native->grpc-js', 'grpc-js->native', 'grpcio->grpcio'];

/**
 * Returns, per scenario name and pairing name, `{ metrics: { key: { median, spread, values } }, errors }` over all
 * rounds that produced numbers.
 */
function summarize(runs) {
  const summary = {};
  for (const run of runs) {
    const byPairing = (summary[run.scenario] ??= {});
    const entry = (byPairing[pairingName(run.pairing)] ??= { values: {}, errors: [] });
    if (run.error) {
      entry.errors.push(run.error);
      continue;
    }
    for (const [key, value] of Object.entries(run.metrics)) {
      (entry.values[key] ??= []).push(value);
    }
  }
  for (const byPairing of Object.values(summary)) {
    for (const entry of Object.values(byPairing)) {
      entry.metrics = {};
      for (const [key, values] of Object.entries(entry.values)) {
        entry.metrics[key] = { median: median(values), spread: relativeSpread(values), values };
      }
      delete entry.values;
    }
  }
  return summary;
}

/** Returns how many times better than grpc-js a value is: above 1 is better, whatever the metric's direction. */
function orientedRatio(metricKey, value, reference) {
  if (value === undefined || reference === undefined || value === 0 || reference === 0) {
    return null;
  }
  return METRICS[metricKey].better === 'higher' ? value / reference : reference / value;
}

function medianOf(summary, scenarioName, pairing, metricKey) {
  const entry = summary[scenarioName]?.[pairing];
  return entry?.metrics[metricKey]?.median;
}

function ratioAgainstGrpcJs(summary, scenarioName, pairing, metricKey) {
  if (METRICS[metricKey].noRatio) {
    return null;
  }
  return orientedRatio(metricKey, medianOf(summary, scenarioName, pairing, metricKey),
    medianOf(summary, scenarioName, REFERENCE, metricKey));
}

function formatNumber(value, digits) {
  if (value === null || value === undefined || Number.isNaN(value)) {
    return '–';
  }
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function formatRatio(ratio) {
  return ratio === null ? '–' : `${ratio.toFixed(2)}×`;
}

function formatCell(summary, scenarioName, pairing, metricKey) {
  const entry = summary[scenarioName]?.[pairing];
  if (entry === undefined) {
    return 'not run';
  }
  const metric = entry.metrics[metricKey];
  if (metric === undefined) {
    return entry.errors.length > 0 ? 'failed' : '–';
  }
  const spread = metric.spread === null ? '' : ` ±${(metric.spread * 50).toFixed(0)}%`;
  return `${formatNumber(metric.median, METRICS[metricKey].digits)}${spread}`;
}

function pairingLabel(pairing) {
  const [client, server] = pairing.split('->');
  if (client === server) {
    return `${IMPLEMENTATIONS[client].label} both sides`;
  }
  return `${IMPLEMENTATIONS[client].label} client, ${IMPLEMENTATIONS[server].label} server`;
}

/** Renders a markdown table whose first `textColumns` columns are left-aligned and the rest right-aligned. */
function markdownTable(header, rows, textColumns = 2) {
  const alignments = header.map((_, i) => (i < textColumns ? '---' : '--:'));
  const lines = [`| ${header.join(' | ')} |`, `|${alignments.join('|')}|`];
  for (const row of rows) {
    lines.push(`| ${row.join(' | ')} |`);
  }
  return lines.join('\n');
}

function presentPairings(summary) {
  const present = new Set();
  for (const byPairing of Object.values(summary)) {
    for (const pairing of Object.keys(byPairing)) {
      present.add(pairing);
    }
  }
  return COLUMN_ORDER.filter((pairing) => present.has(pairing));
}

/** Renders the ratio table: each headline metric as grpc-js's median and every other pairing's ratio to it. */
function renderRatioTable(summary, scenarios) {
  const others = presentPairings(summary).filter((pairing) => pairing !== REFERENCE);
  const header = ['Scenario', 'Metric', 'grpc-js both sides', ...others.map(pairingLabel)];
  const rows = [];
  for (const scenario of scenarios) {
    if (summary[scenario.name] === undefined) {
      continue;
    }
    for (const metricKey of scenario.headline) {
      rows.push([
        scenario.title,
        METRICS[metricKey].label,
        formatCell(summary, scenario.name, REFERENCE, metricKey),
        ...others.map((pairing) => formatRatio(ratioAgainstGrpcJs(summary, scenario.name, pairing, metricKey))),
      ]);
    }
  }
  return markdownTable(header, rows);
}

/** Renders the absolute table: every metric of every scenario, the median over the rounds and its spread. */
function renderAbsoluteTable(summary, scenarios) {
  const pairings = presentPairings(summary);
  const header = ['Scenario', 'Metric', ...pairings.map(pairingLabel)];
  const rows = [];
  for (const scenario of scenarios) {
    const byPairing = summary[scenario.name];
    if (byPairing === undefined) {
      continue;
    }
    const metricKeys = Object.keys(METRICS).filter((key) =>
      Object.values(byPairing).some((entry) => entry.metrics[key] !== undefined));
    for (const metricKey of metricKeys) {
      rows.push([scenario.title, METRICS[metricKey].label,
        ...pairings.map((pairing) => formatCell(summary, scenario.name, pairing, metricKey))]);
    }
  }
  return markdownTable(header, rows);
}

/**
 * Renders the cost of the plugin call credential: how much longer the calls with it took than the calls without it
 * in the same windows, as the median over the rounds of the mean and of the p50 difference.
 */
function renderCallCredentialCost(summary, scenarios) {
  const scenario = scenarios.find((candidate) => candidate.callCredential);
  if (scenario === undefined || !summary[scenario.name]) {
    return null;
  }
  const rows = [];
  for (const pairing of presentPairings(summary)) {
    const entry = summary[scenario.name][pairing];
    if (entry === undefined || entry.metrics.callCredentialAddedMeanUs === undefined) {
      continue;
    }
    rows.push([pairingLabel(pairing), formatCell(summary, scenario.name, pairing, 'callCredentialAddedMeanUs'),
      formatCell(summary, scenario.name, pairing, 'callCredentialAddedP50Us')]);
  }
  return markdownTable(['Pairing', 'µs added per call (mean)', 'µs added per call (p50)'], rows, 1);
}

/** Lists the runs that failed, one line each. */
function renderFailures(runs) {
  return runs.filter((run) => run.error)
    .map((run) => `- ${run.scenario}, ${pairingName(run.pairing)}, round ${run.round}: ${run.error}`)
    .join('\n');
}

/** Returns the chart's rows: each scenario's first headline metric as ratios against grpc-js, per pairing. */
function chartRows(summary, scenarios, pairings) {
  return scenarios.filter((scenario) => summary[scenario.name] !== undefined).map((scenario) => {
    const metricKey = scenario.headline[0];
    return {
      label: `${scenario.title} (${METRICS[metricKey].label})`,
      ratios: pairings.map((pairing) => ratioAgainstGrpcJs(summary, scenario.name, pairing, metricKey)),
    };
  });
}

module.exports = {
  REFERENCE,
  summarize,
  orientedRatio,
  ratioAgainstGrpcJs,
  pairingLabel,
  presentPairings,
  renderRatioTable,
  renderAbsoluteTable,
  renderCallCredentialCost,
  renderFailures,
  chartRows,
};
