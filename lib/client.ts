/**
 * `Client`, the base class of every generated client, with grpc-js's constructor, call methods and argument
 * overloads. Each call method builds the call object, runs it through the interceptor stack and turns the final
 * status into the callback's error or the stream's `error` event.
 */
import {
  callErrorFromStatus,
  ClientDuplexStream,
  ClientDuplexStreamImpl,
  ClientReadableStream,
  ClientReadableStreamImpl,
  ClientUnaryCall,
  ClientUnaryCallImpl,
  ClientWritableStream,
  ClientWritableStreamImpl,
  ServiceError,
  SurfaceCall,
} from './call';
import { CallCredentials } from './call-credentials';
import type { InterceptingListener } from './call-interface';
import { Channel } from './channel';
import { ChannelCredentials } from './channel-credentials';
import type { ChannelOptions } from './channel-options';
import {
  getInterceptingCall,
  InterceptingCallInterface,
  Interceptor,
  InterceptorArguments,
  InterceptorProvider,
} from './client-interceptors';
import { ConnectivityState, Status } from './constants';
import type { Deadline } from './deadline';
import type { ClientMethodDefinition } from './make-client';
import { Metadata } from './metadata';
import type { NativeCall } from './native';

export type { Deadline };

/** Receives the result of a call with a single response. */
export interface UnaryCallback<ResponseType> {
  (err: ServiceError | null, value?: ResponseType): void;
}

/**
 * A server call whose deadline and cancellation a client call may inherit (`CallOptions.parent`): any call object
 * that this package's server hands to a method handler.
 */
export interface ParentCall {
  _getNativeCall(): NativeCall | null;
}

export interface CallOptions {
  /** When the call fails with DEADLINE_EXCEEDED: a Date, or milliseconds since the Unix epoch (Infinity: never). */
  deadline?: Deadline;
  /** Overrides the `:authority` header of this call. */
  host?: string;
  /** The server call this call is made on behalf of; see `propagate_flags`. */
  parent?: ParentCall;
  /** `Propagate` bits: what this call inherits from `parent`. Defaults to `Propagate.DEFAULTS`. */
  propagate_flags?: number;
  /** Call credentials added to the channel's for this call only. */
  credentials?: CallCredentials;
  /** Interceptors for this call; they replace the client's. */
  interceptors?: Interceptor[];
  /** Interceptor providers for this call; they replace the client's. */
  interceptor_providers?: InterceptorProvider[];
}

/** Everything a call method decided about a call, which a {@link CallInvocationTransformer} may change. */
export interface CallProperties<RequestType, ResponseType> {
  argument?: RequestType;
  metadata: Metadata;
  call: SurfaceCall;
  channel: Channel;
  methodDefinition: ClientMethodDefinition<RequestType, ResponseType>;
  callOptions: CallOptions;
  callback?: UnaryCallback<ResponseType>;
}

export interface CallInvocationTransformer {
  (callProperties: CallProperties<any, any>): CallProperties<any, any>;
}

export type ClientOptions = Partial<ChannelOptions> & {
  /** Use this channel instead of creating one. */
  channelOverride?: Channel;
  /** Create the channel with this function instead of `new Channel(...)`. */
  channelFactoryOverride?: (address: string, credentials: ChannelCredentials, options: ClientOptions) => Channel;
  interceptors?: Interceptor[];
  interceptor_providers?: InterceptorProvider[];
  callInvocationTransformer?: CallInvocationTransformer;
};

// Symbol keys keep these fields out of the way of generated method names.
const CHANNEL = Symbol('channel');
const INTERCEPTORS = Symbol('interceptors');
const INTERCEPTOR_PROVIDERS = Symbol('interceptor providers');
const CALL_INVOCATION_TRANSFORMER = Symbol('call invocation transformer');

const WRONG_ARGUMENTS = 'Incorrect arguments passed';

function isFunction(value: unknown): value is (...args: any[]) => any {
  return typeof value === 'function';
}

