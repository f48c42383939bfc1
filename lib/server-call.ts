/**
 * The call objects that server handlers receive, with grpc-js 1.14's types and events, and the code that runs a
 * handler of each kind on top of a call's interceptor stack.
 *
 * Every call object emits `cancelled` (and sets `cancelled = true`) once the call is over: when the client
 * cancelled it, when its deadline passed, and also when the server sent the status. grpc-js has done so since
 * 1.10, and handlers use the event to release what they hold.
 */
import { EventEmitter } from 'events';
import { Duplex, Readable, Writable } from 'stream';
import { LogVerbosity, Status } from './constants';
import { log } from './logging';
import { Metadata } from './metadata';
import type { AuthContext } from './auth-context';
import type { Deadline } from './deadline';
import type { Deserialize, Serialize } from './make-client';
import type { NativeCall } from './native';
import type { PerRequestMetricRecorder } from './server-metrics';
import type { ObjectReadable, ObjectWritable } from './call';
import type { StatusObject } from './call-interface';
import type {
  InterceptingServerListener,
  PartialStatusObject,
  ServerInterceptingCallInterface,
} from './server-interceptors';
import {
  isAsyncIterable,
  isThenable,
  reportHandlerRejection,
  respondFromPromise,
  writeAsyncIterable,
} from './server-promises';

export type ServerStatusResponse = Partial<StatusObject>;

/** An error a handler passes or emits: an Error or a plain object, with an optional status `code`. */
export type ServerErrorResponse = ServerStatusResponse & Error;

/** The methods and properties that every server call object has. */
export type ServerSurfaceCall = {
  cancelled: boolean;
  readonly metadata: Metadata;
  getPeer(): string;
  sendMetadata(responseMetadata: Metadata): void;
  getDeadline(): Deadline;
  getPath(): string;
  getHost(): string;
  getAuthContext(): AuthContext;
  getMetricsRecorder(): PerRequestMetricRecorder;
  /** The C-core call, to pass as `parent` of a client call so that deadline and cancellation propagate. */
  _getNativeCall(): NativeCall | null;
} & EventEmitter;

export type ServerUnaryCall<RequestType, ResponseType> = ServerSurfaceCall & { request: RequestType };

export type ServerReadableStream<RequestType, ResponseType> = ServerSurfaceCall & ObjectReadable<RequestType>;

export type ServerWritableStream<RequestType, ResponseType> = ServerSurfaceCall &
  ObjectWritable<ResponseType> & {
    request: RequestType;
    /** Ends the responses; `metadata` becomes the trailers. */
    end: (metadata?: Metadata) => void;
  };

export type ServerDuplexStream<RequestType, ResponseType> = ServerSurfaceCall &
  ObjectReadable<RequestType> &
  ObjectWritable<ResponseType> & {
    end: (metadata?: Metadata) => void;
  };

/**
 * The callback of unary and client-streaming handlers: an error ends the call with the status it carries,
 * otherwise `value` is the response and `trailer` the trailers. `flags` is accepted and ignored, as in grpc-js.
 */
export type sendUnaryData<ResponseType> = (
  error: ServerErrorResponse | ServerStatusResponse | null,
  value?: ResponseType | null,
  trailer?: Metadata,
  flags?: number,
) => void;

/** A unary handler; it may also return a Promise of the response instead of calling `callback`. */
export type handleUnaryCall<RequestType, ResponseType> = (
  call: ServerUnaryCall<RequestType, ResponseType>,
  callback: sendUnaryData<ResponseType>,
) => void;

/** A client-streaming handler; it may also return a Promise of the response instead of calling `callback`. */
export type handleClientStreamingCall<RequestType, ResponseType> = (
  call: ServerReadableStream<RequestType, ResponseType>,
  callback: sendUnaryData<ResponseType>,
) => void;

/** A server-streaming handler; it may also be an async generator, or return an async iterable of responses. */
export type handleServerStreamingCall<RequestType, ResponseType> = (
  call: ServerWritableStream<RequestType, ResponseType>,
) => void;

/** A bidi-streaming handler; it may also be an async generator, or return an async iterable of responses. */
export type handleBidiStreamingCall<RequestType, ResponseType> = (
  call: ServerDuplexStream<RequestType, ResponseType>,
) => void;

