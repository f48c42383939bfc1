/**
 * The client call at the bottom of the interceptor stack: turns the `Call` interface into C-core batches.
 *
 * Sends issued in the same turn of the event loop (start, the first message, half-close) go to C-core as one batch.
 * C-core takes one message at a time, so send batches go out one after another: a batch waits until the one before
 * it completed. Receives are separate because each completes at a different time: initial metadata, the status, and
 * the messages of a response stream, which the native layer reads ahead (read-ahead.ts) and hands over one per
 * `startRead`. The listener receives metadata first, then messages, then exactly one status: a status that arrives
 * while metadata or a read is still outstanding waits for them.
 *
 * When the first send batch already half-closes (unary and server-streaming calls), no later send can wait for it,
 * so the status receive joins it. For a call marked as having a single response (`setSingleResponse`), the
 * message receive joins it too, which saves a unary call two of its four completions. Initial metadata keeps a
 * batch of its own (see mayJoinSends).
 */
import { AuthContext, authContextFromNativeCall } from './auth-context';
import type { CallCredentials } from './call-credentials';
import type { Call, InterceptingListener, MessageContext, StatusObject } from './call-interface';
import { LogVerbosity, Status } from './constants';
import { isTracerEnabled, trace } from './logging';
import { Metadata, metadataFromNative, metadataToNative } from './metadata';
import { BatchOp } from './native';
import type { NativeBatchResult, NativeCall, NativeMetadata, NativeStatus } from './native';
import { ReadAheadBuffer, ReadItem } from './read-ahead';
import { addSecurityHint } from './security-errors';

const TRACER = 'call_stream';

let nextCallNumber = 0;

type SendCallback = (error: Error | null) => void;

/** Sends collected for one batch, in the arguments of the positional `NativeCall.startBatch`. */
interface SendBatch {
  ops: number;
  metadata?: NativeMetadata;
  metadataFlags: number;
  message?: Buffer;
  messageFlags: number;
  callbacks: SendCallback[];
}

/** One receive operation and what handles its result. */
interface Receive {
  op: number;
  onResult: (result: NativeBatchResult) => void;
}

export class NativeClientCall implements Call {
  private listener: InterceptingListener | null = null;
  private readonly callNumber = nextCallNumber++;

  // Sends collected during this turn of the event loop, and what to call when they are done.
  private pendingSends: SendBatch | null = null;
  // Receives asked for while sends are being collected; they start right after the sends.
  private pendingReceives: Receive[] = [];
  // Send batches waiting for the one in flight to complete.
  private readonly sendQueue: SendBatch[] = [];
  private sendInFlight = false;
  private singleResponse = false;
  private halfClosed = false;

  private metadataReceived = false;
  private readInFlight = false;
  private receivedStatus: StatusObject | null = null;
  private statusDelivered = false;
  private startedInCore = false;
  private cancelledByClient = false;
  private readonly reader: ReadAheadBuffer;

  /** `callsInFlight` is the channel's set of calls that have no status yet; the call keeps it current. */
  constructor(private readonly native: NativeCall, private readonly method: string,
    private readonly callsInFlight?: Set<NativeClientCall>) {
    callsInFlight?.add(this);
    // A call that has not half-closed may reply to each message, as a bidi ping-pong does.
    this.reader = new ReadAheadBuffer(native, () => this.onReadAvailable(), () => !this.halfClosed);
  }

  start(metadata: Metadata, listener: InterceptingListener): void {
    this.traceCall(() => `starting ${this.method}`);
    this.listener = listener;

    const sends = this.collectSends(BatchOp.SEND_INITIAL_METADATA);
    sends.metadata = metadataToNative(metadata);
    sends.metadataFlags = initialMetadataFlags(metadata);
    this.startReceive(BatchOp.RECV_INITIAL_METADATA, (result) => {
      this.metadataReceived = true;
      if (!this.singleResponse) {
        // Receive messages into read-ahead now, because C-core withholds the status while messages wait unread,
        // and a listener that never reads must still get a failure status.
        this.reader.start();
      }
      this.listener?.onReceiveMetadata(metadataFromNative(result.metadata ?? []));
      this.maybeDeliverStatus();
    });
    this.startReceive(BatchOp.RECV_STATUS_ON_CLIENT, (result) => {
      this.receivedStatus = statusFromNative(result.status);
      this.callsInFlight?.delete(this);
      this.traceCall(() => `received status ${this.receivedStatus?.code} "${this.receivedStatus?.details}"`);
      this.maybeDeliverStatus();
    });
  }