function isPlainOptions(value: unknown): value is CallOptions {
  return typeof value === 'object' && value !== null && !(value instanceof Metadata);
}

/** Returns the stack of the line that started a call, without the first line (`Error`). */
function callerStackOf(error: Error): string {
  return error.stack?.split('\n').slice(1).join('\n') || 'no stack trace available';
}

function checkInterceptorList(value: unknown, name: string): void {
  if (value !== undefined && !Array.isArray(value)) {
    throw new TypeError(`${name} must be an array, got ${typeof value}`);
  }
}

/** Rejects call options whose fields have the wrong types, before the call is created. */
function checkCallOptions(options: CallOptions): void {
  const { deadline, host, parent, propagate_flags, credentials } = options;
  checkDeadline(deadline, 'options.deadline');
  if (host !== undefined && host !== null && typeof host !== 'string') {
    throw new TypeError(`options.host must be a string, got ${typeof host}`);
  }
  if (parent !== undefined && parent !== null && !isFunction((parent as ParentCall)._getNativeCall)) {
    throw new TypeError('options.parent must be a server call object received by a method handler');
  }
  if (propagate_flags !== undefined && propagate_flags !== null && !Number.isInteger(propagate_flags)) {
    throw new TypeError(`options.propagate_flags must be an integer, got ${String(propagate_flags)}`);
  }
  if (credentials !== undefined && credentials !== null && !(credentials instanceof CallCredentials)) {
    throw new TypeError('options.credentials must be a CallCredentials object');
  }
  checkInterceptorList(options.interceptors, 'options.interceptors');
  checkInterceptorList(options.interceptor_providers, 'options.interceptor_providers');
}

function checkDeadline(deadline: unknown, name: string): void {
  if (deadline === undefined || deadline === null) {
    return;
  }
  const isValidNumber = typeof deadline === 'number' && !Number.isNaN(deadline);
  const isValidDate = deadline instanceof Date && !Number.isNaN(deadline.getTime());
  if (!isValidNumber && !isValidDate) {
    throw new TypeError(`${name} must be a Date or a number of milliseconds since the epoch, got ${String(deadline)}`);
  }
}

function checkMethodArguments(method: unknown, serialize: unknown, deserialize: unknown): void {
  if (typeof method !== 'string') {
    throw new TypeError(`method must be a string such as "/package.Service/Method", got ${typeof method}`);
  }
  if (!isFunction(serialize)) {
    throw new TypeError('serialize must be a function that turns a request into a Buffer');
  }
  if (!isFunction(deserialize)) {
    throw new TypeError('deserialize must be a function that turns a Buffer into a response');
  }
}

/** Sorts the optional `(metadata?, options?, callback)` arguments of the calls with a single response. */
function sortSingleResponseArguments<ResponseType>(
  arg1: unknown,
  arg2: unknown,
  arg3: unknown,
): { metadata: Metadata; options: CallOptions; callback: UnaryCallback<ResponseType> } {
  if (isFunction(arg1)) {
    return { metadata: new Metadata(), options: {}, callback: arg1 };
  }
  if (isFunction(arg2)) {
    if (arg1 instanceof Metadata) {
      return { metadata: arg1, options: {}, callback: arg2 };
    }
    if (isPlainOptions(arg1)) {
      return { metadata: new Metadata(), options: arg1, callback: arg2 };
    }
    throw new TypeError(`${WRONG_ARGUMENTS}: expected Metadata or CallOptions before the callback`);
  }
  if (arg1 instanceof Metadata && isPlainOptions(arg2) && isFunction(arg3)) {
    return { metadata: arg1, options: arg2, callback: arg3 };
  }
  throw new TypeError(`${WRONG_ARGUMENTS}: expected (metadata?, options?, callback) with a callback function last`);
}