export type HandleCall<RequestType, ResponseType> =
  | handleUnaryCall<RequestType, ResponseType>
  | handleClientStreamingCall<RequestType, ResponseType>
  | handleServerStreamingCall<RequestType, ResponseType>
  | handleBidiStreamingCall<RequestType, ResponseType>;

export type HandlerType = 'bidi' | 'clientStream' | 'serverStream' | 'unary';

/** A registered method: its handler function, codecs, kind and path. */
export interface Handler<RequestType, ResponseType> {
  func: HandleCall<RequestType, ResponseType>;
  serialize: Serialize<ResponseType>;
  deserialize: Deserialize<RequestType>;
  type: HandlerType;
  path: string;
}

/**
 * Builds the status for an error a handler passed or emitted. The code is the error's `code` when it is an
 * integer, else UNKNOWN. The details are the error's `details` when it has such a code and a string `details`,
 * else its `message`. An error that is not an object (`callback('failed')`, `emit('error', 42)`) gives UNKNOWN
 * with the value as a string. `overrideTrailers`, when given, replaces the error's `metadata`.
 */
export function serverErrorToStatus(
  error: ServerErrorResponse | ServerStatusResponse,
  overrideTrailers?: Metadata,
): PartialStatusObject {
  const value: unknown = error;
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) {
    return { code: Status.UNKNOWN, details: String(value), metadata: overrideTrailers ?? null };
  }
  const source = error as Partial<StatusObject> & { message?: unknown };
  const status: PartialStatusObject = {
    code: Status.UNKNOWN,
    details: 'message' in source ? String(source.message) : 'Unknown Error',
    metadata: overrideTrailers ?? source.metadata ?? null,
  };
  if (typeof source.code === 'number' && Number.isInteger(source.code)) {
    status.code = source.code;
    if (typeof source.details === 'string') {
      status.details = source.details;
    }
  }
  return status;
}

/**
 * The methods every call object shares. They are copied onto each call class, because the classes extend
 * different Node base classes (EventEmitter, Readable, Writable, Duplex).
 */
class ServerSurface {
  declare protected readonly path: string;
  declare protected readonly call: ServerInterceptingCallInterface;

  getPeer(): string {
    return this.call.getPeer();
  }

  sendMetadata(responseMetadata: Metadata): void {
    this.call.sendMetadata(responseMetadata);
  }

  getDeadline(): Deadline {
    return this.call.getDeadline();
  }

  getPath(): string {
    return this.path;
  }

  getHost(): string {
    return this.call.getHost();
  }

  getAuthContext(): AuthContext {
    return this.call.getAuthContext();
  }

  getMetricsRecorder(): PerRequestMetricRecorder {
    return this.call.getMetricsRecorder();
  }

  _getNativeCall(): NativeCall | null {
    return this.call._getNativeCall?.() ?? null;
  }
}

function addSurface(target: { prototype: object }): void {
  for (const name of Object.getOwnPropertyNames(ServerSurface.prototype)) {
    if (name !== 'constructor') {
      Object.defineProperty(target.prototype, name,
        Object.getOwnPropertyDescriptor(ServerSurface.prototype, name)!);
    }
  }
}

/** The call object of a unary handler that grpc-js exports; the handlers here use {@link ServerWritableStreamImpl}. */
export class ServerUnaryCallImpl<RequestType, ResponseType> extends EventEmitter
  implements ServerUnaryCall<RequestType, ResponseType> {
  cancelled = false;

  constructor(
    protected readonly path: string,
    protected readonly call: ServerInterceptingCallInterface,
    public metadata: Metadata,
    public request: RequestType,
  ) {
    super();
  }
}
export interface ServerUnaryCallImpl<RequestType, ResponseType> extends ServerSurface {}
addSurface(ServerUnaryCallImpl);

/**
 * Ends a response stream with the status it collected: OK by default, or the status of an `error` event, with the
 * trailers given to `end`. Shared by the writable and the duplex call objects.
 */
interface ResponseEnding {
  pendingStatus: PartialStatusObject;
  trailingMetadata: Metadata;
  statusSent: boolean;
  cancelled: boolean;
}

function finalStatus(ending: ResponseEnding): PartialStatusObject {
  return { ...ending.pendingStatus, metadata: ending.pendingStatus.metadata ?? ending.trailingMetadata };
}

