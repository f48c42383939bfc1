/**
 * Server interceptors with grpc-js 1.14's API. A server call is a stack of `ServerInterceptingCallInterface`
 * objects: at the bottom a {@link BaseServerInterceptingCall} that talks to C-core, above it one
 * {@link ServerInterceptingCall} per interceptor, and at the top the handler's call object.
 *
 * Inbound events (metadata, messages, half-close, cancel) travel up through each interceptor's listener; outbound
 * operations (metadata, messages, status) travel down through each interceptor's responder. An interceptor may
 * finish a step later, asynchronously: the call keeps each direction in order, so a message never overtakes the
 * metadata before it and a status never overtakes a message.
 */
import { LogVerbosity, Status } from './constants';
import { Metadata, metadataToNative } from './metadata';
import { log, trace } from './logging';
import { authContextFromNativeCall } from './auth-context';
import type { AuthContext } from './auth-context';
import type { Deadline } from './deadline';
import type { ServerMethodDefinition } from './make-client';
import type { NativeBatch, NativeBatchResult, NativeCall, NativeMetadata } from './native';
import type { StatusObject } from './call-interface';
import { GRPC_METRICS_HEADER, PerRequestMetricRecorder } from './server-metrics';
import { ReadAheadBuffer, ReadItem } from './read-ahead';
import { SendQueue } from './send-queue';
import { describe } from './pem';

/** A status as handlers and interceptors send it: trailers are optional. */
export type PartialStatusObject = Pick<StatusObject, 'code' | 'details'> & { metadata?: Metadata | null };

export interface ServerMetadataListener {
  (metadata: Metadata, next: (metadata: Metadata) => void): void;
}

export interface ServerMessageListener {
  (message: any, next: (message: any) => void): void;
}

export interface ServerHalfCloseListener {
  (next: () => void): void;
}

export interface ServerCancelListener {
  (): void;
}

/** An interceptor's view of inbound events; each step passes its (possibly changed) event on with `next`. */
export interface FullServerListener {
  onReceiveMetadata: ServerMetadataListener;
  onReceiveMessage: ServerMessageListener;
  onReceiveHalfClose: ServerHalfCloseListener;
  onCancel: ServerCancelListener;
}

/** A listener in which every step is optional; a missing step passes the event on unchanged. */
export type ServerListener = Partial<FullServerListener>;

/** Builds a {@link ServerListener} one step at a time. */
export class ServerListenerBuilder {
  private metadata: ServerMetadataListener | undefined;
  private message: ServerMessageListener | undefined;
  private halfClose: ServerHalfCloseListener | undefined;
  private cancel: ServerCancelListener | undefined;

  withOnReceiveMetadata(onReceiveMetadata: ServerMetadataListener): this {
    this.metadata = onReceiveMetadata;
    return this;
  }

  withOnReceiveMessage(onReceiveMessage: ServerMessageListener): this {
    this.message = onReceiveMessage;
    return this;
  }

  withOnReceiveHalfClose(onReceiveHalfClose: ServerHalfCloseListener): this {
    this.halfClose = onReceiveHalfClose;
    return this;
  }

  withOnCancel(onCancel: ServerCancelListener): this {
    this.cancel = onCancel;
    return this;
  }

  build(): ServerListener {
    return {
      onReceiveMetadata: this.metadata,
      onReceiveMessage: this.message,
      onReceiveHalfClose: this.halfClose,
      onCancel: this.cancel,
    };
  }
}

/** The receiver of inbound events at the end of an interceptor's listener: each method takes the event only. */
export interface InterceptingServerListener {
  onReceiveMetadata(metadata: Metadata): void;
  onReceiveMessage(message: any): void;
  onReceiveHalfClose(): void;
  onCancel(): void;
}

/**
 * Tells a final listener from an interceptor's listener: the final one's `onReceiveMetadata` takes one argument,
 * an interceptor's takes two (the metadata and `next`).
 */
export function isInterceptingServerListener(
  listener: ServerListener | InterceptingServerListener,
): listener is InterceptingServerListener {
  return listener.onReceiveMetadata !== undefined && listener.onReceiveMetadata.length === 1;
}

