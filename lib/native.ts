/**
 * The types of the native addon. Every other module reaches C-core through this one; nothing else loads the
 * binding.
 *
 * Conventions across the boundary:
 * - Deadlines are milliseconds since the Unix epoch; `Infinity` means no deadline.
 * - Metadata is a flat array `[key, value, key, value, ...]`. Values of keys ending in `-bin` are Buffers, all
 *   other values are strings. Keys are lowercase; TypeScript validates them before they get here.
 * - Messages are Buffers holding serialized bytes. The native layer copies them, so JavaScript may reuse a Buffer
 *   once the call that took it returns.
 * - Callbacks run on the JavaScript thread, on a later turn of the event loop, never inside the call that
 *   registered them. Metadata plugins are the exception: C-core may run them inside `NativeCall.startBatch`.
 */
import * as path from 'path';

import { CoreLogBinding, routeCoreLogs } from './core-log';
import { loadBinding } from './load-binding';

export type NativeMetadata = Array<string | Buffer>;

export interface NativeStatus {
  code: number;
  details: string;
  metadata: NativeMetadata;
}

/** One batch of operations for `NativeCall.startBatch`. Each present field adds one C-core operation. */
export interface NativeBatch {
  sendInitialMetadata?: NativeMetadata;
  /** C-core initial metadata flags: 0x20 wait for ready, 0x80 wait for ready explicitly set. */
  sendInitialMetadataFlags?: number;
  sendMessage?: Buffer;
  /** C-core write flags for `sendMessage`: 1 buffer hint, 2 no compression. */
  sendMessageFlags?: number;
  sendCloseFromClient?: true;
  sendStatusFromServer?: NativeStatus;
  recvInitialMetadata?: true;
  recvMessage?: true;
  recvStatusOnClient?: true;
  recvCloseOnServer?: true;
}

/** What a finished batch returns; a field is present when the batch asked for it. */
export interface NativeBatchResult {
  metadata?: NativeMetadata;
  /** The received message, or `null` at the end of the stream. */
  message?: Buffer | null;
  status?: NativeStatus;
  /** From `recvCloseOnServer`: true when the call was cancelled or ended with an error. */
  cancelled?: boolean;
}

/**
 * The operation bits of the positional form of `NativeCall.startBatch`; native/batch.h declares the same values.
 * Only the arguments of the operations named in the bitmask are read.
 */
export const BatchOp = {
  SEND_INITIAL_METADATA: 1,
  SEND_MESSAGE: 2,
  SEND_CLOSE_FROM_CLIENT: 4,
  SEND_STATUS_FROM_SERVER: 8,
  RECV_INITIAL_METADATA: 16,
  RECV_MESSAGE: 32,
  RECV_STATUS_ON_CLIENT: 64,
  RECV_CLOSE_ON_SERVER: 128,
} as const;

/**
 * Receives the result of a positional batch. A value is `undefined` unless the batch received it: `metadata` for
 * RECV_INITIAL_METADATA, `message` (`null` at the end of the stream) for RECV_MESSAGE, the three status values
 * for RECV_STATUS_ON_CLIENT and `cancelled` for RECV_CLOSE_ON_SERVER.
 */
export type NativeBatchCallback = (
  error: Error | null,
  metadata: NativeMetadata | undefined,
  message: Buffer | null | undefined,
  statusCode: number | undefined,
  statusDetails: string | undefined,
  trailingMetadata: NativeMetadata | undefined,
  cancelled: boolean | undefined,
) => void;

/**
 * Messages that `NativeCall.readMessages` hands over, in order, then `null` at the end of the stream or an Error
 * when a receive failed because the call ended. Nothing follows a `null` or an Error.
 */
export type NativeReadResult = Array<Buffer | null | Error>;

/**
 * A C-core call, on either side. C-core allows one batch of each kind of operation in flight at a time; the
 * callback's `error` is set only when C-core reports that the batch failed as a whole (`ok == false`), which for a
 * client means the call already ended and the status will say why.
 */
