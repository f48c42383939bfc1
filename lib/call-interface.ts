/**
 * The contract between the client's call objects (and interceptors) and the call that talks to C-core. It follows
 * the shape grpc-js uses inside, so interceptors written for grpc-js find what they expect.
 */
import type { Metadata } from './metadata';
import type { Status } from './constants';
import type { AuthContext } from './auth-context';
import type { CallCredentials } from './call-credentials';

export interface StatusObject {
  code: Status;
  details: string;
  metadata: Metadata;
}

/** Per-message options for `sendMessageWithContext`. */
export interface MessageContext {
  /** Runs once the message was handed to the transport, so the writer may send the next one. */
  callback?: (error?: Error | null) => void;
  /** grpc-js write flags: 1 buffer hint, 2 no compression. */
  flags?: number;
}

/** Receives the events of one call, in order: metadata, messages, then exactly one status. */
export interface InterceptingListener {
  onReceiveMetadata(metadata: Metadata): void;
  onReceiveMessage(message: any): void;
  onReceiveStatus(status: StatusObject): void;
}

/** A call at the bottom of the interceptor stack: messages here are serialized Buffers. */
export interface Call {
  start(metadata: Metadata, listener: InterceptingListener): void;
  sendMessageWithContext(context: MessageContext, message: Buffer): void;
  /** Asks for one more message; `onReceiveMessage` runs when it arrives. */
  startRead(): void;
  halfClose(): void;
  cancelWithStatus(status: Status, details: string): void;
  getPeer(): string;
  getAuthContext(): AuthContext | null;
  /** Sets per-call credentials; only before `start`. */
  setCredentials(credentials: CallCredentials): void;
  /**
   * Marks the call, before `start`, as one whose method is declared with a single response, so that it may
   * receive the response and the status in fewer batches. An unmarked call treats the response as a stream.
   */
  setSingleResponse?(): void;
}