export interface StartResponder {
  (next: (listener?: ServerListener) => void): void;
}

export interface MetadataResponder {
  (metadata: Metadata, next: (metadata: Metadata) => void): void;
}

export interface MessageResponder {
  (message: any, next: (message: any) => void): void;
}

export interface StatusResponder {
  (status: PartialStatusObject, next: (status: PartialStatusObject) => void): void;
}

/** An interceptor's view of outbound operations; each step passes its (possibly changed) operation on. */
export interface FullResponder {
  start: StartResponder;
  sendMetadata: MetadataResponder;
  sendMessage: MessageResponder;
  sendStatus: StatusResponder;
}

/** A responder in which every step is optional; a missing step passes the operation on unchanged. */
export type Responder = Partial<FullResponder>;

/** Builds a {@link Responder} one step at a time. */
export class ResponderBuilder {
  private start: StartResponder | undefined;
  private metadata: MetadataResponder | undefined;
  private message: MessageResponder | undefined;
  private status: StatusResponder | undefined;

  withStart(start: StartResponder): this {
    this.start = start;
    return this;
  }

  withSendMetadata(sendMetadata: MetadataResponder): this {
    this.metadata = sendMetadata;
    return this;
  }

  withSendMessage(sendMessage: MessageResponder): this {
    this.message = sendMessage;
    return this;
  }

  withSendStatus(sendStatus: StatusResponder): this {
    this.status = sendStatus;
    return this;
  }

  build(): Responder {
    return {
      start: this.start,
      sendMetadata: this.metadata,
      sendMessage: this.message,
      sendStatus: this.status,
    };
  }
}

/** The addresses of the connection a call arrived on, where known. */
export interface ConnectionInfo {
  localAddress?: string | undefined;
  localPort?: number | undefined;
  remoteAddress?: string | undefined;
  remotePort?: number | undefined;
}

/** One layer of a server call's stack. */
export interface ServerInterceptingCallInterface {
  /** Registers the listener of inbound events; the request metadata is delivered to it first. */
  start(listener: InterceptingServerListener): void;
  /** Sends the response headers; only the first call has an effect. */
  sendMetadata(metadata: Metadata): void;
  /** Sends one response message; `callback` runs once the message was handed to the transport. */
  sendMessage(message: any, callback: () => void): void;
  /** Ends the call with this status; later operations are ignored. */
  sendStatus(status: PartialStatusObject): void;
  /** Asks for one inbound event: `onReceiveMessage`, or `onReceiveHalfClose` at the end of the requests. */
  startRead(): void;
  /** Returns the client's address, or `unknown`. */
  getPeer(): string;
  /** Returns the client's deadline; `Infinity` when it set none. */
  getDeadline(): Deadline;
  /** Returns the `:authority` the client sent. */
  getHost(): string;
  getAuthContext(): AuthContext;
  getConnectionInfo(): ConnectionInfo;
  /** Returns the call's metrics recorder; the server sends its report only with `grpc.server_call_metric_recording`. */
  getMetricsRecorder(): PerRequestMetricRecorder;
  /** The C-core call underneath, for child calls that propagate deadline and cancellation; null if unknown. */
  _getNativeCall?(): NativeCall | null;
}

export interface ServerInterceptor {
  (methodDescriptor: ServerMethodDefinition<any, any>, call: ServerInterceptingCallInterface): ServerInterceptingCall;
}

/**
 * Delivers steps that may finish out of order in the order they were queued. Each step gets a slot when it starts
 * and fills it when its interceptor calls `next`; filled slots at the head run in order.
 */
class OrderedSteps {
  private readonly slots: Array<{ run: (() => void) | null }> = [];

  /** Reserves a slot; the returned function fills it with the action to run in turn. */
  reserve(): (run: () => void) => void {
    const slot: { run: (() => void) | null } = { run: null };
    this.slots.push(slot);
    return (run: () => void) => {
      if (slot.run !== null) {
        return;
      }
      slot.run = run;
      this.flush();
    };
  }

