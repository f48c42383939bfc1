#!/usr/bin/env node
'use strict';
// Counts the instructions that one benchmark operation costs, with valgrind's callgrind, on the client or the
// server of one throughput scenario. Instrumentation is switched on at the client's window-start sync and off at
// window-end, so start-up and warm-up are left out.
//
//   node bench/tools/callgrind.js --scenario unary-c1 [--side client|server] [--impl native|grpc-js]
//                                 [--warmup 10] [--duration 8] [--out callgrind.out] [--top 25]
//
// It prints the instructions per operation and the functions with the largest inclusive cost. Under valgrind the
// process runs about 50 times slower, so the counts come from a few hundred operations. They include JIT
// compilation and garbage collection, which made them vary by about 10% between runs on the machine in
// docs/benchmarks.md.

const { execFileSync, spawn } = require('node:child_process');
const path = require('node:path');
const readline = require('node:readline');
const { parseArgs } = require('node:util');

const { SCENARIOS } = require('../lib/scenarios');

const BENCH_DIR = path.join(__dirname, '..');

function parseOptions() {
  const { values } = parseArgs({
    options: {
      scenario: { type: 'string' },
      side: { type: 'string', default: 'client' },
      impl: { type: 'string', default: 'native' },
      warmup: { type: 'string', default: '10' },
      duration: { type: 'string', default: '8' },
      out: { type: 'string', default: 'callgrind.out' },
      top: { type: 'string', default: '25' },
    },
  });
  const scenario = SCENARIOS.find((candidate) => candidate.name === values.scenario);
  if (scenario === undefined || scenario.memory || scenario.security !== 'insecure') {
    const names = SCENARIOS.filter((candidate) => !candidate.memory && candidate.security === 'insecure')
      .map((candidate) => candidate.name);
    throw new Error(`--scenario must be one of ${names.join(', ')}, got ${String(values.scenario)}`);
  }
  if (!['client', 'server'].includes(values.side)) {
    throw new Error(`--side must be client or server, got ${values.side}`);
  }
  if (!['native', 'grpc-js'].includes(values.impl)) {
    throw new Error(`--impl must be native or grpc-js, got ${values.impl}`);
  }
  return { ...values, scenario, warmup: Number(values.warmup), duration: Number(values.duration) };
}

function startChild(role, config, profiled, outFile) {
  const script = [path.join(BENCH_DIR, `node-${role}.js`), JSON.stringify(config)];
  const command = profiled ? 'valgrind' : process.execPath;
  const args = profiled
    ? ['--tool=callgrind', `--callgrind-out-file=${outFile}`, '--instr-atstart=no', process.execPath, ...script]
    : script;
  const child = spawn(command, args, { cwd: BENCH_DIR, stdio: ['pipe', 'pipe', 'inherit'] });
  child.stdin.on('error', () => {});
  return { child, lines: readline.createInterface({ input: child.stdout }) };
}

function nextEvent(lines, event) {
  return new Promise((resolve) => {
    lines.on('line', (line) => {
      const message = JSON.parse(line);
      if (message.event === event) {
        resolve(message);
      }
    });
  });
}

function setInstrumentation(pid, on) {
  execFileSync('callgrind_control', ['--instr', on ? 'on' : 'off', String(pid)], { stdio: 'ignore' });
}

async function main() {
  const options = parseOptions();
  const security = { mode: 'insecure' };
  const server = startChild('server', { impl: options.impl, security }, options.side === 'server', options.out);
  const { port } = await nextEvent(server.lines, 'listening');

  const client = startChild('client', {
    impl: options.impl,
    workload: options.scenario.workload,
    target: `127.0.0.1:${port}`,
    security,
    messageSize: options.scenario.messageSize,
    concurrency: options.scenario.concurrency,
    warmupSeconds: options.warmup,
    durationSeconds: options.duration,
  }, options.side === 'client', options.out);
  const profiled = options.side === 'client' ? client : server;
  client.lines.on('line', (line) => {
    const message = JSON.parse(line);
    if (message.event === 'sync') {
      setInstrumentation(profiled.child.pid, message.name === 'window-start');
      client.child.stdin.write('\n');
    }
  });
  const result = await nextEvent(client.lines, 'result');
  await new Promise((resolve) => client.child.on('exit', resolve));
  server.child.stdin.end();
  await new Promise((resolve) => server.child.on('exit', resolve));

  const annotated = execFileSync('callgrind_annotate', ['--inclusive=yes', options.out], { encoding: 'utf8' });
  const totalMatch = /^\s*([\d,]+) \([\d.]+%\)\s+PROGRAM TOTALS/m.exec(annotated);
  if (totalMatch === null) {
    throw new Error(`callgrind recorded nothing in ${options.out}: did the window-start sync arrive?`);
  }
  const total = Number(totalMatch[1].replace(/,/g, ''));
  console.log(`${options.scenario.name}, ${options.impl} ${options.side}: ${result.count} operations in the window, `
    + `${Math.round(total / result.count).toLocaleString('en-US')} instructions per operation`);
  // Names with a suffix such as '2 are callgrind's entries for recursion cycles, whose inclusive cost counts
  // nested calls more than once.
  const functions = annotated.split('\n').filter((line) => /^\s*[\d,]+ \(\s*[\d.]+%\)\s+\S/.test(line)
    && !line.includes('PROGRAM TOTALS') && !/'\d+ \[/.test(line));
  for (const line of functions.slice(0, Number(options.top))) {
    console.log(line.length > 160 ? `${line.slice(0, 157)}...` : line);
  }
}

main().catch((error) => {
  console.error(error.stack || String(error));
  process.exit(1);
});