  /**
   * Marks the call, before `start`, as one whose method is declared with a single response (unary and
   * client-streaming methods). A call whose first send batch then half-closes receives its response in that same
   * batch.
   */
  setSingleResponse(): void {
    this.singleResponse = true;
  }

  sendMessageWithContext(context: MessageContext, message: Buffer): void {
    const sends = this.collectSends(BatchOp.SEND_MESSAGE);
    sends.message = message;
    sends.messageFlags = context.flags ?? 0;
    if (context.callback) {
      sends.callbacks.push(context.callback);
    }
  }

  startRead(): void {
    if (this.readInFlight || this.statusDelivered) {
      return;
    }
    this.readInFlight = true;
    if (this.singleResponse) {
      // The single response joins the first send batch (see mayJoinSends), which read-ahead could not.
      this.startReceive(BatchOp.RECV_MESSAGE, (result) => {
        this.readInFlight = false;
        const message = result.message;
        if (message !== null && message !== undefined && !this.statusDelivered) {
          this.listener?.onReceiveMessage(message);
        }
        this.maybeDeliverStatus();
      });
      return;
    }
    // Sends go first, so that C-core receives the initial metadata before any receive: the microtask that flushes
    // them was queued before this one.
    if (this.pendingSends !== null) {
      queueMicrotask(() => this.takeRead(false));
    } else {
      this.takeRead(false);
    }
  }

  halfClose(): void {
    this.halfClosed = true;
    this.collectSends(BatchOp.SEND_CLOSE_FROM_CLIENT);
  }

  cancelWithStatus(status: Status, details: string): void {
    this.traceCall(() => `cancelled with status ${status} "${details}"`);
    // Messages queued in read-ahead are dropped from here on, because a caller that cancels expects no more (grpc-js
    // delivers none either).
    this.cancelledByClient = true;
    this.native.cancelWithStatus(status, details);
  }

  /**
   * Cancels the call with UNAVAILABLE unless it already received headers or a status. Channel.close calls this for
   * every call when the channel is not READY, and otherwise for calls whose first batch has not reached C-core.
   */
  cancelIfUnanswered(details: string): void {
    if (!this.metadataReceived && this.receivedStatus === null) {
      this.cancelWithStatus(Status.UNAVAILABLE, details);
    }
  }

  /** Returns whether C-core has received the call's initial metadata, which is when C-core starts the call. */
  isStartedInCore(): boolean {
    return this.startedInCore;
  }

  getPeer(): string {
    return this.native.getPeer();
  }

  getAuthContext(): AuthContext | null {
    return authContextFromNativeCall(this.native);
  }

  setCredentials(credentials: CallCredentials): void {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { callSetCredentials } = require('./native-security');
    callSetCredentials(this.native, credentials._getNative());
  }

  getCallNumber(): number {
    return this.callNumber;
  }

  /** Adds `op` to the send batch of this turn, creating it when needed, and returns that batch. */
  private collectSends(op: number): SendBatch {
    if (this.pendingSends !== null && op === BatchOp.SEND_MESSAGE && (this.pendingSends.ops & op) !== 0) {
      // C-core takes one message per batch: send what is collected and start collecting again.
      this.flushSends();
    }
    if (this.pendingSends === null) {
      this.pendingSends = { ops: 0, metadataFlags: 0, messageFlags: 0, callbacks: [] };
      queueMicrotask(() => this.flushSends());
    }
    this.pendingSends.ops |= op;
    return this.pendingSends;
  }