  private flush(): void {
    while (this.slots.length > 0 && this.slots[0].run !== null) {
      const slot = this.slots.shift()!;
      slot.run!();
    }
  }
}

const passThroughListener: FullServerListener = {
  onReceiveMetadata: (metadata, next) => next(metadata),
  onReceiveMessage: (message, next) => next(message),
  onReceiveHalfClose: next => next(),
  onCancel: () => {},
};

/** Runs an interceptor's listener steps and hands their results to the next listener, in order. */
class InterceptedServerListener implements InterceptingServerListener {
  private cancelled = false;
  private readonly order = new OrderedSteps();

  constructor(
    private readonly steps: FullServerListener,
    private readonly nextListener: InterceptingServerListener,
  ) {}

  onReceiveMetadata(metadata: Metadata): void {
    this.runStep(done => {
      this.steps.onReceiveMetadata(metadata, changed => done(() => this.nextListener.onReceiveMetadata(changed)));
    });
  }

  onReceiveMessage(message: any): void {
    this.runStep(done => {
      this.steps.onReceiveMessage(message, changed => done(() => this.nextListener.onReceiveMessage(changed)));
    });
  }

  onReceiveHalfClose(): void {
    this.runStep(done => {
      this.steps.onReceiveHalfClose(() => done(() => this.nextListener.onReceiveHalfClose()));
    });
  }

  onCancel(): void {
    if (this.cancelled) {
      return;
    }
    this.cancelled = true;
    this.steps.onCancel();
    this.nextListener.onCancel();
  }

  // Once the call is cancelled, no further inbound event is started or passed on.
  private runStep(step: (done: (deliver: () => void) => void) => void): void {
    if (this.cancelled) {
      return;
    }
    const fill = this.order.reserve();
    step(deliver => fill(() => {
      if (!this.cancelled) {
        deliver();
      }
    }));
  }
}

/**
 * Checks the argument of a server call's `sendMetadata`. Null and undefined mean empty response headers, as in
 * grpc-js 1.14; any other value that is not a Metadata object throws a TypeError before the call changes state.
 */
export function checkResponseMetadata(metadata: unknown): Metadata {
  if (metadata === null || metadata === undefined) {
    return new Metadata();
  }
  if (!(metadata instanceof Metadata)) {
    throw new TypeError(`sendMetadata: responseMetadata must be a Metadata object, got ${describe(metadata)}`);
  }
  return metadata;
}

const passThroughResponder: FullResponder = {
  start: next => next(),
  sendMetadata: (metadata, next) => next(metadata),
  sendMessage: (message, next) => next(message),
  sendStatus: (status, next) => next(status),
};

/**
 * One interceptor's layer of a server call. Construct it with the layer below (`nextCall`) and a responder. The
 * responder's steps receive the outbound operations, and the listener that `start`'s step passes on receives the
 * inbound events.
 */
export class ServerInterceptingCall implements ServerInterceptingCallInterface {
  private readonly responder: FullResponder;
  private readonly order = new OrderedSteps();
  private metadataStarted = false;

  constructor(
    private readonly nextCall: ServerInterceptingCallInterface,
    responder?: Responder,
  ) {
    this.responder = {
      start: responder?.start ?? passThroughResponder.start,
      sendMetadata: responder?.sendMetadata ?? passThroughResponder.sendMetadata,
      sendMessage: responder?.sendMessage ?? passThroughResponder.sendMessage,
      sendStatus: responder?.sendStatus ?? passThroughResponder.sendStatus,
    };
  }

  start(listener: InterceptingServerListener): void {
    this.responder.start(interceptorListener => {
      const steps: FullServerListener = {
        onReceiveMetadata: interceptorListener?.onReceiveMetadata ?? passThroughListener.onReceiveMetadata,
        onReceiveMessage: interceptorListener?.onReceiveMessage ?? passThroughListener.onReceiveMessage,
        onReceiveHalfClose: interceptorListener?.onReceiveHalfClose ?? passThroughListener.onReceiveHalfClose,
        onCancel: interceptorListener?.onCancel ?? passThroughListener.onCancel,
      };
      this.nextCall.start(new InterceptedServerListener(steps, listener));
    });
  }

