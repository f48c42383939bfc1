/**
 * Client interceptors with grpc-js's API. An interceptor wraps the call below it. Its requester receives the
 * outgoing operations (start, messages, half-close, cancel) and its listener the incoming events (metadata,
 * messages, status), and each step passes its possibly changed value on with `next`. The bottom of the stack
 * serializes requests and deserializes responses, and a message that fails either way ends the call with
 * INTERNAL.
 */
import { Metadata } from './metadata';
import { Status } from './constants';
import type { Call, InterceptingListener, MessageContext, StatusObject } from './call-interface';
import type { AuthContext } from './auth-context';
import type { Channel, ParentCall as ChannelParentCall } from './channel';
import type { CallOptions } from './client';
import type { ClientMethodDefinition } from './make-client';
import { describe } from './pem';

export type { InterceptingListener, MessageContext, StatusObject };

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Thrown when both interceptors and interceptor providers are given at the same level. */
export class InterceptorConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InterceptorConfigurationError';
    Error.captureStackTrace(this, InterceptorConfigurationError);
  }
}

// ---- Listeners: the incoming half ----

export interface MetadataListener {
  (metadata: Metadata, next: (metadata: Metadata) => void): void;
}

export interface MessageListener {
  (message: any, next: (message: any) => void): void;
}

export interface StatusListener {
  (status: StatusObject, next: (status: StatusObject) => void): void;
}

export interface FullListener {
  onReceiveMetadata: MetadataListener;
  onReceiveMessage: MessageListener;
  onReceiveStatus: StatusListener;
}

/** An interceptor's listener: any handler left out passes its event on unchanged. */
export type Listener = Partial<FullListener>;

/**
 * Distinguishes an `InterceptingListener` (one-argument handlers) from a `Listener` (handlers that take `next`)
 * by the arity of `onReceiveMetadata`, as grpc-js does.
 */
function isInterceptingListener(listener: Listener | InterceptingListener): listener is InterceptingListener {
  return listener.onReceiveMetadata !== undefined && listener.onReceiveMetadata.length === 1;
}

const passThroughListener: FullListener = {
  onReceiveMetadata: (metadata, next) => next(metadata),
  onReceiveMessage: (message, next) => next(message),
  onReceiveStatus: (status, next) => next(status),
};

/**
 * Joins an interceptor's `Listener` to the listener above it. Events keep their order even when a handler calls
 * `next` later: a message that arrives while metadata is still in a handler waits for it, and the status waits
 * for both.
 */
class ChainedListener implements InterceptingListener {
  private processingMetadata = false;
  private processingMessage = false;
  private hasPendingMessage = false;
  private pendingMessage: any = null;
  private pendingStatus: StatusObject | null = null;

  constructor(private readonly listener: FullListener, private readonly nextListener: InterceptingListener) {}

  onReceiveMetadata(metadata: Metadata): void {
    this.processingMetadata = true;
    this.listener.onReceiveMetadata(metadata, (processed) => {
      this.processingMetadata = false;
      this.nextListener.onReceiveMetadata(processed);
      this.flushPendingMessage();
      this.flushPendingStatus();
    });
  }

  onReceiveMessage(message: any): void {
    this.processingMessage = true;
    this.listener.onReceiveMessage(message, (processed) => {
      this.processingMessage = false;
      if (this.processingMetadata) {
        this.pendingMessage = processed;
        this.hasPendingMessage = true;
        return;
      }
      this.nextListener.onReceiveMessage(processed);
      this.flushPendingStatus();
    });
  }

  onReceiveStatus(status: StatusObject): void {
    this.listener.onReceiveStatus(status, (processed) => {
      if (this.processingMetadata || this.processingMessage) {
        this.pendingStatus = processed;
      } else {
        this.nextListener.onReceiveStatus(processed);
      }
    });
  }

  private flushPendingMessage(): void {
    if (this.hasPendingMessage) {
      const message = this.pendingMessage;
      this.pendingMessage = null;
      this.hasPendingMessage = false;
      this.nextListener.onReceiveMessage(message);
    }
  }

  private flushPendingStatus(): void {
    if (this.pendingStatus !== null && !this.processingMessage) {
      const status = this.pendingStatus;
      this.pendingStatus = null;
      this.nextListener.onReceiveStatus(status);
    }
  }
}

/** Builds a {@link Listener} one handler at a time. */
export class ListenerBuilder {
  private metadata: MetadataListener | undefined = undefined;
  private message: MessageListener | undefined = undefined;
  private status: StatusListener | undefined = undefined;

  withOnReceiveMetadata(onReceiveMetadata: MetadataListener): this {
    this.metadata = onReceiveMetadata;
    return this;
  }