  private flushSends(): void {
    const sends = this.pendingSends;
    if (sends === null) {
      return;
    }
    const receives = this.pendingReceives;
    this.pendingSends = null;
    this.pendingReceives = [];

    if (!this.startedInCore && (sends.ops & BatchOp.SEND_CLOSE_FROM_CLIENT) !== 0) {
      // Nothing was sent before and nothing can follow, so receives may ride on the sends without holding up a
      // later send.
      this.traceCall(() => 'receiving with the sends');
      const joining = receives.filter((receive) => this.mayJoinSends(receive));
      this.startSendBatch(sends, joining);
      for (const receive of receives) {
        if (!joining.includes(receive)) {
          this.startReceiveBatch(receive);
        }
      }
      return;
    }
    this.sendQueue.push(sends);
    this.startNextSend();
    for (const receive of receives) {
      this.startReceiveBatch(receive);
    }
  }

  /**
   * Returns whether a receive may join a first send batch that half-closes, which completes only once all of its
   * operations have. The status always may. The message may when the method has a single response. Initial
   * metadata never does, so that it reaches the listener when it arrives: a listener may act on it (cancel, for
   * instance) before the response. Neither do the messages of a response stream, which are delivered one by one.
   */
  private mayJoinSends(receive: Receive): boolean {
    return receive.op === BatchOp.RECV_STATUS_ON_CLIENT || (this.singleResponse && receive.op === BatchOp.RECV_MESSAGE);
  }

  private startNextSend(): void {
    if (this.sendInFlight) {
      return;
    }
    const next = this.sendQueue.shift();
    if (next !== undefined) {
      this.startSendBatch(next, []);
    }
  }

  /** Starts one send batch, together with `receives` when there are any; their results follow the sends'. */
  private startSendBatch(sends: SendBatch, receives: Receive[]): void {
    this.sendInFlight = true;
    this.startedInCore = true;
    let ops = sends.ops;
    for (const receive of receives) {
      ops |= receive.op;
    }
    const done = (error: Error | null, result?: NativeBatchResult) => {
      this.sendInFlight = false;
      this.startNextSend();
      for (const callback of sends.callbacks) {
        callback(error);
      }
      if (result !== undefined) {
        for (const receive of receives) {
          receive.onResult(result);
        }
      }
    };
    try {
      this.native.startBatch(ops, (error, metadata, message, statusCode, statusDetails, trailingMetadata) => {
        done(error, receives.length === 0 ? undefined
          : resultFromNative(metadata, message, statusCode, statusDetails, trailingMetadata));
      }, sends.metadata, sends.metadataFlags, sends.message, sends.messageFlags);
    } catch (error) {
      // C-core rejected the batch: the call already ended, or the batch is invalid (a message that is not a
      // Buffer, for instance). Cancelling ends a call that is still going with a status that gives the reason;
      // without it such a call would wait for a status forever. On a call that already ended it does nothing.
      const reason = (error as Error).message;
      this.traceCall(() => `send batch rejected: ${reason}`);
      this.native.cancelWithStatus(Status.INTERNAL, `grpc-native failed to send on the call: ${reason}`);
      process.nextTick(done, error as Error);
      // Receives that were to ride on the rejected batch start on their own and report the cancellation.
      for (const receive of receives) {
        this.startReceiveBatch(receive);
      }
    }
  }

  private startReceive(op: number, onResult: (result: NativeBatchResult) => void): void {
    // Sends go first, so that C-core receives the initial metadata before any receive.
    if (this.pendingSends !== null) {
      this.pendingReceives.push({ op, onResult });
    } else {
      this.startReceiveBatch({ op, onResult });
    }
  }

  private startReceiveBatch(receive: Receive): void {
    try {
      this.native.startBatch(receive.op, (_error, metadata, message, statusCode, statusDetails, trailingMetadata) => {
        receive.onResult(resultFromNative(metadata, message, statusCode, statusDetails, trailingMetadata));
      });
    } catch (error) {
      // C-core refuses receives once the call is over; an empty result reads as "no more messages".
      this.traceCall(() => `receive batch rejected: ${(error as Error).message}`);
      process.nextTick(receive.onResult, { message: null });
    }
  }