  sendMetadata(metadata: Metadata): void {
    const checked = checkResponseMetadata(metadata);
    this.metadataStarted = true;
    const fill = this.order.reserve();
    this.responder.sendMetadata(checked, changed => fill(() => this.nextCall.sendMetadata(changed)));
  }

  sendMessage(message: any, callback: () => void): void {
    // Response headers go out before the first message even when the handler never sent them itself, and they pass
    // through this interceptor's sendMetadata step like any other.
    if (!this.metadataStarted) {
      this.sendMetadata(new Metadata());
    }
    const fill = this.order.reserve();
    this.responder.sendMessage(message, changed => fill(() => this.nextCall.sendMessage(changed, callback)));
  }

  sendStatus(status: PartialStatusObject): void {
    const fill = this.order.reserve();
    this.responder.sendStatus(status, changed => fill(() => this.nextCall.sendStatus(changed)));
  }

  startRead(): void {
    this.nextCall.startRead();
  }

  getPeer(): string {
    return this.nextCall.getPeer();
  }

  getDeadline(): Deadline {
    return this.nextCall.getDeadline();
  }

  getHost(): string {
    return this.nextCall.getHost();
  }

  getAuthContext(): AuthContext {
    return this.nextCall.getAuthContext();
  }

  getConnectionInfo(): ConnectionInfo {
    return this.nextCall.getConnectionInfo();
  }

  getMetricsRecorder(): PerRequestMetricRecorder {
    return this.nextCall.getMetricsRecorder();
  }

  _getNativeCall(): NativeCall | null {
    return this.nextCall._getNativeCall?.() ?? null;
  }
}

/** Builds the status an interceptor or handler gets when it passes a status without a valid code. */
export function normalizeStatus(status: PartialStatusObject): StatusObject {
  const code = Number.isInteger(status.code) && status.code >= 0 ? status.code : Status.UNKNOWN;
  return {
    code,
    details: typeof status.details === 'string' ? status.details : '',
    metadata: status.metadata instanceof Metadata ? status.metadata.clone() : new Metadata(),
  };
}

/** The method path, codecs and kind of the handler that a server call serves. */
export interface HandlerCodec {
  path: string;
  serialize: (value: any) => Buffer;
  deserialize: (bytes: Buffer) => any;
  /** `unary`, `clientStream`, `serverStream` or `bidi`; when absent, responses are treated as a stream. */
  type?: string;
}

/** The limits and switches of one server call, taken from the server's options. */
export interface ServerCallSettings {
  /** The largest response message in bytes; -1 for no limit. */
  maxSendMessageSize: number;
  /**
   * Puts the error's message into the status details of serialization failures, as
   * GRPC_NODE_DEBUG_SEND_ERROR_DETAILS does in grpc-js.
   */
  sendErrorDetails: boolean;
  /** Adds the metrics recorder's load report to the trailers, from the option `grpc.server_call_metric_recording`. */
  sendMetrics: boolean;
}

/** An incoming call as C-core reported it, with the request headers already converted. */
export interface IncomingCall {
  call: NativeCall;
  host: string;
  /** Milliseconds since the Unix epoch; `Infinity` for none. */
  deadline: number;
  metadata: Metadata;
  /** Runs once C-core reports the call closed. */
  onClose?: () => void;
}

const TRACER_NAME = 'server_call';

// Request headers that gRPC itself consumes. grpc-js hides them from handlers, so handlers written for it never
// see them; C-core may pass some of them on.
const TRANSPORT_HEADERS = ['grpc-timeout', 'grpc-encoding', 'grpc-accept-encoding', 'accept-encoding', 'te',
  'content-type'];

// C-core 1.51's HTTP/2 transport aborts the process (an assertion in chttp2_transport.cc) when a server sends
// grpc-timeout in response headers or trailers, so that key never leaves this layer.
const UNSENDABLE_RESPONSE_HEADERS: ReadonlySet<string> = new Set(['grpc-timeout']);