export interface NativeCall {
  startBatch(batch: NativeBatch, callback: (error: Error | null, result: NativeBatchResult) => void): void;
  /**
   * Starts a batch described positionally, which costs the native side less than a batch object: `ops` is a
   * bitmask of {@link BatchOp}, and an argument is read only when `ops` names its operation. Flags are C-core's,
   * as in {@link NativeBatch}.
   */
  startBatch(ops: number, callback: NativeBatchCallback, initialMetadata?: NativeMetadata,
    initialMetadataFlags?: number, message?: Buffer, messageFlags?: number, statusCode?: number,
    statusDetails?: string, trailingMetadata?: NativeMetadata): void;
  /**
   * Takes the messages received so far. The first call starts read-ahead: from then on the native layer keeps a
   * receive in flight and queues up to 16 messages or 256 KiB, so a call must not also use `recvMessage` batches.
   * Returns the queued messages, or, with none queued, `undefined`, and then calls `callback` once with the next
   * ones. With `expectReplies` (a bidi stream that may reply to each message), a message that finds the callback
   * waiting is handed over before the next receive starts, and a callback that returns false delays that receive
   * until the next `readMessages` call. Throws when a callback is still waiting.
   */
  readMessages(callback: (messages: NativeReadResult) => boolean, expectReplies?: boolean):
    NativeReadResult | undefined;
  /**
   * Queues a message to be sent after those queued before it, without waiting for them, and returns whether the
   * queue (up to 16 messages or 256 KiB) has room for more. `flags` are C-core write flags, as `sendMessageFlags`;
   * with `initialMetadata`, empty initial metadata goes out in the same batch. A call must not also use
   * `sendMessage` batches. After a send failed, messages are dropped and the result is false.
   */
  queueMessage(message: Buffer, flags: number, initialMetadata: boolean): boolean;
  /**
   * Returns `null` when the send queue has room (with `untilEmpty`: is empty), the Error of a failed send, or
   * `undefined`, and then calls `callback` once with `null` or that Error when it has. Throws when a callback is
   * still waiting.
   */
  waitForSends(untilEmpty: boolean, callback: (error: Error | null) => void): Error | null | undefined;
  cancel(): void;
  cancelWithStatus(code: number, details: string): void;
  getPeer(): string;
}

export interface NativeChannel {
  getTarget(): string;
  getConnectivityState(tryToConnect: boolean): number;
  /** Calls back with `true` when the state changed from `lastState`, `false` when the deadline passed first. */
  watchConnectivityState(lastState: number, deadline: number, callback: (changed: boolean) => void): void;
  /**
   * Creates a call. `host` overrides the `:authority` of this call; `parent` is a server call whose deadline and
   * cancellation propagate according to `propagateFlags` (C-core's GRPC_PROPAGATE_* bits).
   */
  createCall(method: string, deadline: number, host: string | null, parent: NativeCall | null,
    propagateFlags: number): NativeCall;
  close(): void;
}

/** A call that a server accepted, with what the client sent in its headers. */
export interface NativeServerCallInfo {
  call: NativeCall;
  method: string;
  host: string;
  deadline: number;
  metadata: NativeMetadata;
}

export interface NativeServer {
  /** Binds an address; returns the bound port (for `unix:` addresses, 1). Throws when C-core cannot bind. */
  addPort(address: string, credentials: NativeServerCredentials): number;
  start(): void;
  /** Asks for the next incoming call. The callback gets `null` once the server shuts down. */
  requestCall(callback: (info: NativeServerCallInfo | null) => void): void;
  /** Stops accepting calls; the callback runs once every call has ended. */
  shutdown(callback: () => void): void;
  /** Cancels every call in flight, with status UNAVAILABLE for the peers. */
  cancelAllCalls(): void;
}

/** Opaque handles of C-core credentials. */
export interface NativeChannelCredentials {
  readonly kind: 'channel';
}
export interface NativeCallCredentials {
  readonly kind: 'call';
}
export interface NativeServerCredentials {
  readonly kind: 'server';
}

/** Channel options as C-core channel arguments: integers and strings only. */
export type NativeChannelArgs = Record<string, string | number>;

export interface NativeBinding extends CoreLogBinding {
  Channel: new (target: string, credentials: NativeChannelCredentials, args: NativeChannelArgs) => NativeChannel;
  Server: new (args: NativeChannelArgs) => NativeServer;
  insecureChannelCredentials(): NativeChannelCredentials;
  insecureServerCredentials(): NativeServerCredentials;
  /** The version of the linked C-core, for example `29.0.0` for gRPC 1.51. */
  coreVersion(): string;
}

// load-binding.ts says where the addon is looked for and explains a missing or unloadable one.
export const binding = loadBinding(path.join(__dirname, '..')) as NativeBinding;

routeCoreLogs(binding);
