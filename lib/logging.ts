/**
 * The package's one logger and tracer, configured as in grpc-js: `GRPC_NODE_VERBOSITY` (else `GRPC_VERBOSITY`)
 * sets the minimum severity, `GRPC_NODE_TRACE` (else `GRPC_TRACE`) is a comma-separated list of tracer names to
 * enable, where `all` enables every tracer and `-name` disables one. C-core reads `GRPC_TRACE` and
 * `GRPC_VERBOSITY` too, for its own tracers.
 *
 * A trace line has a fixed shape, written through the logger (by default to stderr):
 * `D 2024-01-01T00:00:00.000Z | v0.1.0 1234 | tracer | text`. C-core's own lines take the same path (core-log.ts),
 * under the name `core`.
 */
import { pid } from 'process';
import { LogVerbosity } from './constants';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const packageVersion: string = require('../package.json').version;

const SEVERITY_PREFIX: Record<LogVerbosity, string> = {
  [LogVerbosity.DEBUG]: 'D',
  [LogVerbosity.INFO]: 'I',
  [LogVerbosity.ERROR]: 'E',
  [LogVerbosity.NONE]: '',
};

function writeToStderr(severity: LogVerbosity) {
  return (message?: any, ...optionalParams: any[]): void => {
    console.error(`${SEVERITY_PREFIX[severity]} ${message}`, ...optionalParams);
  };
}

const DEFAULT_LOGGER: Partial<Console> = {
  error: writeToStderr(LogVerbosity.ERROR),
  info: writeToStderr(LogVerbosity.INFO),
  debug: writeToStderr(LogVerbosity.DEBUG),
};

let logger: Partial<Console> = DEFAULT_LOGGER;
let verbosity: LogVerbosity = LogVerbosity.ERROR;
let verbosityObserver: ((verbosity: LogVerbosity) => void) | null = null;
let allTracersEnabled = false;
const enabledTracers = new Set<string>();
const disabledTracers = new Set<string>();

/** Returns the logger that receives every log and trace line. */
export function getLogger(): Partial<Console> {
  return logger;
}

/**
 * Replaces the logger. It needs `error`; `info` and `debug` are used when present, and lines of those
 * severities go to `error` otherwise.
 */
export function setLogger(newLogger: Partial<Console>): void {
  logger = newLogger;
}

/** Sets the minimum severity that is logged; `LogVerbosity.NONE` silences everything. */
export function setLogVerbosity(newVerbosity: LogVerbosity): void {
  verbosity = newVerbosity;
  verbosityObserver?.(verbosity);
}

/** Registers the function called on every verbosity change (core-log.ts passes the value on to C-core). */
export function observeVerbosity(observer: (verbosity: LogVerbosity) => void): void {
  verbosityObserver = observer;
  observer(verbosity);
}

/** grpc-js's name for {@link setLogVerbosity}. */
export const setLoggerVerbosity = setLogVerbosity;

/** Writes one line through the logger when `severity` is at least the configured verbosity. */
export function log(severity: LogVerbosity, ...args: any[]): void {
  if (severity < verbosity || severity === LogVerbosity.NONE) {
    return;
  }
  let write: ((...args: any[]) => void) | undefined;
  if (severity === LogVerbosity.DEBUG) {
    write = logger.debug;
  } else if (severity === LogVerbosity.INFO) {
    write = logger.info;
  }
  write ??= logger.error;
  write?.apply(logger, args);
}

/** True when `tracer` was enabled by name or by `all`, and not disabled with `-tracer`. */
export function isTracerEnabled(tracer: string): boolean {
  if (disabledTracers.has(tracer)) {
    return false;
  }
  return allTracersEnabled || enabledTracers.has(tracer);
}

/**
 * Logs `text` as a line of `tracer` when that tracer is enabled. Callers that build an expensive text check
 * {@link isTracerEnabled} first.
 */
export function trace(severity: LogVerbosity, tracer: string, text: string): void {
  if (isTracerEnabled(tracer)) {
    logLine(severity, tracer, text);
  }
}

/** Writes `text` in the shape of a trace line, under the name `source`, whether or not a tracer is enabled. */
export function logLine(severity: LogVerbosity, source: string, text: string): void {
  log(severity, `${new Date().toISOString()} | v${packageVersion} ${pid} | ${source} | ${text}`);
}

function parseVerbosity(name: string): LogVerbosity | undefined {
  switch (name.toUpperCase()) {
    case 'DEBUG':
      return LogVerbosity.DEBUG;
    case 'INFO':
      return LogVerbosity.INFO;
    case 'ERROR':
      return LogVerbosity.ERROR;
    case 'NONE':
      return LogVerbosity.NONE;
    default:
      return undefined;
  }
}

/**
 * Reads the verbosity and the tracer list from `env`, replacing the current settings. It runs once when the
 * module loads; tests call it with their own environment. An unknown verbosity name leaves ERROR in place, as in
 * grpc-js.
 */
export function configureFromEnvironment(env: NodeJS.ProcessEnv = process.env): void {
  verbosity = parseVerbosity(env.GRPC_NODE_VERBOSITY ?? env.GRPC_VERBOSITY ?? '') ?? LogVerbosity.ERROR;
  verbosityObserver?.(verbosity);

  enabledTracers.clear();
  disabledTracers.clear();
  for (const name of (env.GRPC_NODE_TRACE ?? env.GRPC_TRACE ?? '').split(',')) {
    const tracer = name.trim();
    if (tracer.startsWith('-')) {
      disabledTracers.add(tracer.substring(1));
    } else if (tracer.length > 0) {
      enabledTracers.add(tracer);
    }
  }
  allTracersEnabled = enabledTracers.has('all');
}

configureFromEnvironment();