/** Converts response headers or trailers for C-core, dropping the keys C-core must not get from a server. */
function responseMetadataToNative(metadata: Metadata, path: string): NativeMetadata {
  const flat = metadataToNative(metadata);
  const sendable: NativeMetadata = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const key = flat[i] as string;
    if (UNSENDABLE_RESPONSE_HEADERS.has(key)) {
      trace(LogVerbosity.INFO, TRACER_NAME, `Dropped response metadata ${key} of ${path}: servers cannot send it`);
      continue;
    }
    sendable.push(key, flat[i + 1]);
  }
  return sendable;
}

/** Removes the request headers that belong to the transport from `metadata`, in place. */
export function removeTransportHeaders(metadata: Metadata): Metadata {
  for (const key of TRANSPORT_HEADERS) {
    metadata.remove(key);
  }
  return metadata;
}

/**
 * Converts C-core's peer string (`ipv4:127.0.0.1:5000`, `ipv6:[::1]:5000`, `unix:/path`) into grpc-js's
 * `address:port` form for TCP peers. Other peers keep C-core's form.
 */
export function peerFromCore(peer: string): string {
  if (peer.startsWith('ipv4:') || peer.startsWith('ipv6:')) {
    return peer.substring('ipv4:'.length);
  }
  return peer.length > 0 ? peer : 'unknown';
}

function remoteFromPeer(peer: string): Pick<ConnectionInfo, 'remoteAddress' | 'remotePort'> {
  const match = /^(?:ipv4:([^:]+)|ipv6:\[([^\]]+)\]):(\d+)$/.exec(peer);
  if (match === null) {
    return {};
  }
  return { remoteAddress: match[1] ?? match[2], remotePort: Number(match[3]) };
}

/**
 * The bottom layer of a server call: it turns the stack's operations into C-core batches.
 *
 * C-core takes one batch of each kind of operation at a time. So this layer reads one message per `startRead`
 * and sends response messages one after another, and a status waits until the messages before it were sent.
 * Methods with a single response (unary and client-streaming) are the exception: their response headers and
 * message are held back until the status, and the message's callback runs at once. A status that follows in the
 * same turn of the event loop goes out in one batch with them, which saves a round trip through the completion
 * pump per call. Whatever is still held at the end of the turn is sent then.
 *
 * Streams go through the call's native queues instead. The native layer reads the requests of client-streaming
 * and bidi methods ahead (read-ahead.ts) and queues the responses of server-streaming and bidi methods
 * (send-queue.ts). A status waits until the messages queued before it were sent.
 *
 * The call ends when the status is sent or when C-core reports it closed (client cancellation, deadline, a broken
 * connection, or an error of C-core's such as an oversized request). Either way the listener's `onCancel` runs
 * once, as in grpc-js 1.10 and later. C-core reports the end through a recvCloseOnServer operation, which
 * streaming methods start with the call. A unary call starts it only when a step ends with no read in flight,
 * because a read in flight fails when the call ends. So when the handler responds at once, the operation goes
 * into the status batch and the call costs one batch less.
 */
export class BaseServerInterceptingCall implements ServerInterceptingCallInterface {
  private listener: InterceptingServerListener | null = null;
  private ended = false;
  private cancelNotified = false;
  private metadataSent = false;
  private readInFlight = false;
  private readonly sendQueue: Array<{ bytes: Buffer; callback: () => void }> = [];
  private sendInFlight = false;
  private pendingStatus: PartialStatusObject | null = null;
  /** True for methods with a single response, whose response may wait for the status (see the class comment). */
  private readonly singleResponse: boolean;
  /** Set once recvCloseOnServer was started (see the class comment). */
  private closeWatched = false;
  /** The response headers and message of a single-response method that wait for the status. */
  private heldResponse: { headers: NativeMetadata | null; message: Buffer | null } | null = null;
  private readonly peer: string;
  private readonly metricsRecorder = new PerRequestMetricRecorder();
  /** Request messages read ahead, for methods with a request stream. */
  private readonly reader: ReadAheadBuffer | null;
  /** The native send queue, for methods with a response stream. */
  private readonly sends: SendQueue | null;