/** Sorts the optional `(metadata?, options?)` arguments of the calls with a response stream. */
function sortStreamingArguments(arg1: unknown, arg2: unknown): { metadata: Metadata; options: CallOptions } {
  if (arg1 instanceof Metadata) {
    if (arg2 !== undefined && arg2 !== null && !isPlainOptions(arg2)) {
      throw new TypeError(`${WRONG_ARGUMENTS}: options must be a CallOptions object`);
    }
    return { metadata: arg1, options: (arg2 as CallOptions | undefined) ?? {} };
  }
  if (arg1 !== undefined && arg1 !== null && !isPlainOptions(arg1)) {
    throw new TypeError(`${WRONG_ARGUMENTS}: expected Metadata or CallOptions, got ${typeof arg1}`);
  }
  return { metadata: new Metadata(), options: (arg1 as CallOptions | undefined) ?? {} };
}

export class Client {
  private readonly [CHANNEL]: Channel;
  private readonly [INTERCEPTORS]: Interceptor[];
  private readonly [INTERCEPTOR_PROVIDERS]: InterceptorProvider[];
  private readonly [CALL_INVOCATION_TRANSFORMER]?: CallInvocationTransformer;

  /**
   * Creates a client for the server at `address` (a gRPC target such as `dns:host:port`, `host:port` or
   * `unix:/path`). The channel is created here unless `options.channelOverride` or
   * `options.channelFactoryOverride` supplies it.
   */
  constructor(address: string, credentials: ChannelCredentials, options: ClientOptions = {}) {
    // grpc-js copies the options with Object.assign, which also accepts null.
    if (options !== null && typeof options !== 'object') {
      throw new TypeError(`Client options must be an object, got ${typeof options}`);
    }
    options = { ...options };

    checkInterceptorList(options.interceptors, 'options.interceptors');
    checkInterceptorList(options.interceptor_providers, 'options.interceptor_providers');
    this[INTERCEPTORS] = options.interceptors ?? [];
    this[INTERCEPTOR_PROVIDERS] = options.interceptor_providers ?? [];
    delete options.interceptors;
    delete options.interceptor_providers;
    if (this[INTERCEPTORS].length > 0 && this[INTERCEPTOR_PROVIDERS].length > 0) {
      throw new Error(
        'Both interceptors and interceptor_providers were passed as options to the client constructor. ' +
          'Only one of these is allowed.',
      );
    }

    if (options.callInvocationTransformer !== undefined && !isFunction(options.callInvocationTransformer)) {
      throw new TypeError('options.callInvocationTransformer must be a function');
    }
    this[CALL_INVOCATION_TRANSFORMER] = options.callInvocationTransformer;
    delete options.callInvocationTransformer;

    if (options.channelOverride) {
      this[CHANNEL] = options.channelOverride;
    } else if (options.channelFactoryOverride) {
      const factory = options.channelFactoryOverride;
      delete options.channelFactoryOverride;
      this[CHANNEL] = factory(address, credentials, options);
    } else {
      this[CHANNEL] = new Channel(address, credentials, options);
    }
  }

  /** Closes the client's channel. Calls in flight go on; new calls fail. */
  close(): void {
    this[CHANNEL].close();
  }

  getChannel(): Channel {
    return this[CHANNEL];
  }

  /**
   * Connects the channel and calls back once it is READY, or with an error when `deadline` passes first or the
   * channel is closed. The callback always runs on a later turn of the event loop.
   */
  waitForReady(deadline: Deadline, callback: (error?: Error) => void): void {
    if (!isFunction(callback)) {
      throw new TypeError('waitForReady: callback must be a function');
    }
    checkDeadline(deadline, 'waitForReady: deadline');
    const checkState = (watchError?: Error) => {
      if (watchError) {
        callback(new Error('Failed to connect before the deadline'));
        return;
      }
      let state: ConnectivityState;
      try {
        state = this[CHANNEL].getConnectivityState(true);
      } catch {
        callback(new Error('The channel has been closed'));
        return;
      }
      if (state === ConnectivityState.READY) {
        callback();
        return;
      }
      try {
        this[CHANNEL].watchConnectivityState(state, deadline, checkState);
      } catch {
        callback(new Error('The channel has been closed'));
      }
    };
    setImmediate(checkState);
  }

