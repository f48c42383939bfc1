/**
 * Routes C-core's log lines through the package's logger, so that `setLogger` and the verbosity settings govern
 * them as they govern grpc-js's lines. C-core calls its log function on any thread; the addon posts each line to the
 * JavaScript thread of the environment that registered first (see native/core_log.cc).
 */
import { LogVerbosity } from './constants';
import { logLine, observeVerbosity } from './logging';

/** The part of the binding this module uses. */
export interface CoreLogBinding {
  setCoreLogSink(callback: (severity: number, file: string, line: number, message: string) => void): void;
  /** C-core's gpr_log_severity: 0 debug, 1 info, 2 error. */
  setCoreLogVerbosity(severity: number): void;
}

/** Sends C-core's lines to the logger and keeps C-core's minimum severity equal to the package's. */
export function routeCoreLogs(binding: CoreLogBinding): void {
  binding.setCoreLogSink((severity, file, line, message) => {
    // C-core's severities have the numbers of LogVerbosity's first three members.
    logLine(severity as LogVerbosity, 'core', `${file.replace(/^\.\//, '')}:${line} ${message}`);
  });

  // NONE has no C-core counterpart: C-core keeps logging errors, and log() drops them.
  observeVerbosity((verbosity) => binding.setCoreLogVerbosity(Math.min(verbosity, LogVerbosity.ERROR)));
}