  constructor(
    private readonly incoming: IncomingCall,
    private readonly handler: HandlerCodec,
    private readonly settings: ServerCallSettings,
  ) {
    this.peer = incoming.call.getPeer();
    this.singleResponse = handler.type === 'unary' || handler.type === 'clientStream';
    const requestStream = handler.type === 'clientStream' || handler.type === 'bidi';
    this.reader = requestStream
      ? new ReadAheadBuffer(incoming.call, () => this.onReadAvailable(), () => handler.type === 'bidi')
      : null;
    this.sends = this.singleResponse ? null : new SendQueue(incoming.call);
    if (handler.type === 'unary') {
      // An interceptor may start the call later; until then nothing else would notice a cancellation.
      process.nextTick(() => this.watchCloseIfIdle());
    } else {
      this.watchClose();
    }
  }

  // Starts the operation that C-core completes once the call is over, which reports whether it was cancelled.
  private watchClose(): void {
    this.closeWatched = true;
    this.startBatch({ recvCloseOnServer: true }, this.onCallClosed);
  }

  // A unary call needs the close watch only when no read is in flight, because a read fails when the call ends.
  private watchCloseIfIdle(): void {
    if (!this.closeWatched && !this.readInFlight) {
      this.watchClose();
    }
  }

  private readonly onCallClosed = (error: Error | null, result: NativeBatchResult): void => {
    if (result.cancelled !== false) {
      trace(LogVerbosity.DEBUG, TRACER_NAME, `Request to ${this.handler.path} was cancelled`);
    }
    this.notifyOnCancel();
    this.incoming.onClose?.();
  };

  start(listener: InterceptingServerListener): void {
    trace(LogVerbosity.DEBUG, TRACER_NAME, `Request to ${this.handler.path} start called`);
    if (this.ended) {
      return;
    }
    this.listener = listener;
    listener.onReceiveMetadata(this.incoming.metadata);
    this.watchCloseIfIdle();
  }

  sendMetadata(metadata: Metadata): void {
    const checked = checkResponseMetadata(metadata);
    if (this.ended || this.metadataSent) {
      return;
    }
    const headers = responseMetadataToNative(checked, this.handler.path);
    this.metadataSent = true;
    if (this.singleResponse) {
      this.heldResponse = { headers, message: null };
      setImmediate(() => this.sendHeld());
      return;
    }
    this.startBatch({ sendInitialMetadata: headers }, () => {});
  }

  sendMessage(message: any, callback: () => void): void {
    if (this.ended) {
      return;
    }
    let bytes: Buffer;
    try {
      bytes = this.handler.serialize(message);
      if (!Buffer.isBuffer(bytes)) {
        // grpc-js 1.14 also answers INTERNAL for any other value, a plain Uint8Array included.
        throw new TypeError(`the result of responseSerialize must be a Buffer, got ${describe(bytes)}`);
      }
    } catch (error) {
      this.sendStatus({
        code: Status.INTERNAL,
        details: this.settings.sendErrorDetails
          ? `Error serializing response: ${errorMessage(error)}`
          : 'Error serializing response',
      });
      return;
    }
    const maxSize = this.settings.maxSendMessageSize;
    if (maxSize !== -1 && bytes.length > maxSize) {
      this.sendStatus({
        code: Status.RESOURCE_EXHAUSTED,
        details: `Sent message larger than max (${bytes.length} vs. ${maxSize})`,
      });
      return;
    }
    if (this.singleResponse && this.canHoldMessage()) {
      this.holdMessage(bytes, callback);
      return;
    }
    this.sendHeld();
    if (this.sends !== null) {
      this.queueMessage(this.sends, bytes, callback);
      return;
    }
    this.sendQueue.push({ bytes, callback });
    this.sendNextMessage();
  }

