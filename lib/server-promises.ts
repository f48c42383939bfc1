/**
 * Async handlers, an addition to grpc-js's API that leaves handlers written for grpc-js working as before:
 * - a unary or client-streaming handler may return a Promise: its value is the response, its rejection ends the
 *   call with the status built from the error (as `callback(error)` would);
 * - a server-streaming or bidi handler may be an async generator function, or return any async iterable that is
 *   not a Node stream. Each value is written as a response, with backpressure. The end of the iteration ends the
 *   call with OK, and an exception ends it with the status built from the error.
 * Client-streaming and bidi requests are async iterable, because the call objects are Readable streams.
 */
import { Stream } from 'stream';
import { LogVerbosity, Status } from './constants';
import { log, trace } from './logging';
import type { Metadata } from './metadata';
import type { PartialStatusObject } from './server-interceptors';

/** The parts of a response stream that async iteration drives. */
export interface AsyncResponseStream {
  cancelled: boolean;
  statusSent: boolean;
  pendingStatus: PartialStatusObject;
  readonly destroyed: boolean;
  readonly writableEnded: boolean;
  write(chunk: unknown): boolean;
  end(metadata?: Metadata): unknown;
  once(event: string, listener: () => void): unknown;
  removeListener(event: string, listener: () => void): unknown;
}

export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as PromiseLike<unknown>).then === 'function';
}

/**
 * True for async iterables other than Node streams. A grpc-js handler such as `call => call.pipe(call)` returns a
 * stream, which is async iterable too, and must keep working as it does in grpc-js.
 */
export function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return value !== null && typeof value === 'object' && !(value instanceof Stream) &&
    typeof (value as { pipe?: unknown }).pipe !== 'function' &&
    typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';
}

/** Turns a rejection reason of any type into something `serverErrorToStatus` takes. */
function asError(reason: unknown): Error | PartialStatusObject {
  if (reason !== null && typeof reason === 'object') {
    return reason as Error;
  }
  return { code: Status.UNKNOWN, details: String(reason) };
}

/**
 * Responds to a unary or client-streaming call with the outcome of the Promise its handler returned. A handler
 * that also takes the callback (`async (call, callback) => ...`, common in grpc-js code) may resolve with
 * `undefined` and respond through the callback. The first response wins, and a later rejection is logged.
 */
export function respondFromPromise(
  promise: PromiseLike<unknown>,
  respond: (error: any, value?: unknown) => void,
  answered: () => boolean,
  takesCallback: boolean,
  path: string,
): void {
  promise.then(
    value => {
      if (answered() || (value === undefined && takesCallback)) {
        return;
      }
      respond(null, value);
    },
    reason => {
      if (answered()) {
        log(LogVerbosity.ERROR, `Handler of ${path} rejected after it had answered: ${String(reason)}`);
        return;
      }
      respond(asError(reason));
    },
  );
}

/** Ends a response stream with the status of `reason`, unless the call is already over. */
export function reportHandlerRejection(reason: unknown, stream: AsyncResponseStream, path: string,
  errorToStatus: (error: any) => PartialStatusObject): void {
  if (stream.cancelled) {
    // Cancellation makes a handler that is still reading the requests fail; that is expected.
    trace(LogVerbosity.DEBUG, 'server_call', `Handler of ${path} stopped after cancellation: ${String(reason)}`);
    return;
  }
  if (stream.statusSent || stream.writableEnded) {
    log(LogVerbosity.ERROR, `Handler of ${path} failed after it ended its responses: ${String(reason)}`);
    return;
  }
  stream.pendingStatus = errorToStatus(asError(reason));
  stream.end();
}

// Resolves when the stream can take more data, or when it closed.
function waitForDrain(stream: AsyncResponseStream): Promise<void> {
  return new Promise(resolve => {
    const done = () => {
      stream.removeListener('drain', done);
      stream.removeListener('close', done);
      resolve();
    };
    stream.once('drain', done);
    stream.once('close', done);
  });
}

/**
 * Writes every value of `source` to `stream`, waiting for the stream to drain when it is full, then ends the
 * stream. When the call ends early (cancellation, deadline), the iteration stops and the iterator's `return` runs,
 * so an async generator's `finally` blocks execute.
 */
export async function writeAsyncIterable(source: AsyncIterable<unknown>, stream: AsyncResponseStream, path: string,
  errorToStatus: (error: any) => PartialStatusObject): Promise<void> {
  const iterator = source[Symbol.asyncIterator]();
  try {
    for (;;) {
      const item = await iterator.next();
      if (item.done) {
        break;
      }
      if (stream.cancelled || stream.destroyed) {
        await iterator.return?.();
        return;
      }
      if (!stream.write(item.value)) {
        await waitForDrain(stream);
      }
    }
  } catch (error) {
    reportHandlerRejection(error, stream, path, errorToStatus);
    return;
  }
  if (!stream.cancelled && !stream.writableEnded) {
    stream.end();
  }
}
