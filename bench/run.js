#!/usr/bin/env node
'use strict';
// Runs the benchmark suite: grpc-native against @grpc/grpc-js and Python grpcio, on 127.0.0.1 only.
//
//   npm run bench               Full run. It rewrites the results section of docs/benchmarks.md and its chart.
//   npm run bench -- --quick    About two minutes. It prints the tables and writes bench/results/ only.
//   npm run bench -- --help     Lists every option.
//
// Every measurement runs its client and server in separate child processes. Rounds repeat every scenario; within
// a round the pairings of a scenario run back to back in an order that rotates from round to round, so slow drift
// of the machine spreads over all implementations.

const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');

const { getTestCerts } = require('../test/helpers/certs');
const { IMPLEMENTATIONS, REPO_ROOT } = require('./lib/implementations');
const { computeMetrics } = require('./lib/metrics');
const { PYTHON, startServer, runClient } = require('./lib/processes');
const report = require('./lib/report');
const { METRICS, PAIRINGS, SCENARIOS, pairingName } = require('./lib/scenarios');
const { CALL_CREDENTIAL_KEY, CALL_CREDENTIAL_VALUE } = require('./lib/service');
const { renderChart } = require('./lib/svg-chart');

const RESULTS_DIR = path.join(__dirname, 'results');
const DOCS_PAGE = path.join(REPO_ROOT, 'docs', 'benchmarks.md');
const DOCS_CHART = path.join(REPO_ROOT, 'docs', 'benchmarks.svg');
const RESULTS_START = '<!-- bench-results:start -->';
const RESULTS_END = '<!-- bench-results:end -->';

const MODES = {
  full: { rounds: 3, warmupSeconds: 1, durationSeconds: 4 },
  quick: { rounds: 1, warmupSeconds: 0.5, durationSeconds: 2.5 },
};
// Extra time a client gets beyond its load before it is killed, for start-up, connecting and stopping.
const CLIENT_GRACE_MS = 60_000;
const MEMORY_CLIENT_TIMEOUT_MS = 300_000;

const HELP = `Usage: npm run bench -- [options]

  --quick              one short round with the both-sides pairings (about two minutes)
  --rounds N           rounds of every scenario (full: ${MODES.full.rounds}, quick: ${MODES.quick.rounds})
  --warmup SECONDS     load before each measured window (full: ${MODES.full.warmupSeconds}, quick: ${MODES.quick.warmupSeconds})
  --duration SECONDS   length of each measured window (full: ${MODES.full.durationSeconds}, quick: ${MODES.quick.durationSeconds})
  --scenarios A,B      run only these scenarios: ${SCENARIOS.map((scenario) => scenario.name).join(', ')}
  --impls A,B          run only pairings whose client and server are among: ${Object.keys(IMPLEMENTATIONS).join(', ')}
  --mixed / --no-mixed include the pairings of one implementation's client with another's server
                       (default: on for full runs, off with --quick)
  --write-docs         rewrite the results section of docs/benchmarks.md and docs/benchmarks.svg
                       (default for full runs)
  --no-docs            leave docs/ alone
  --render FILE        run nothing: rewrite the results section of docs/benchmarks.md and its chart from a
                       results file that an earlier run wrote (for example bench/results/full-latest.json)
  --help               this text

Results of every run go to bench/results/<full|quick>-latest.json and .svg.`;

function parseOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      rounds: { type: 'string' },
      warmup: { type: 'string' },
      duration: { type: 'string' },
      scenarios: { type: 'string' },
      impls: { type: 'string' },
      mixed: { type: 'boolean' },
      'no-mixed': { type: 'boolean' },
      'write-docs': { type: 'boolean' },
      'no-docs': { type: 'boolean' },
      render: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const mode = values.quick ? 'quick' : 'full';
  const defaults = MODES[mode];
  const options = {
    mode,
    rounds: positiveNumber(values.rounds, '--rounds', defaults.rounds, true),
    warmupSeconds: positiveNumber(values.warmup, '--warmup', defaults.warmupSeconds, false),
    durationSeconds: positiveNumber(values.duration, '--duration', defaults.durationSeconds, false),
    mixed: values['no-mixed'] ? false : (values.mixed ?? mode === 'full'),
    writeDocs: values['no-docs'] ? false : (values['write-docs'] ?? mode === 'full'),
    scenarios: SCENARIOS,
    impls: Object.keys(IMPLEMENTATIONS),
    render: values.render,
  };
  if (values.scenarios !== undefined) {
    options.scenarios = listOption(values.scenarios, '--scenarios', SCENARIOS.map((scenario) => scenario.name))
      .map((name) => SCENARIOS.find((scenario) => scenario.name === name));
  }
  if (values.impls !== undefined) {
    options.impls = listOption(values.impls, '--impls', Object.keys(IMPLEMENTATIONS));
  }
  return options;
}

function positiveNumber(text, name, fallback, integer) {
  if (text === undefined) {
    return fallback;
  }
  const value = Number(text);
  if (!(value > 0) || (integer && !Number.isInteger(value))) {
    throw new Error(`${name} must be a positive ${integer ? 'integer' : 'number'}, got "${text}"`);
  }
  return value;
}

function listOption(text, name, allowed) {
  const names = text.split(',').map((entry) => entry.trim()).filter(Boolean);
  for (const entry of names) {
    if (!allowed.includes(entry)) {
      throw new Error(`${name}: unknown name "${entry}"; expected some of ${allowed.join(', ')}`);
    }
  }
  return names;
}

/**
 * Builds grpc-native where a fresh clone lacks it: the addon (unless build/ or prebuilds/ has one) and the
 * TypeScript output in dist/. A build that fails leaves grpc-native to be skipped with the loader's error.
 */
function buildNativeIfMissing() {
  const hasAddon = fs.existsSync(path.join(REPO_ROOT, 'build', 'Release'))
    || fs.existsSync(path.join(REPO_ROOT, 'prebuilds'));
  const steps = [];
  if (!hasAddon) {
    steps.push('build:native');
  }
  if (!fs.existsSync(path.join(REPO_ROOT, 'dist', 'index.js'))) {
    steps.push('build:ts');
  }
  for (const step of steps) {
    console.log(`grpc-native is not built: running npm run ${step}`);
    const result = spawnSync('npm', ['run', step], { cwd: REPO_ROOT, stdio: 'inherit' });
    if (result.status !== 0) {
      console.log(`npm run ${step} failed (exit code ${result.status}).`);
      return;
    }
  }
}

/** Returns, per implementation, null when it can run here, or the reason it cannot. */
function checkImplementations(impls) {
  const problems = {};
  for (const impl of impls) {
    problems[impl] = null;
    if (impl === 'grpcio') {
      const result = spawnSync(PYTHON, ['-c', 'import grpc.aio'], { encoding: 'utf8' });
      if (result.status !== 0) {
        problems[impl] = `${PYTHON} cannot import grpc.aio: ${(result.stderr || result.error?.message || '').trim()}`
          + ' (install python3-grpcio)';
      }
      continue;
    }
    const probe = `const grpc = require(${JSON.stringify(impl === 'native' ? path.join(REPO_ROOT, 'dist')
      : '@grpc/grpc-js')});
      for (const name of ['Server', 'makeGenericClientConstructor', 'Metadata']) {
        if (typeof grpc[name] !== 'function') throw new Error('it exports no function ' + name);
      }`;
    const result = spawnSync(process.execPath, ['-e', probe], { cwd: __dirname, encoding: 'utf8' });
    if (result.status !== 0) {
      const lastLine = (result.stderr || '').trim().split('\n').filter((line) => /Error/.test(line)).pop();
      problems[impl] = `cannot load it: ${lastLine || 'unknown error'}`
        + (impl === 'native' ? ' (build it with `npm run build`)' : '');
    }
  }
  return problems;
}