  // Hands the message that startRead asked for to the listener, or waits for it when none has arrived. Messages
  // that were already there go out on the next tick, so that the listener never runs inside its own startRead.
  private takeRead(fromNativeCallback: boolean): void {
    const item = this.reader.take();
    if (item === undefined) {
      return;
    }
    if (fromNativeCallback) {
      this.finishRead(item);
    } else {
      process.nextTick(() => this.finishRead(item));
    }
  }

  private finishRead(item: ReadItem): void {
    this.readInFlight = false;
    if (Buffer.isBuffer(item) && !this.statusDelivered && !this.cancelledByClient) {
      this.listener?.onReceiveMessage(item);
    }
    this.maybeDeliverStatus();
  }

  // Returns false while sends of this turn wait to be flushed, so that the next receive starts after them.
  private onReadAvailable(): boolean {
    if (this.readInFlight) {
      this.takeRead(true);
    } else {
      this.maybeDeliverStatus();
    }
    return this.pendingSends === null;
  }

  // Hands every message received before the status to the listener without waiting for startRead. Returns false
  // while a receive is still in flight; onReadAvailable then calls this again.
  private flushReads(): boolean {
    if (!this.reader.isStarted()) {
      return true;
    }
    // A startRead from the listener must not take a message out of order while this runs.
    this.readInFlight = true;
    try {
      for (;;) {
        const item = this.reader.take();
        if (item === undefined) {
          return false;
        }
        if (!Buffer.isBuffer(item)) {
          return true;
        }
        if (!this.cancelledByClient) {
          this.listener?.onReceiveMessage(item);
        }
      }
    } finally {
      this.readInFlight = false;
    }
  }

  private maybeDeliverStatus(): void {
    if (this.statusDelivered || this.receivedStatus === null || !this.metadataReceived || this.readInFlight) {
      return;
    }
    // Read-ahead may hold messages that C-core received before the status. An OK status waits until the reader
    // took them, as it did when C-core held them. Any other status ends the call, so they go out before it.
    if (this.receivedStatus.code === Status.OK ? !this.reader.isDrained() : !this.flushReads()) {
      return;
    }
    this.statusDelivered = true;
    const listener = this.listener;
    this.listener = null;
    listener?.onReceiveStatus(this.receivedStatus);
  }

  private traceCall(text: () => string): void {
    if (isTracerEnabled(TRACER)) {
      trace(LogVerbosity.DEBUG, TRACER, `[${this.callNumber}] ${text()}`);
    }
  }
}

// C-core's GRPC_INITIAL_METADATA_* bits for the options that ride on a Metadata object. C-core 1.51 acts on
// wait-for-ready only; idempotent, cacheable and corked requests have no effect there.
const WAIT_FOR_READY = 0x20;
const WAIT_FOR_READY_EXPLICITLY_SET = 0x80;

function initialMetadataFlags(metadata: Metadata): number {
  const { waitForReady } = metadata.getOptions();
  if (waitForReady === undefined) {
    return 0;
  }
  return WAIT_FOR_READY_EXPLICITLY_SET | (waitForReady ? WAIT_FOR_READY : 0);
}

function resultFromNative(metadata: NativeMetadata | undefined, message: Buffer | null | undefined,
  statusCode: number | undefined, statusDetails: string | undefined,
  trailingMetadata: NativeMetadata | undefined): NativeBatchResult {
  const status = statusCode === undefined ? undefined
    : { code: statusCode, details: statusDetails ?? '', metadata: trailingMetadata ?? [] };
  return { metadata, message, status };
}

function statusFromNative(status: NativeStatus | undefined): StatusObject {
  if (status === undefined) {
    return { code: Status.INTERNAL, details: 'C-core returned no status', metadata: new Metadata() };
  }
  // Security failures get a hint of their usual causes after C-core's text (security-errors.ts).
  const details = addSecurityHint(status.code, status.details);
  return { code: status.code, details, metadata: metadataFromNative(status.metadata) };
}