// A stream destroyed by the handler before it ended ends the call: with the error's status, or CANCELLED when
// there is no error. After the call is over, destroying does nothing.
function statusOnDestroy(ending: ResponseEnding, error: Error | null): PartialStatusObject | null {
  if (ending.statusSent || ending.cancelled) {
    return null;
  }
  ending.statusSent = true;
  if (error) {
    return serverErrorToStatus(error);
  }
  return { code: Status.CANCELLED, details: 'Call destroyed by the server handler' };
}

function okStatus(): PartialStatusObject {
  return { code: Status.OK, details: 'OK' };
}

/** The call object of a client-streaming handler (grpc-js itself uses the duplex one). */
export class ServerReadableStreamImpl<RequestType, ResponseType> extends Readable
  implements ServerReadableStream<RequestType, ResponseType> {
  cancelled = false;

  constructor(
    protected readonly path: string,
    protected readonly call: ServerInterceptingCallInterface,
    public metadata: Metadata,
  ) {
    super({ objectMode: true });
  }

  _read(size: number): void {
    this.call.startRead();
  }

  /** Iterates the requests; leaving the loop early does not end the call, so the handler can still respond. */
  [Symbol.asyncIterator](): NodeJS.AsyncIterator<any> {
    return this.iterator({ destroyOnReturn: false });
  }
}
export interface ServerReadableStreamImpl<RequestType, ResponseType> extends ServerSurface {}
addSurface(ServerReadableStreamImpl);

/** The call object of server-streaming handlers, and of unary handlers as in grpc-js 1.14. */
export class ServerWritableStreamImpl<RequestType, ResponseType> extends Writable
  implements ServerWritableStream<RequestType, ResponseType>, ResponseEnding {
  cancelled = false;
  pendingStatus: PartialStatusObject = okStatus();
  trailingMetadata = new Metadata();
  statusSent = false;

  constructor(
    protected readonly path: string,
    protected readonly call: ServerInterceptingCallInterface,
    public metadata: Metadata,
    public request: RequestType,
  ) {
    super({ objectMode: true });
    // An emitted error ends the call with its status; this is how grpc-js handlers report errors on streams.
    this.on('error', error => {
      this.pendingStatus = serverErrorToStatus(error);
      this.end();
    });
  }

  _write(chunk: ResponseType, encoding: string, callback: (error?: Error | null) => void): void {
    this.call.sendMessage(chunk, callback);
  }

  _final(callback: (error?: Error | null) => void): void {
    callback(null);
    if (!this.statusSent) {
      this.statusSent = true;
      this.call.sendStatus(finalStatus(this));
    }
  }

  _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const status = statusOnDestroy(this, error);
    if (status !== null) {
      this.call.sendStatus(status);
    }
    callback(error);
  }

  /** Ends the responses; a Metadata argument becomes the trailers, a function is called once the stream ends. */
  end(metadata?: any): this {
    if (metadata instanceof Metadata) {
      this.trailingMetadata = metadata;
    } else if (typeof metadata === 'function') {
      return super.end(metadata);
    }
    return super.end();
  }
}
export interface ServerWritableStreamImpl<RequestType, ResponseType> extends ServerSurface {}
addSurface(ServerWritableStreamImpl);

/** The call object of bidi-streaming handlers, and of client-streaming handlers as in grpc-js 1.14. */
export class ServerDuplexStreamImpl<RequestType, ResponseType> extends Duplex
  implements ServerDuplexStream<RequestType, ResponseType>, ResponseEnding {
  cancelled = false;
  pendingStatus: PartialStatusObject = okStatus();
  trailingMetadata = new Metadata();
  statusSent = false;

  constructor(
    protected readonly path: string,
    protected readonly call: ServerInterceptingCallInterface,
    public metadata: Metadata,
  ) {
    super({ objectMode: true });
    this.on('error', error => {
      this.pendingStatus = serverErrorToStatus(error);
      this.end();
    });
  }

  _read(size: number): void {
    this.call.startRead();
  }

  _write(chunk: ResponseType, encoding: string, callback: (error?: Error | null) => void): void {
    this.call.sendMessage(chunk, callback);
  }

  _final(callback: (error?: Error | null) => void): void {
    callback(null);
    if (!this.statusSent) {
      this.statusSent = true;
      this.call.sendStatus(finalStatus(this));
    }
  }

  _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const status = statusOnDestroy(this, error);
    if (status !== null) {
      this.call.sendStatus(status);
    }
    callback(error);
  }

  /** Ends the responses; a Metadata argument becomes the trailers, a function is called once the stream ends. */
  end(metadata?: any): this {
    if (metadata instanceof Metadata) {
      this.trailingMetadata = metadata;
    } else if (typeof metadata === 'function') {
      return super.end(metadata);
    }
    return super.end();
  }

  /** Iterates the requests; leaving the loop early, or reaching the end, leaves the response side open. */
  [Symbol.asyncIterator](): NodeJS.AsyncIterator<any> {
    return this.iterator({ destroyOnReturn: false });
  }
}
export interface ServerDuplexStreamImpl<RequestType, ResponseType> extends ServerSurface {}
addSurface(ServerDuplexStreamImpl);