  makeUnaryRequest<RequestType, ResponseType>(
    method: string,
    serialize: (value: RequestType) => Buffer,
    deserialize: (value: Buffer) => ResponseType,
    argument: RequestType,
    metadata: Metadata,
    options: CallOptions,
    callback: UnaryCallback<ResponseType>,
  ): ClientUnaryCall;
  makeUnaryRequest<RequestType, ResponseType>(
    method: string,
    serialize: (value: RequestType) => Buffer,
    deserialize: (value: Buffer) => ResponseType,
    argument: RequestType,
    metadata: Metadata,
    callback: UnaryCallback<ResponseType>,
  ): ClientUnaryCall;
  makeUnaryRequest<RequestType, ResponseType>(
    method: string,
    serialize: (value: RequestType) => Buffer,
    deserialize: (value: Buffer) => ResponseType,
    argument: RequestType,
    options: CallOptions,
    callback: UnaryCallback<ResponseType>,
  ): ClientUnaryCall;
  makeUnaryRequest<RequestType, ResponseType>(
    method: string,
    serialize: (value: RequestType) => Buffer,
    deserialize: (value: Buffer) => ResponseType,
    argument: RequestType,
    callback: UnaryCallback<ResponseType>,
  ): ClientUnaryCall;
  makeUnaryRequest<RequestType, ResponseType>(
    method: string,
    serialize: (value: RequestType) => Buffer,
    deserialize: (value: Buffer) => ResponseType,
    argument: RequestType,
    metadata: Metadata | CallOptions | UnaryCallback<ResponseType>,
    options?: CallOptions | UnaryCallback<ResponseType>,
    callback?: UnaryCallback<ResponseType>,
  ): ClientUnaryCall {
    checkMethodArguments(method, serialize, deserialize);
    const sorted = sortSingleResponseArguments<ResponseType>(metadata, options, callback);
    const properties = this.transform<RequestType, ResponseType>({
      argument,
      metadata: sorted.metadata,
      call: new ClientUnaryCallImpl(),
      channel: this[CHANNEL],
      methodDefinition: { path: method, requestStream: false, responseStream: false, requestSerialize: serialize,
        responseDeserialize: deserialize },
      callOptions: sorted.options,
      callback: sorted.callback,
    });
    const callerStackError = new Error();

    const call = this.startInterceptingCall(properties, (top) =>
      singleResponseListener(top, properties, callerStackError, false),
    );
    call.sendMessage(properties.argument);
    call.halfClose();
    return properties.call;
  }

  makeClientStreamRequest<RequestType, ResponseType>(
    method: string,
    serialize: (value: RequestType) => Buffer,
    deserialize: (value: Buffer) => ResponseType,
    metadata: Metadata,
    options: CallOptions,
    callback: UnaryCallback<ResponseType>,
  ): ClientWritableStream<RequestType>;
  makeClientStreamRequest<RequestType, ResponseType>(
    method: string,
    serialize: (value: RequestType) => Buffer,
    deserialize: (value: Buffer) => ResponseType,
    metadata: Metadata,
    callback: UnaryCallback<ResponseType>,
  ): ClientWritableStream<RequestType>;
  makeClientStreamRequest<RequestType, ResponseType>(
    method: string,
    serialize: (value: RequestType) => Buffer,
    deserialize: (value: Buffer) => ResponseType,
    options: CallOptions,
    callback: UnaryCallback<ResponseType>,
  ): ClientWritableStream<RequestType>;
  makeClientStreamRequest<RequestType, ResponseType>(
    method: string,
    serialize: (value: RequestType) => Buffer,
    deserialize: (value: Buffer) => ResponseType,
    callback: UnaryCallback<ResponseType>,
  ): ClientWritableStream<RequestType>;
  makeClientStreamRequest<RequestType, ResponseType>(
    method: string,
    serialize: (value: RequestType) => Buffer,
    deserialize: (value: Buffer) => ResponseType,
    metadata: Metadata | CallOptions | UnaryCallback<ResponseType>,
    options?: CallOptions | UnaryCallback<ResponseType>,
    callback?: UnaryCallback<ResponseType>,
  ): ClientWritableStream<RequestType> {
    checkMethodArguments(method, serialize, deserialize);
    const sorted = sortSingleResponseArguments<ResponseType>(metadata, options, callback);
    const properties = this.transform<RequestType, ResponseType>({
      metadata: sorted.metadata,
      call: new ClientWritableStreamImpl<RequestType>(serialize),
      channel: this[CHANNEL],
      methodDefinition: { path: method, requestStream: true, responseStream: false, requestSerialize: serialize,
        responseDeserialize: deserialize },
      callOptions: sorted.options,
      callback: sorted.callback,
    });
    const callerStackError = new Error();

    this.startInterceptingCall(properties, (top) => singleResponseListener(top, properties, callerStackError, true));
    return properties.call as ClientWritableStream<RequestType>;
  }