  sendStatus(status: PartialStatusObject): void {
    if (this.ended) {
      return;
    }
    if (this.sendInFlight || this.sendQueue.length > 0) {
      // The first status wins, as when it is sent at once.
      this.pendingStatus ??= status;
      return;
    }
    if (this.sends !== null) {
      if (this.pendingStatus !== null) {
        return;
      }
      if (!this.sends.whenDrained(error => this.sendPendingStatus(error))) {
        this.pendingStatus = status;
        return;
      }
    }
    const { code, details, metadata } = normalizeStatus(status);
    trace(LogVerbosity.DEBUG, TRACER_NAME,
      `Request to ${this.handler.path} ended with status code: ${Status[code]} details: ${details}`);
    this.ended = true;
    if (this.settings.sendMetrics) {
      metadata.set(GRPC_METRICS_HEADER, this.metricsRecorder.serialize());
    }
    const batch: NativeBatch = {
      sendStatusFromServer: { code, details, metadata: responseMetadataToNative(metadata, this.handler.path) },
    };
    const held = this.heldResponse;
    this.heldResponse = null;
    if (held !== null) {
      if (held.headers !== null) {
        batch.sendInitialMetadata = held.headers;
      }
      if (held.message !== null) {
        batch.sendMessage = held.message;
      }
    } else if (!this.metadataSent) {
      // Without response headers before it, C-core sends the status as a trailers-only response.
      this.metadataSent = true;
      batch.sendInitialMetadata = [];
    }
    if (this.closeWatched) {
      this.startBatch(batch, () => {});
    } else {
      this.closeWatched = true;
      batch.recvCloseOnServer = true;
      this.startBatch(batch, this.onCallClosed);
    }
    this.notifyOnCancel();
  }

  startRead(): void {
    if (this.ended || this.readInFlight) {
      return;
    }
    this.readInFlight = true;
    if (this.reader !== null) {
      // A message that already arrived goes out on the next tick, so that the listener never runs inside startRead.
      const item = this.reader.take();
      if (item !== undefined) {
        process.nextTick(() => this.finishRead(item));
      }
      return;
    }
    this.startBatch({ recvMessage: true }, (error, result) => {
      this.readInFlight = false;
      if (this.ended || error !== null) {
        // The call is over, and the recvCloseOnServer operation reports how it ended.
        this.watchCloseIfIdle();
        return;
      }
      if (result.message === null || result.message === undefined) {
        this.listener?.onReceiveHalfClose();
      } else {
        this.deliverMessage(result.message);
      }
      this.watchCloseIfIdle();
    });
  }

  getPeer(): string {
    return peerFromCore(this.peer);
  }

  getDeadline(): Deadline {
    return this.incoming.deadline;
  }

  getHost(): string {
    return this.incoming.host;
  }

  getAuthContext(): AuthContext {
    return authContextFromNativeCall(this.incoming.call);
  }

  getConnectionInfo(): ConnectionInfo {
    // NOTE: C-core 1.51 gives a call its peer's address only, so the local address and port stay undefined.
    return remoteFromPeer(this.peer);
  }

  getMetricsRecorder(): PerRequestMetricRecorder {
    return this.metricsRecorder;
  }

  _getNativeCall(): NativeCall {
    return this.incoming.call;
  }

  private deliverMessage(bytes: Buffer): void {
    let message: any;
    try {
      message = this.handler.deserialize(bytes);
    } catch (error) {
      this.sendStatus({
        code: Status.INTERNAL,
        details: this.settings.sendErrorDetails
          ? `Error deserializing request: ${errorMessage(error)}`
          : 'Error deserializing request',
      });
      return;
    }
    this.listener?.onReceiveMessage(message);
  }

  private finishRead(item: ReadItem): void {
    this.readInFlight = false;
    if (this.ended || item instanceof Error) {
      // The call is over, and the recvCloseOnServer operation reports how it ended.
      return;
    }
    if (item === null) {
      this.listener?.onReceiveHalfClose();
      return;
    }
    this.deliverMessage(item);
  }

  // Returns true: response messages start sending as soon as they are queued, so none waits behind a receive.
  private onReadAvailable(): boolean {
    if (this.readInFlight) {
      const item = this.reader!.take();
      if (item !== undefined) {
        this.finishRead(item);
      }
    }
    return true;
  }