/** Options of the code that runs handlers. */
export interface HandlerRunOptions {
  /** Puts a thrown error's message into the status details; GRPC_NODE_DEBUG_SEND_ERROR_DETAILS=false turns it off. */
  sendErrorDetails: boolean;
}

// Ends a call whose handler threw with UNKNOWN. The details carry the error's message unless the server was
// told to hide it (grpc-js 1.14 hides it by default).
function endWithThrownError(call: ServerInterceptingCallInterface, ending: ResponseEnding, error: unknown,
  options: HandlerRunOptions): void {
  if (ending.statusSent) {
    log(LogVerbosity.ERROR, `A server handler threw after it answered its call: ${String(error)}`);
    return;
  }
  ending.statusSent = true;
  const message = error instanceof Error ? error.message : String(error);
  call.sendStatus({
    code: Status.UNKNOWN,
    details: options.sendErrorDetails ? `Server method handler threw error ${message}` : 'Unknown error',
  });
}

// Builds the callback of unary and client-streaming handlers. Only its first call counts, and that call marks the
// call object's status as sent so that destroying the call object afterwards changes nothing.
function unaryResponder(call: ServerInterceptingCallInterface, ending: ResponseEnding):
  { respond: sendUnaryData<any>; answered: () => boolean } {
  const respond: sendUnaryData<any> = (error, value, trailer) => {
    if (ending.statusSent) {
      return;
    }
    ending.statusSent = true;
    if (error) {
      call.sendStatus(serverErrorToStatus(error, trailer));
      return;
    }
    call.sendMessage(value, () => {
      call.sendStatus({ code: Status.OK, details: 'OK', metadata: trailer ?? null });
    });
  };
  return { respond, answered: () => ending.statusSent };
}

function markCancelled(stream: (EventEmitter & { cancelled: boolean; destroy?: () => void }) | undefined,
  destroy: boolean): void {
  if (stream === undefined) {
    return;
  }
  stream.cancelled = true;
  stream.emit('cancelled', 'cancelled');
  if (destroy) {
    stream.destroy?.();
  }
}

/**
 * Collects the metadata and the single request of a unary or server-streaming call, then calls `run`. A call with
 * no request, or with more than one, ends with UNIMPLEMENTED, as in grpc-js.
 */
function startWithSingleRequest(
  call: ServerInterceptingCallInterface,
  handler: Handler<any, any>,
  run: (metadata: Metadata, request: any) => void,
  onCancel: () => void,
): void {
  const kind = handler.type === 'unary' ? 'unary' : 'server streaming';
  let metadata = new Metadata();
  let request: any;
  let received = false;
  const listener: InterceptingServerListener = {
    onReceiveMetadata(received) {
      metadata = received;
      call.startRead();
    },
    onReceiveMessage(message) {
      if (received) {
        call.sendStatus({
          code: Status.UNIMPLEMENTED,
          details: `Received a second request message for ${kind} method ${handler.path}`,
        });
        return;
      }
      received = true;
      request = message;
      call.startRead();
    },
    onReceiveHalfClose() {
      if (!received) {
        call.sendStatus({
          code: Status.UNIMPLEMENTED,
          details: `Received no request message for ${kind} method ${handler.path}`,
        });
        return;
      }
      run(metadata, request);
    },
    onCancel,
  };
  call.start(listener);
}