  makeServerStreamRequest<RequestType, ResponseType>(
    method: string,
    serialize: (value: RequestType) => Buffer,
    deserialize: (value: Buffer) => ResponseType,
    argument: RequestType,
    metadata: Metadata,
    options?: CallOptions,
  ): ClientReadableStream<ResponseType>;
  makeServerStreamRequest<RequestType, ResponseType>(
    method: string,
    serialize: (value: RequestType) => Buffer,
    deserialize: (value: Buffer) => ResponseType,
    argument: RequestType,
    options?: CallOptions,
  ): ClientReadableStream<ResponseType>;
  makeServerStreamRequest<RequestType, ResponseType>(
    method: string,
    serialize: (value: RequestType) => Buffer,
    deserialize: (value: Buffer) => ResponseType,
    argument: RequestType,
    metadata?: Metadata | CallOptions,
    options?: CallOptions,
  ): ClientReadableStream<ResponseType> {
    checkMethodArguments(method, serialize, deserialize);
    const sorted = sortStreamingArguments(metadata, options);
    const properties = this.transform<RequestType, ResponseType>({
      argument,
      metadata: sorted.metadata,
      call: new ClientReadableStreamImpl<ResponseType>(deserialize),
      channel: this[CHANNEL],
      methodDefinition: { path: method, requestStream: false, responseStream: true, requestSerialize: serialize,
        responseDeserialize: deserialize },
      callOptions: sorted.options,
    });
    const stream = properties.call as ClientReadableStream<ResponseType>;
    const callerStackError = new Error();

    const call = this.startInterceptingCall(properties, () => streamingResponseListener(stream, callerStackError));
    call.sendMessage(properties.argument);
    call.halfClose();
    return stream;
  }

  makeBidiStreamRequest<RequestType, ResponseType>(
    method: string,
    serialize: (value: RequestType) => Buffer,
    deserialize: (value: Buffer) => ResponseType,
    metadata: Metadata,
    options?: CallOptions,
  ): ClientDuplexStream<RequestType, ResponseType>;
  makeBidiStreamRequest<RequestType, ResponseType>(
    method: string,
    serialize: (value: RequestType) => Buffer,
    deserialize: (value: Buffer) => ResponseType,
    options?: CallOptions,
  ): ClientDuplexStream<RequestType, ResponseType>;
  makeBidiStreamRequest<RequestType, ResponseType>(
    method: string,
    serialize: (value: RequestType) => Buffer,
    deserialize: (value: Buffer) => ResponseType,
    metadata?: Metadata | CallOptions,
    options?: CallOptions,
  ): ClientDuplexStream<RequestType, ResponseType> {
    checkMethodArguments(method, serialize, deserialize);
    const sorted = sortStreamingArguments(metadata, options);
    const properties = this.transform<RequestType, ResponseType>({
      metadata: sorted.metadata,
      call: new ClientDuplexStreamImpl<RequestType, ResponseType>(serialize, deserialize),
      channel: this[CHANNEL],
      methodDefinition: { path: method, requestStream: true, responseStream: true, requestSerialize: serialize,
        responseDeserialize: deserialize },
      callOptions: sorted.options,
    });
    const stream = properties.call as ClientDuplexStream<RequestType, ResponseType>;
    const callerStackError = new Error();

    this.startInterceptingCall(properties, () => streamingResponseListener(stream, callerStackError));
    return stream;
  }