  withOnReceiveMessage(onReceiveMessage: MessageListener): this {
    this.message = onReceiveMessage;
    return this;
  }

  withOnReceiveStatus(onReceiveStatus: StatusListener): this {
    this.status = onReceiveStatus;
    return this;
  }

  build(): Listener {
    return {
      onReceiveMetadata: this.metadata,
      onReceiveMessage: this.message,
      onReceiveStatus: this.status,
    };
  }
}

// ---- Requesters: the outgoing half ----

export interface MetadataRequester {
  (
    metadata: Metadata,
    listener: InterceptingListener,
    next: (metadata: Metadata, listener: InterceptingListener | Listener) => void,
  ): void;
}

export interface MessageRequester {
  (message: any, next: (message: any) => void): void;
}

export interface CloseRequester {
  (next: () => void): void;
}

export interface CancelRequester {
  (next: () => void): void;
}

export interface FullRequester {
  start: MetadataRequester;
  sendMessage: MessageRequester;
  halfClose: CloseRequester;
  cancel: CancelRequester;
}

/** An interceptor's requester: any operation left out is passed on unchanged. */
export type Requester = Partial<FullRequester>;

const passThroughRequester: FullRequester = {
  start: (metadata, listener, next) => next(metadata, listener),
  sendMessage: (message, next) => next(message),
  halfClose: (next) => next(),
  cancel: (next) => next(),
};

/** Builds a {@link Requester} one operation at a time. */
export class RequesterBuilder {
  private start: MetadataRequester | undefined = undefined;
  private message: MessageRequester | undefined = undefined;
  private halfClose: CloseRequester | undefined = undefined;
  private cancel: CancelRequester | undefined = undefined;

  withStart(start: MetadataRequester): this {
    this.start = start;
    return this;
  }

  withSendMessage(sendMessage: MessageRequester): this {
    this.message = sendMessage;
    return this;
  }

  withHalfClose(halfClose: CloseRequester): this {
    this.halfClose = halfClose;
    return this;
  }

  withCancel(cancel: CancelRequester): this {
    this.cancel = cancel;
    return this;
  }

  build(): Requester {
    return {
      start: this.start,
      sendMessage: this.message,
      halfClose: this.halfClose,
      cancel: this.cancel,
    };
  }
}

// ---- Calls ----

/** The options an interceptor receives: the call's options plus the method being called. */
export interface InterceptorOptions extends CallOptions {
  method_definition: ClientMethodDefinition<any, any>;
}

/** The interface that every layer of the interceptor stack offers to the layer above it. */
export interface InterceptingCallInterface {
  cancelWithStatus(status: Status, details: string): void;
  getPeer(): string;
  start(metadata: Metadata, listener?: Partial<InterceptingListener>): void;
  sendMessageWithContext(context: MessageContext, message: any): void;
  sendMessage(message: any): void;
  startRead(): void;
  halfClose(): void;
  getAuthContext(): AuthContext | null;
}

/**
 * Fills in the handlers a listener lacks. Every handler takes exactly one parameter, so that an interceptor
 * that passes this listener on to `next` is recognized as passing an `InterceptingListener` (see
 * isInterceptingListener), whatever the arity of the caller's own handlers.
 */
function completeListener(listener?: Partial<InterceptingListener>): InterceptingListener {
  return {
    onReceiveMetadata: (metadata) => listener?.onReceiveMetadata?.(metadata),
    onReceiveMessage: (message) => listener?.onReceiveMessage?.(message),
    onReceiveStatus: (status) => listener?.onReceiveStatus?.(status),
  };
}

/**
 * One layer of the interceptor stack: runs its requester's operations, then the call below it. Operations keep
 * their order when a requester calls `next` later: messages sent while `start` is still in the requester wait
 * for it, and a half-close waits for both.
 */
export class InterceptingCall implements InterceptingCallInterface {
  private readonly requester: FullRequester;
  private processingMetadata = false;
  private processingMessage = false;
  private pendingMessage: { context: MessageContext; message: any } | null = null;
  private pendingHalfClose = false;

  constructor(private readonly nextCall: InterceptingCallInterface, requester?: Requester) {
    this.requester = {
      start: requester?.start ?? passThroughRequester.start,
      sendMessage: requester?.sendMessage ?? passThroughRequester.sendMessage,
      halfClose: requester?.halfClose ?? passThroughRequester.halfClose,
      cancel: requester?.cancel ?? passThroughRequester.cancel,
    };
  }

  cancelWithStatus(status: Status, details: string): void {
    this.requester.cancel(() => this.nextCall.cancelWithStatus(status, details));
  }

  getPeer(): string {
    return this.nextCall.getPeer();
  }