function runUnary(call: ServerInterceptingCallInterface, handler: Handler<any, any>, options: HandlerRunOptions): void {
  let stream: ServerWritableStreamImpl<any, any> | undefined;
  startWithSingleRequest(call, handler, (metadata, request) => {
    stream = new ServerWritableStreamImpl(handler.path, call, metadata, request);
    const { respond, answered } = unaryResponder(call, stream);
    invokeUnaryStyle(handler, stream, respond, answered, call, options);
  }, () => markCancelled(stream, false));
}

function runServerStreaming(call: ServerInterceptingCallInterface, handler: Handler<any, any>,
  options: HandlerRunOptions): void {
  let stream: ServerWritableStreamImpl<any, any> | undefined;
  startWithSingleRequest(call, handler, (metadata, request) => {
    stream = new ServerWritableStreamImpl(handler.path, call, metadata, request);
    invokeStreamingStyle(handler, stream, call, options);
  }, () => markCancelled(stream, true));
}

function runClientStreaming(call: ServerInterceptingCallInterface, handler: Handler<any, any>,
  options: HandlerRunOptions): void {
  let stream: ServerDuplexStreamImpl<any, any> | undefined;
  call.start({
    onReceiveMetadata(metadata) {
      stream = new ServerDuplexStreamImpl(handler.path, call, metadata);
      const { respond, answered } = unaryResponder(call, stream);
      invokeUnaryStyle(handler, stream, respond, answered, call, options);
    },
    onReceiveMessage(message) {
      stream?.push(message);
    },
    onReceiveHalfClose() {
      stream?.push(null);
    },
    onCancel: () => markCancelled(stream, true),
  });
}

function runBidiStreaming(call: ServerInterceptingCallInterface, handler: Handler<any, any>,
  options: HandlerRunOptions): void {
  let stream: ServerDuplexStreamImpl<any, any> | undefined;
  call.start({
    onReceiveMetadata(metadata) {
      stream = new ServerDuplexStreamImpl(handler.path, call, metadata);
      invokeStreamingStyle(handler, stream, call, options);
    },
    onReceiveMessage(message) {
      stream?.push(message);
    },
    onReceiveHalfClose() {
      stream?.push(null);
    },
    onCancel: () => markCancelled(stream, true),
  });
}

// Calls a unary or client-streaming handler. A returned Promise ends the call as the callback would.
function invokeUnaryStyle(handler: Handler<any, any>, stream: ServerSurfaceCall & ResponseEnding,
  respond: sendUnaryData<any>, answered: () => boolean, call: ServerInterceptingCallInterface,
  options: HandlerRunOptions): void {
  let result: unknown;
  try {
    result = (handler.func as (call: unknown, callback: sendUnaryData<any>) => unknown)(stream, respond);
  } catch (error) {
    endWithThrownError(call, stream, error, options);
    return;
  }
  if (isThenable(result)) {
    respondFromPromise(result, respond, answered, handler.func.length >= 2, handler.path);
  }
}

// Calls a server-streaming or bidi handler. An async iterable it returns (an async generator, for instance) is
// written to the call, which then ends. A returned Promise that rejects ends the call with the rejection's status.
function invokeStreamingStyle(handler: Handler<any, any>, stream: ServerWritableStreamImpl<any, any> |
  ServerDuplexStreamImpl<any, any>, call: ServerInterceptingCallInterface, options: HandlerRunOptions): void {
  let result: unknown;
  try {
    result = (handler.func as (call: unknown) => unknown)(stream);
  } catch (error) {
    endWithThrownError(call, stream, error, options);
    return;
  }
  if (isAsyncIterable(result)) {
    void writeAsyncIterable(result, stream, handler.path, serverErrorToStatus);
  } else if (isThenable(result)) {
    result.then(undefined, error => reportHandlerRejection(error, stream, handler.path, serverErrorToStatus));
  }
}

/** Runs `handler` on the call, whose interceptors are already in place. */
export function runHandler(call: ServerInterceptingCallInterface, handler: Handler<any, any>,
  options: HandlerRunOptions): void {
  switch (handler.type) {
    case 'unary':
      runUnary(call, handler, options);
      break;
    case 'clientStream':
      runClientStreaming(call, handler, options);
      break;
    case 'serverStream':
      runServerStreaming(call, handler, options);
      break;
    case 'bidi':
      runBidiStreaming(call, handler, options);
      break;
    default:
      call.sendStatus({ code: Status.INTERNAL, details: `Unknown handler type: ${String(handler.type)}` });
  }
}