  private transform<RequestType, ResponseType>(
    properties: CallProperties<RequestType, ResponseType>,
  ): CallProperties<RequestType, ResponseType> {
    const transformer = this[CALL_INVOCATION_TRANSFORMER];
    return transformer ? transformer(properties) : properties;
  }

  /**
   * Builds the interceptor stack for a call, attaches it to the call object and starts it with the listener that
   * `makeListener` returns for the stack's top.
   */
  private startInterceptingCall(
    properties: CallProperties<any, any>,
    makeListener: (top: InterceptingCallInterface) => InterceptingListener,
  ): InterceptingCallInterface {
    checkCallOptions(properties.callOptions);
    if (!(properties.metadata instanceof Metadata)) {
      throw new TypeError(`${WRONG_ARGUMENTS}: metadata must be a Metadata object`);
    }
    const interceptorArgs: InterceptorArguments = {
      clientInterceptors: this[INTERCEPTORS],
      clientInterceptorProviders: this[INTERCEPTOR_PROVIDERS],
      callInterceptors: properties.callOptions.interceptors ?? [],
      callInterceptorProviders: properties.callOptions.interceptor_providers ?? [],
    };
    const top = getInterceptingCall(
      interceptorArgs,
      properties.methodDefinition,
      properties.callOptions,
      properties.channel,
    );
    properties.call.call = top;
    top.start(properties.metadata, makeListener(top));
    return top;
  }
}

/**
 * Creates the listener of a call with one response. It keeps the response, and on the status runs the callback
 * with it or with a ServiceError, then emits `status`. A second response ends the call with UNIMPLEMENTED, and an
 * OK status without a response becomes UNIMPLEMENTED "No message received", as in grpc-js.
 */
function singleResponseListener(
  call: InterceptingCallInterface,
  properties: CallProperties<any, any>,
  callerStackError: Error,
  readAfterEachMessage: boolean,
): InterceptingListener {
  const emitter = properties.call;
  const callback = properties.callback!;
  let response: any = null;
  let receivedStatus = false;
  return {
    onReceiveMetadata(metadata) {
      emitter.emit('metadata', metadata);
    },
    onReceiveMessage(message) {
      if (response !== null) {
        call.cancelWithStatus(Status.UNIMPLEMENTED, 'Too many responses received');
      }
      response = message;
      if (readAfterEachMessage) {
        call.startRead();
      }
    },
    onReceiveStatus(status) {
      if (receivedStatus) {
        return;
      }
      receivedStatus = true;
      if (status.code !== Status.OK) {
        callback(callErrorFromStatus(status, callerStackOf(callerStackError)));
      } else if (response === null) {
        const missing = { code: Status.UNIMPLEMENTED, details: 'No message received', metadata: status.metadata };
        callback(callErrorFromStatus(missing, callerStackOf(callerStackError)));
      } else {
        callback(null, response);
      }
      emitter.emit('status', status);
    },
  };
}

/**
 * Creates the listener of a call with a response stream. It pushes each response, ends the stream on the status,
 * emits `error` for any status but OK, then emits `status`.
 */
function streamingResponseListener(
  stream: ClientReadableStream<any>,
  callerStackError: Error,
): InterceptingListener {
  let receivedStatus = false;
  return {
    onReceiveMetadata(metadata) {
      stream.emit('metadata', metadata);
    },
    onReceiveMessage(message) {
      stream.push(message);
    },
    onReceiveStatus(status) {
      if (receivedStatus) {
        return;
      }
      receivedStatus = true;
      stream.push(null);
      if (status.code !== Status.OK) {
        stream.emit('error', callErrorFromStatus(status, callerStackOf(callerStackError)));
      }
      stream.emit('status', status);
    },
  };
}