function securityDescription(certs, mode) {
  return {
    mode,
    caPath: certs.ca.certPath,
    certPath: certs.server.certPath,
    keyPath: certs.server.keyPath,
    clientCertPath: certs.client.certPath,
    clientKeyPath: certs.client.keyPath,
  };
}

function pairingsFor(scenario, options, available) {
  return PAIRINGS.filter(({ client, server }) => {
    if (!available.has(client) || !available.has(server)) {
      return false;
    }
    if (client !== server && (!options.mixed || scenario.bothSidesOnly)) {
      return false;
    }
    // grpcio is compared as a whole library only.
    return (client !== 'grpcio' && server !== 'grpcio') || client === server;
  });
}

function rotate(list, by) {
  const offset = by % list.length;
  return [...list.slice(offset), ...list.slice(0, offset)];
}

/** Keeps one server per implementation and security configuration for the throughput scenarios. */
class ServerPool {
  constructor(certs) {
    this.certs = certs;
    this.servers = new Map();
  }

  serverConfig(impl, scenario) {
    return {
      impl,
      security: securityDescription(this.certs, scenario.security),
      checkToken: Boolean(scenario.callCredential),
      token: { key: CALL_CREDENTIAL_KEY, value: CALL_CREDENTIAL_VALUE },
    };
  }

  /** Resolves to a running server for `impl` and `scenario`, started on first use; a start failure is kept. */
  get(impl, scenario) {
    const key = `${impl}/${scenario.security}/${Boolean(scenario.callCredential)}`;
    if (!this.servers.has(key)) {
      const started = startServer(impl, this.serverConfig(impl, scenario));
      started.catch(() => {});
      this.servers.set(key, started);
    }
    return this.servers.get(key);
  }

  async stopAll() {
    const servers = await Promise.allSettled(this.servers.values());
    await Promise.all(servers.filter((entry) => entry.status === 'fulfilled').map((entry) => entry.value.stop()));
    this.servers.clear();
  }
}

function clientConfig(scenario, pairing, server, options, certs) {
  const config = {
    impl: pairing.client,
    workload: scenario.workload,
    target: `127.0.0.1:${server.port}`,
    security: securityDescription(certs, scenario.security),
    callCredential: Boolean(scenario.callCredential),
    token: { key: CALL_CREDENTIAL_KEY, value: CALL_CREDENTIAL_VALUE },
    messageSize: scenario.messageSize,
    concurrency: scenario.concurrency,
    warmupSeconds: options.warmupSeconds,
    durationSeconds: options.durationSeconds,
  };
  if (scenario.channels) {
    config.channels = scenario.channels[options.mode];
  }
  if (scenario.streams) {
    config.streams = scenario.streams[options.mode];
  }
  return config;
}

async function runOne(scenario, pairing, options, certs, pool) {
  let server;
  let ownServer = false;
  if (scenario.memory) {
    server = await startServer(pairing.server, pool.serverConfig(pairing.server, scenario));
    ownServer = true;
  } else {
    server = await pool.get(pairing.server, scenario);
  }
  try {
    const timeoutMs = scenario.memory ? MEMORY_CLIENT_TIMEOUT_MS
      : (options.warmupSeconds + options.durationSeconds) * 1000 + CLIENT_GRACE_MS;
    if (server.exitReason() !== null) {
      throw new Error(server.exitReason());
    }
    const config = clientConfig(scenario, pairing, server, options, certs);
    let run;
    try {
      run = await runClient(pairing.client, config, server.pid, timeoutMs);
    } catch (error) {
      // The client's error is only a consequence when the server died under it.
      throw server.exitReason() === null ? error : new Error(server.exitReason());
    }
    return computeMetrics(scenario, run);
  } finally {
    if (ownServer) {
      await server.stop();
    }
  }
}

function describeMetrics(scenario, metrics) {
  return scenario.headline.map((key) => {
    const value = metrics[key];
    return `${value === undefined ? '–' : value.toFixed(METRICS[key].digits)} ${METRICS[key].label}`;
  }).join(', ');
}