  start(metadata: Metadata, listener?: Partial<InterceptingListener>): void {
    const upperListener = completeListener(listener);
    this.processingMetadata = true;
    this.requester.start(metadata, upperListener, (finalMetadata, interceptorListener) => {
      this.processingMetadata = false;
      let nextListener: InterceptingListener;
      if (isInterceptingListener(interceptorListener)) {
        nextListener = interceptorListener;
      } else {
        const fullListener: FullListener = {
          onReceiveMetadata: interceptorListener.onReceiveMetadata ?? passThroughListener.onReceiveMetadata,
          onReceiveMessage: interceptorListener.onReceiveMessage ?? passThroughListener.onReceiveMessage,
          onReceiveStatus: interceptorListener.onReceiveStatus ?? passThroughListener.onReceiveStatus,
        };
        nextListener = new ChainedListener(fullListener, upperListener);
      }
      this.nextCall.start(finalMetadata, nextListener);
      this.flushPendingMessage();
      this.flushPendingHalfClose();
    });
  }

  sendMessageWithContext(context: MessageContext, message: any): void {
    this.processingMessage = true;
    this.requester.sendMessage(message, (finalMessage) => {
      this.processingMessage = false;
      if (this.processingMetadata) {
        this.pendingMessage = { context, message: finalMessage };
        return;
      }
      this.nextCall.sendMessageWithContext(context, finalMessage);
      this.flushPendingHalfClose();
    });
  }

  sendMessage(message: any): void {
    this.sendMessageWithContext({}, message);
  }

  startRead(): void {
    this.nextCall.startRead();
  }

  halfClose(): void {
    this.requester.halfClose(() => {
      if (this.processingMetadata || this.processingMessage || this.pendingMessage !== null) {
        this.pendingHalfClose = true;
      } else {
        this.nextCall.halfClose();
      }
    });
  }

  getAuthContext(): AuthContext | null {
    return this.nextCall.getAuthContext();
  }

  private flushPendingMessage(): void {
    if (this.pendingMessage !== null) {
      const { context, message } = this.pendingMessage;
      this.pendingMessage = null;
      this.nextCall.sendMessageWithContext(context, message);
    }
  }

  private flushPendingHalfClose(): void {
    if (this.pendingHalfClose && !this.processingMetadata && !this.processingMessage && this.pendingMessage === null) {
      this.pendingHalfClose = false;
      this.nextCall.halfClose();
    }
  }
}

/**
 * The bottom of the interceptor stack, over the channel's `Call`: serializes outgoing messages and deserializes
 * incoming ones.
 */
class SerializingCall implements InterceptingCallInterface {
  constructor(
    protected readonly call: Call,
    protected readonly methodDefinition: ClientMethodDefinition<any, any>,
  ) {}

  cancelWithStatus(status: Status, details: string): void {
    this.call.cancelWithStatus(status, details);
  }

  getPeer(): string {
    return this.call.getPeer();
  }

  sendMessageWithContext(context: MessageContext, message: any): void {
    let serialized: Buffer;
    try {
      serialized = this.methodDefinition.requestSerialize(message);
    } catch (error) {
      this.call.cancelWithStatus(Status.INTERNAL, `Request message serialization failure: ${errorMessage(error)}`);
      return;
    }
    // Only a Buffer can go on the wire. grpc-js 1.14 also ends the call with INTERNAL for any other value,
    // a plain Uint8Array included.
    if (!Buffer.isBuffer(serialized)) {
      const reason = `the result of requestSerialize must be a Buffer, got ${describe(serialized)}`;
      this.call.cancelWithStatus(Status.INTERNAL, `Request message serialization failure: ${reason}`);
      return;
    }
    this.call.sendMessageWithContext(context, serialized);
  }

  sendMessage(message: any): void {
    this.sendMessageWithContext({}, message);
  }

  start(metadata: Metadata, listener?: Partial<InterceptingListener>): void {
    // The status of a response that failed to parse replaces whatever status the call ends with.
    let parseFailure: StatusObject | null = null;
    this.call.start(metadata, {
      onReceiveMetadata: (received) => {
        listener?.onReceiveMetadata?.(received);
      },
      onReceiveMessage: (serialized: Buffer) => {
        if (parseFailure !== null) {
          return;
        }
        let message: any;
        try {
          message = this.methodDefinition.responseDeserialize(serialized);
        } catch (error) {
          parseFailure = {
            code: Status.INTERNAL,
            details: `Response message parsing error: ${errorMessage(error)}`,
            metadata: new Metadata(),
          };
          this.call.cancelWithStatus(parseFailure.code, parseFailure.details);
          return;
        }
        listener?.onReceiveMessage?.(message);
      },
      onReceiveStatus: (status) => {
        listener?.onReceiveStatus?.(parseFailure ?? status);
      },
    });
  }