  private queueMessage(sends: SendQueue, bytes: Buffer, callback: () => void): void {
    const initialMetadata = !this.metadataSent;
    this.metadataSent = true;
    try {
      sends.send(bytes, 0, initialMetadata, callback);
    } catch (error) {
      // The native call was released because the environment is closing.
      log(LogVerbosity.ERROR, `Request to ${this.handler.path}: ${errorMessage(error)}; ending the call`);
      this.incoming.call.cancelWithStatus(Status.INTERNAL, 'The server failed to process the call');
      this.notifyOnCancel();
    }
  }

  // Sends the status that waited for the queued messages. After a failed send the call is over, and the
  // recvCloseOnServer operation reports it.
  private sendPendingStatus(error: Error | null): void {
    const status = this.pendingStatus;
    this.pendingStatus = null;
    if (error === null && status !== null) {
      this.sendStatus(status);
    }
  }

  private canHoldMessage(): boolean {
    return this.heldResponse?.message == null && !this.sendInFlight && this.sendQueue.length === 0;
  }

  // Holds the single response back for the status that normally follows it in the same turn. For the caller the
  // message is handed over, so its callback runs at once.
  private holdMessage(message: Buffer, callback: () => void): void {
    const wasHolding = this.heldResponse !== null;
    const headers = this.metadataSent ? this.heldResponse?.headers ?? null : [];
    this.metadataSent = true;
    this.heldResponse = { headers, message };
    callback();
    if (!wasHolding && this.heldResponse !== null && !this.ended) {
      setImmediate(() => this.sendHeld());
    }
  }

  // Starts the held headers and message, ahead of any message or status that comes after them.
  private sendHeld(): void {
    const held = this.heldResponse;
    if (held === null || this.ended) {
      return;
    }
    this.heldResponse = null;
    const batch: NativeBatch = {};
    if (held.headers !== null) {
      batch.sendInitialMetadata = held.headers;
    }
    if (held.message === null) {
      this.startBatch(batch, () => {});
      return;
    }
    batch.sendMessage = held.message;
    this.sendInFlight = true;
    this.startBatch(batch, error => {
      this.sendInFlight = false;
      if (error === null) {
        this.sendNextMessage();
      }
    });
  }

  private sendNextMessage(): void {
    if (this.sendInFlight || this.ended) {
      return;
    }
    const next = this.sendQueue.shift();
    if (next === undefined) {
      if (this.pendingStatus !== null) {
        const status = this.pendingStatus;
        this.pendingStatus = null;
        this.sendStatus(status);
      }
      return;
    }
    const batch: NativeBatch = { sendMessage: next.bytes };
    if (!this.metadataSent) {
      this.metadataSent = true;
      batch.sendInitialMetadata = [];
    }
    this.sendInFlight = true;
    this.startBatch(batch, error => {
      this.sendInFlight = false;
      if (error !== null) {
        // The call is over: the writer gets no callback, and the cancellation reaches the handler.
        return;
      }
      next.callback();
      this.sendNextMessage();
    });
  }

  // Starts a C-core batch. C-core rejects an invalid batch at once, and then the call ends with INTERNAL. The
  // exception must not reach a handler, or an event callback where nothing could catch it.
  private startBatch(batch: NativeBatch, callback: (error: Error | null, result: NativeBatchResult) => void): void {
    try {
      this.incoming.call.startBatch(batch, callback);
    } catch (error) {
      log(LogVerbosity.ERROR, `Request to ${this.handler.path}: ${errorMessage(error)}; ending the call`);
      this.incoming.call.cancelWithStatus(Status.INTERNAL, 'The server failed to process the call');
      this.notifyOnCancel();
      // C-core must still report the end of the call, and the rejected batch may have been the one to do so.
      const onlyCloseWatch = batch.recvCloseOnServer === true && Object.keys(batch).length === 1;
      if (batch.recvCloseOnServer === true) {
        this.closeWatched = false;
      }
      if (!this.closeWatched && !onlyCloseWatch) {
        this.watchClose();
      }
    }
  }

  // Marks the call ended and calls the listener's onCancel, once, on a later tick so that a handler that ends the
  // call synchronously finishes its own code first.
  private notifyOnCancel(): void {
    if (this.cancelNotified) {
      return;
    }
    this.cancelNotified = true;
    this.ended = true;
    process.nextTick(() => this.listener?.onCancel());
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
