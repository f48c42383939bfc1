import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as path from 'path';
import { LogVerbosity } from '../lib/constants';
import {
  configureFromEnvironment,
  isTracerEnabled,
  log,
  setLogger,
  setLogVerbosity,
  trace,
} from '../lib/logging';

describe('logging', () => {
  let lines: Array<{ level: string; text: string }>;

  beforeEach(() => {
    lines = [];
    setLogger({
      error: (text: string) => lines.push({ level: 'error', text }),
      info: (text: string) => lines.push({ level: 'info', text }),
      debug: (text: string) => lines.push({ level: 'debug', text }),
    });
  });

  afterEach(() => {
    configureFromEnvironment({});
    setLogger(console);
  });

  describe('configureFromEnvironment', () => {
    it('enables nothing by default', () => {
      configureFromEnvironment({});
      assert.strictEqual(isTracerEnabled('channel'), false);
    });

    it('enables listed tracers', () => {
      configureFromEnvironment({ GRPC_TRACE: 'channel, call' });
      assert.strictEqual(isTracerEnabled('channel'), true);
      assert.strictEqual(isTracerEnabled('call'), true);
      assert.strictEqual(isTracerEnabled('server'), false);
    });

    it('all enables every tracer except negated ones', () => {
      configureFromEnvironment({ GRPC_TRACE: 'all,-call' });
      assert.strictEqual(isTracerEnabled('anything'), true);
      assert.strictEqual(isTracerEnabled('call'), false);
    });

    it('GRPC_NODE_TRACE takes precedence over GRPC_TRACE', () => {
      configureFromEnvironment({ GRPC_NODE_TRACE: 'node_only', GRPC_TRACE: 'core_only' });
      assert.strictEqual(isTracerEnabled('node_only'), true);
      assert.strictEqual(isTracerEnabled('core_only'), false);
    });

    it('GRPC_NODE_VERBOSITY takes precedence over GRPC_VERBOSITY', () => {
      configureFromEnvironment({ GRPC_NODE_VERBOSITY: 'debug', GRPC_VERBOSITY: 'NONE' });
      log(LogVerbosity.DEBUG, 'shown');
      assert.deepStrictEqual(lines, [{ level: 'debug', text: 'shown' }]);
    });

    it('an unknown verbosity leaves ERROR', () => {
      configureFromEnvironment({ GRPC_VERBOSITY: 'loud' });
      log(LogVerbosity.INFO, 'hidden');
      log(LogVerbosity.ERROR, 'shown');
      assert.deepStrictEqual(lines, [{ level: 'error', text: 'shown' }]);
    });
  });

  describe('log', () => {
    it('filters by verbosity', () => {
      setLogVerbosity(LogVerbosity.INFO);
      log(LogVerbosity.DEBUG, 'debug');
      log(LogVerbosity.INFO, 'info');
      log(LogVerbosity.ERROR, 'error');
      assert.deepStrictEqual(lines.map((line) => line.text), ['info', 'error']);
    });

    it('NONE silences everything', () => {
      setLogVerbosity(LogVerbosity.NONE);
      log(LogVerbosity.ERROR, 'error');
      assert.deepStrictEqual(lines, []);
    });

    it('falls back to error when the logger lacks a level', () => {
      const received: string[] = [];
      setLogger({ error: (text: string) => received.push(text) });
      setLogVerbosity(LogVerbosity.DEBUG);
      log(LogVerbosity.DEBUG, 'debug line');
      assert.deepStrictEqual(received, ['debug line']);
    });
  });

  describe('trace', () => {
    it('writes the fixed line shape', () => {
      configureFromEnvironment({ GRPC_TRACE: 'channel', GRPC_VERBOSITY: 'DEBUG' });
      trace(LogVerbosity.DEBUG, 'channel', 'connected');
      assert.strictEqual(lines.length, 1);
      assert.match(lines[0].text, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \| v\d+\.\d+\.\d+ \d+ \| channel \| connected$/);
    });

    it('writes nothing for a disabled tracer', () => {
      configureFromEnvironment({ GRPC_TRACE: 'channel', GRPC_VERBOSITY: 'DEBUG' });
      trace(LogVerbosity.DEBUG, 'call', 'hidden');
      assert.deepStrictEqual(lines, []);
    });
  });

  it('reads the environment at load and writes to stderr', () => {
    const script = [
      "require('ts-node/register/transpile-only');",
      `const logging = require(${JSON.stringify(path.join(__dirname, '..', 'lib', 'logging.ts'))});`,
      "logging.trace(0, 'channel', 'from child');",
      "logging.trace(0, 'call', 'not shown');",
    ].join('\n');
    const result = spawnSync(process.execPath, ['-e', script], {
      env: { ...process.env, GRPC_NODE_TRACE: 'channel', GRPC_NODE_VERBOSITY: 'DEBUG' },
      encoding: 'utf8',
    });
    assert.strictEqual(result.status, 0, result.stderr);
    assert.strictEqual(result.stdout, '');
    const stderrLines = result.stderr.trim().split('\n');
    assert.strictEqual(stderrLines.length, 1, result.stderr);
    assert.match(stderrLines[0], /^D \S+Z \| v\S+ \d+ \| channel \| from child$/);
  });
});

describe('C-core log lines', () => {
  const child = path.join(__dirname, 'fixtures', 'core-log-child.ts');

  function run(mode: string, env: NodeJS.ProcessEnv = {}) {
    const childEnv = { ...process.env };
    delete childEnv.GRPC_VERBOSITY;
    delete childEnv.GRPC_NODE_VERBOSITY;
    return spawnSync(process.execPath, ['-r', 'ts-node/register/transpile-only', child, mode], {
      cwd: path.join(__dirname, '..'),
      env: { ...childEnv, ...env },
      encoding: 'utf8',
      timeout: 30000,
    });
  }

  it('reach the logger set with setLogger', () => {
    const result = run('logger');
    assert.strictEqual(result.status, 0, result.stderr);

    const { bindFailed, lines } = JSON.parse(result.stdout);
    assert.strictEqual(bindFailed, true);
    const coreLine = (lines as string[]).find((line) => line.includes('| core |'));
    assert.ok(coreLine, `no C-core line among ${JSON.stringify(lines)}`);
    assert.match(coreLine, /^\d{4}-\d\d-\d\dT.* \| v\S+ \d+ \| core \| src\/core\/\S+\.cc:\d+ /);
    assert.match(coreLine, /Address already in use/);
    assert.doesNotMatch(result.stderr, /chttp2_server\.cc/);
  });

  it('go to stderr in the package line shape by default', () => {
    const result = run('default');
    assert.strictEqual(result.status, 0, result.stderr);
    assert.match(result.stderr, /^E \d{4}-\d\d-\d\dT.* \| core \| .*Address already in use/m);
  });

  it('are silenced by GRPC_VERBOSITY=NONE', () => {
    const result = run('default', { GRPC_VERBOSITY: 'NONE' });
    assert.strictEqual(result.status, 0, result.stderr);
    assert.strictEqual(result.stderr, '');
  });
});