  startRead(): void {
    this.call.startRead();
  }

  halfClose(): void {
    this.call.halfClose();
  }

  getAuthContext(): AuthContext | null {
    return this.call.getAuthContext();
  }
}

/**
 * The bottom layer for methods with a single response: reads that response as soon as the call starts, and
 * reports a `null` message before the status when none arrived, as grpc-js does.
 */
class SingleResponseSerializingCall extends SerializingCall {
  start(metadata: Metadata, listener?: Partial<InterceptingListener>): void {
    let receivedMessage = false;
    this.call.setSingleResponse?.();
    super.start(metadata, {
      onReceiveMetadata: (received) => listener?.onReceiveMetadata?.(received),
      onReceiveMessage: (message) => {
        receivedMessage = true;
        listener?.onReceiveMessage?.(message);
      },
      onReceiveStatus: (status) => {
        if (!receivedMessage) {
          listener?.onReceiveMessage?.(null);
        }
        listener?.onReceiveStatus?.(status);
      },
    });
    this.call.startRead();
  }
}

function createBottomCall(
  channel: Channel,
  options: InterceptorOptions,
  methodDefinition: ClientMethodDefinition<any, any>,
): InterceptingCallInterface {
  const call = channel.createCall(
    methodDefinition.path,
    options.deadline ?? Infinity,
    options.host,
    // A server call returns null once it has ended; C-core then creates the call without a parent.
    (options.parent ?? null) as ChannelParentCall | null,
    options.propagate_flags,
  );
  if (options.credentials) {
    call.setCredentials(options.credentials);
  }
  if (methodDefinition.responseStream) {
    return new SerializingCall(call, methodDefinition);
  }
  return new SingleResponseSerializingCall(call, methodDefinition);
}

/** Creates the rest of the stack below an interceptor, with the options that interceptor chose. */
export interface NextCall {
  (options: InterceptorOptions): InterceptingCallInterface;
}

/** Creates one layer of the stack, usually `new InterceptingCall(nextCall(options), requester)`. */
export interface Interceptor {
  (options: InterceptorOptions, nextCall: NextCall): InterceptingCall;
}

/** Returns the interceptor for a method, or nothing to add none. */
export interface InterceptorProvider {
  (methodDefinition: ClientMethodDefinition<any, any>): Interceptor;
}

export interface InterceptorArguments {
  clientInterceptors: Interceptor[];
  clientInterceptorProviders: InterceptorProvider[];
  callInterceptors: Interceptor[];
  callInterceptorProviders: InterceptorProvider[];
}

/**
 * Builds the interceptor stack for one call and returns its top. The call's own interceptors replace the
 * client's; at each level interceptors and providers exclude each other. The first interceptor in the list is
 * the outermost.
 */
export function getInterceptingCall(
  interceptorArgs: InterceptorArguments,
  methodDefinition: ClientMethodDefinition<any, any>,
  options: CallOptions,
  channel: Channel,
): InterceptingCallInterface {
  if (interceptorArgs.clientInterceptors.length > 0 && interceptorArgs.clientInterceptorProviders.length > 0) {
    throw new InterceptorConfigurationError(
      'Both interceptors and interceptor_providers were passed as options to the client constructor. ' +
        'Only one of these is allowed.',
    );
  }
  if (interceptorArgs.callInterceptors.length > 0 && interceptorArgs.callInterceptorProviders.length > 0) {
    throw new InterceptorConfigurationError(
      'Both interceptors and interceptor_providers were passed as call options. Only one of these is allowed.',
    );
  }

  const useCallLevel =
    interceptorArgs.callInterceptors.length > 0 || interceptorArgs.callInterceptorProviders.length > 0;
  const interceptors = useCallLevel ? interceptorArgs.callInterceptors : interceptorArgs.clientInterceptors;
  const providers = useCallLevel
    ? interceptorArgs.callInterceptorProviders
    : interceptorArgs.clientInterceptorProviders;
  // A provider may return nothing for a method it does not intercept.
  const chain = [...interceptors, ...providers.map((provider) => provider(methodDefinition))].filter(
    (interceptor) => interceptor,
  );
  for (const interceptor of chain) {
    if (typeof interceptor !== 'function') {
      throw new TypeError(`Each interceptor must be a function, got ${typeof interceptor}`);
    }
  }

  const bottom: NextCall = (finalOptions) => createBottomCall(channel, finalOptions, methodDefinition);
  const top = chain.reduceRight<NextCall>(
    (nextCall, interceptor) => (currentOptions) => interceptor(currentOptions, nextCall),
    bottom,
  );
  return top({ ...options, method_definition: methodDefinition });
}