async function runSuite(options, available, certs) {
  const runs = [];
  const pool = new ServerPool(certs);
  const plan = options.scenarios.map((scenario) => ({ scenario, pairings: pairingsFor(scenario, options, available) }));
  try {
    for (let round = 1; round <= options.rounds; round++) {
      for (const [index, { scenario, pairings }] of plan.entries()) {
        for (const pairing of rotate(pairings, round - 1 + index)) {
          const entry = { scenario: scenario.name, pairing, round, metrics: null, error: null };
          try {
            entry.metrics = await runOne(scenario, pairing, options, certs, pool);
            console.log(`[round ${round}/${options.rounds}] ${scenario.name} ${pairingName(pairing)}: `
              + describeMetrics(scenario, entry.metrics));
          } catch (error) {
            entry.error = error.message;
            console.log(`[round ${round}/${options.rounds}] ${scenario.name} ${pairingName(pairing)}: FAILED: `
              + error.message);
          }
          runs.push(entry);
        }
      }
    }
  } finally {
    await pool.stopAll();
  }
  return runs;
}

function commandOutput(command, args) {
  try {
    return execFileSync(command, args, { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .trim();
  } catch {
    return null;
  }
}

function describeMachine() {
  const cpuInfo = fs.readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.*)$/m.exec(cpuInfo);
  const grpcio = spawnSync(PYTHON, ['-c', 'import grpc; print(grpc.__version__)'], { encoding: 'utf8' });
  return {
    cpus: Number(commandOutput('nproc', [])) || os.cpus().length,
    cpuModel: model ? model[1].trim() : 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(),
    node: process.version,
    grpcJs: require('@grpc/grpc-js/package.json').version,
    grpcio: grpcio.status === 0 ? grpcio.stdout.trim() : null,
    libgrpc: commandOutput('dpkg-query', ['-W', '-f=${Version}', 'libgrpc-dev']),
  };
}

function describeCommit() {
  return {
    commit: commandOutput('git', ['rev-parse', 'HEAD']),
    describe: commandOutput('git', ['describe', '--always', '--dirty']),
  };
}

function renderResultsSection(results, chartFile) {
  const { meta, summary, runs } = results;
  const scenarios = SCENARIOS.filter((scenario) => summary[scenario.name] !== undefined);
  const machine = meta.machine;
  const lines = [
    `Measured ${meta.date} on commit \`${meta.git.commit}\` (\`${meta.git.describe}\`), ${meta.mode} run: `
      + `${meta.settings.rounds} round(s), ${meta.settings.warmupSeconds} s warm-up and `
      + `${meta.settings.durationSeconds} s measured per run.`,
    '',
    `Machine: ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB, Linux ${machine.kernel}; `
      + `Node.js ${machine.node}; @grpc/grpc-js ${machine.grpcJs}; grpcio ${machine.grpcio ?? 'not available'}; `
      + `libgrpc-dev ${machine.libgrpc ?? 'unknown'}.`,
    '',
  ];
  if (meta.skipped.length > 0) {
    lines.push(`Not run: ${meta.skipped.map(({ impl, reason }) => `${impl} (${reason})`).join('; ')}.`, '');
  }
  lines.push(`![Ratio of each scenario against grpc-js](${chartFile})`, '',
    '### Ratios against grpc-js', '',
    'Each cell is how many times better than grpc-js (both sides) a pairing is: above 1 is faster, lower latency '
      + 'or less memory. The grpc-js column is the median, and ± is half the range of the rounds over the median.',
    '', report.renderRatioTable(summary, scenarios), '');
  const callCredentialCost = report.renderCallCredentialCost(summary, scenarios);
  if (callCredentialCost !== null) {
    lines.push('### Cost of a plugin call credential', '', callCredentialCost, '');
  }
  lines.push('### All measurements', '', 'Median over the rounds, ± half the range over the median.', '',
    report.renderAbsoluteTable(summary, scenarios), '');
  const failures = report.renderFailures(runs);
  if (failures) {
    lines.push('### Failed runs', '', failures, '');
  }
  return lines.join('\n');
}

function chartSvg(results) {
  const { summary, meta } = results;
  const scenarios = SCENARIOS.filter((scenario) => summary[scenario.name] !== undefined);
  const pairings = report.presentPairings(summary).filter((pairing) => pairing !== report.REFERENCE);
  return renderChart({
    title: 'Each scenario against @grpc/grpc-js (1× = grpc-js both sides; right of it is better)',
    subtitle: `${meta.mode} run of ${meta.date.slice(0, 10)}, commit ${meta.git.describe}, `
      + `${meta.machine.cpus} CPUs, Node.js ${meta.machine.node}`,
    series: pairings.map((pairing) => ({ label: report.pairingLabel(pairing) })),
    rows: report.chartRows(summary, scenarios, pairings),
  });
}

function writeDocs(results) {
  fs.writeFileSync(DOCS_CHART, chartSvg(results));
  const section = renderResultsSection(results, path.basename(DOCS_CHART));
  const page = fs.existsSync(DOCS_PAGE) ? fs.readFileSync(DOCS_PAGE, 'utf8') : null;
  const start = page === null ? -1 : page.indexOf(RESULTS_START);
  const end = page === null ? -1 : page.indexOf(RESULTS_END);
  if (start === -1 || end < start) {
    console.log(`${DOCS_PAGE} has no ${RESULTS_START} ... ${RESULTS_END} section; the results are only in `
      + `${RESULTS_DIR}.`);
    return;
  }
  const updated = `${page.slice(0, start + RESULTS_START.length)}\n${section}\n${page.slice(end)}`;
  fs.writeFileSync(DOCS_PAGE, updated);
  console.log(`Rewrote the results section of ${path.relative(REPO_ROOT, DOCS_PAGE)} and `
    + `${path.relative(REPO_ROOT, DOCS_CHART)}.`);
}

async function main() {
  const options = parseOptions(process.argv.slice(2));
  if (options.render !== undefined) {
    writeDocs(JSON.parse(fs.readFileSync(options.render, 'utf8')));
    return;
  }
  if (options.impls.includes('native')) {
    buildNativeIfMissing();
  }
  const problems = checkImplementations(options.impls);
  const available = new Set(options.impls.filter((impl) => problems[impl] === null));
  const skipped = options.impls.filter((impl) => problems[impl] !== null)
    .map((impl) => ({ impl, reason: problems[impl] }));
  for (const { impl, reason } of skipped) {
    console.log(`Skipping ${IMPLEMENTATIONS[impl].label}: ${reason}`);
  }
  if (options.impls.includes('grpc-js') && !available.has('grpc-js')) {
    throw new Error(`@grpc/grpc-js must be available, because every ratio is against it: ${problems['grpc-js']}`);
  }

  const certs = getTestCerts();
  const startedAt = new Date();
  const runs = await runSuite(options, available, certs);
  const summary = report.summarize(runs);
  const results = {
    meta: {
      date: startedAt.toISOString(),
      mode: options.mode,
      settings: { rounds: options.rounds, warmupSeconds: options.warmupSeconds, durationSeconds: options.durationSeconds,
        mixed: options.mixed },
      machine: describeMachine(),
      git: describeCommit(),
      skipped,
      elapsedSeconds: (Date.now() - startedAt.getTime()) / 1000,
    },
    summary,
    runs,
  };

  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const jsonPath = path.join(RESULTS_DIR, `${options.mode}-latest.json`);
  fs.writeFileSync(jsonPath, `${JSON.stringify(results, null, 2)}\n`);
  fs.writeFileSync(path.join(RESULTS_DIR, `${options.mode}-latest.svg`), chartSvg(results));

  console.log(`\n${renderResultsSection(results, `${options.mode}-latest.svg`)}`);
  console.log(`Results: ${path.relative(REPO_ROOT, jsonPath)} (${results.meta.elapsedSeconds.toFixed(0)} s)`);
  if (options.writeDocs) {
    writeDocs(results);
  }
}

main().catch((error) => {
  console.error(error.stack || String(error));
  process.exit(1);
});
