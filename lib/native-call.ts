/**
 * The client call at the bottom of the interceptor stack: turns the `Call` interface into C-core batches.
 *
 * Sends issued in the same turn of the event loop (start, the first message, half-close) go to C-core as one batch.
 * C-core takes one message at a time, so send batches go out one after another: a batch waits until the one before
 * it completed. Receives are separate batches because each completes at a different time: initial metadata, one
 * message per `startRead`, and the status. The listener sees metadata first, then messages, then exactly one
 * status: a status that arrives while metadata or a read is still outstanding waits for them.
 */
import { AuthContext, authContextFromNativeCall } from './auth-context';
import type { CallCredentials } from './call-credentials';
import type { Call, InterceptingListener, MessageContext, StatusObject } from './call-interface';
import { LogVerbosity, Status } from './constants';
import { isTracerEnabled, trace } from './logging';
import { Metadata, metadataFromNative, metadataToNative } from './metadata';
import type { NativeBatch, NativeBatchResult, NativeCall, NativeStatus } from './native';
import { addSecurityHint } from './security-errors';

const TRACER = 'call_stream';

let nextCallNumber = 0;

export class NativeClientCall implements Call {
  private listener: InterceptingListener | null = null;
  private readonly callNumber = nextCallNumber++;

  // Sends collected during this turn of the event loop, and what to call when they are done.
  private pendingSends: NativeBatch | null = null;
  private pendingSendCallbacks: Array<(error: Error | null) => void> = [];
  // Receives asked for while sends are being collected; they start right after the sends.
  private pendingReceives: Array<() => void> = [];
  // Send batches waiting for the one in flight to complete.
  private readonly sendQueue: Array<{ batch: NativeBatch; callbacks: Array<(error: Error | null) => void> }> = [];
  private sendInFlight = false;

  private metadataReceived = false;
  private readInFlight = false;
  private receivedStatus: StatusObject | null = null;
  private statusDelivered = false;
  private startedInCore = false;

  /** `callsInFlight` is the channel's set of calls that have no status yet; the call keeps it current. */
  constructor(private readonly native: NativeCall, private readonly method: string,
    private readonly callsInFlight?: Set<NativeClientCall>) {
    callsInFlight?.add(this);
  }

  start(metadata: Metadata, listener: InterceptingListener): void {
    this.traceCall(() => `starting ${this.method}`);
    this.listener = listener;

    this.addSends({
      sendInitialMetadata: metadataToNative(metadata),
      sendInitialMetadataFlags: initialMetadataFlags(metadata),
    });
    this.startReceive({ recvInitialMetadata: true }, (result) => {
      this.metadataReceived = true;
      this.listener?.onReceiveMetadata(metadataFromNative(result.metadata ?? []));
      this.maybeDeliverStatus();
    });
    this.startReceive({ recvStatusOnClient: true }, (result) => {
      this.receivedStatus = statusFromNative(result.status);
      this.callsInFlight?.delete(this);
      this.traceCall(() => `received status ${this.receivedStatus?.code} "${this.receivedStatus?.details}"`);
      this.maybeDeliverStatus();
    });
  }

  sendMessageWithContext(context: MessageContext, message: Buffer): void {
    const batch: NativeBatch = { sendMessage: message };
    if (context.flags) {
      batch.sendMessageFlags = context.flags;
    }
    this.addSends(batch, context.callback);
  }

  startRead(): void {
    if (this.readInFlight || this.statusDelivered) {
      return;
    }
    this.readInFlight = true;
    this.startReceive({ recvMessage: true }, (result) => {
      this.readInFlight = false;
      const message = result.message;
      if (message !== null && message !== undefined && !this.statusDelivered) {
        this.listener?.onReceiveMessage(message);
      }
      this.maybeDeliverStatus();
    });
  }

  halfClose(): void {
    this.addSends({ sendCloseFromClient: true });
  }

  cancelWithStatus(status: Status, details: string): void {
    this.traceCall(() => `cancelled with status ${status} "${details}"`);
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

  private addSends(batch: NativeBatch, callback?: (error?: Error | null) => void): void {
    if (this.pendingSends !== null && batch.sendMessage !== undefined && this.pendingSends.sendMessage !== undefined) {
      // C-core takes one message per batch: send what is collected and start collecting again.
      this.flushSends();
    }
    if (this.pendingSends === null) {
      this.pendingSends = {};
      queueMicrotask(() => this.flushSends());
    }
    Object.assign(this.pendingSends, batch);
    if (callback) {
      this.pendingSendCallbacks.push(callback);
    }
  }

  private flushSends(): void {
    const batch = this.pendingSends;
    if (batch === null) {
      return;
    }
    const receives = this.pendingReceives;
    this.sendQueue.push({ batch, callbacks: this.pendingSendCallbacks });
    this.pendingSends = null;
    this.pendingSendCallbacks = [];
    this.pendingReceives = [];

    this.startNextSend();
    for (const receive of receives) {
      receive();
    }
  }

  private startNextSend(): void {
    if (this.sendInFlight) {
      return;
    }
    const next = this.sendQueue.shift();
    if (next === undefined) {
      return;
    }
    this.sendInFlight = true;
    this.startedInCore = true;
    const done = (error: Error | null) => {
      this.sendInFlight = false;
      this.startNextSend();
      for (const callback of next.callbacks) {
        callback(error);
      }
    };
    try {
      this.native.startBatch(next.batch, (error) => done(error));
    } catch (error) {
      // C-core rejected the batch: the call already ended, or the batch is invalid (a message that is not a
      // Buffer, for instance). Cancelling ends a call that is still going with a status that gives the reason;
      // without it such a call would wait for a status forever. On a call that already ended it does nothing.
      const reason = (error as Error).message;
      this.traceCall(() => `send batch rejected: ${reason}`);
      this.native.cancelWithStatus(Status.INTERNAL, `grpc-native failed to send on the call: ${reason}`);
      process.nextTick(done, error as Error);
    }
  }

  private startReceive(batch: NativeBatch, onResult: (result: NativeBatchResult) => void): void {
    const start = () => {
      try {
        this.native.startBatch(batch, (_error, result) => onResult(result));
      } catch (error) {
        // C-core refuses receives once the call is over; an empty result reads as "no more messages".
        this.traceCall(() => `receive batch refused: ${(error as Error).message}`);
        process.nextTick(onResult, { message: null });
      }
    };
    // Sends go first, so that C-core sees the initial metadata before any receive.
    if (this.pendingSends !== null) {
      this.pendingReceives.push(start);
    } else {
      start();
    }
  }

  private maybeDeliverStatus(): void {
    if (this.statusDelivered || this.receivedStatus === null || !this.metadataReceived || this.readInFlight) {
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

function statusFromNative(status: NativeStatus | undefined): StatusObject {
  if (status === undefined) {
    return { code: Status.INTERNAL, details: 'C-core returned no status', metadata: new Metadata() };
  }
  // Security failures get a hint of their usual causes after C-core's text (security-errors.ts).
  const details = addSecurityHint(status.code, status.details);
  return { code: status.code, details, metadata: metadataFromNative(status.metadata) };
}
