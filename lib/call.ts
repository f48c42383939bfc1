/**
 * The call objects that client methods return, with grpc-js's types, events and errors. Each one forwards to the
 * top of the call's interceptor stack, which the client sets as `call` right after construction.
 *
 * Events: `metadata` (the server's initial metadata), `status` (the final {@link StatusObject}, always last),
 * and on streams `data`, `end` and `error` (a {@link ServiceError} for any status but OK).
 */
import { EventEmitter } from 'events';
import { Duplex, Readable, Writable } from 'stream';
import { Status } from './constants';
import type { Metadata } from './metadata';
import type { AuthContext } from './auth-context';
import type { MessageContext, StatusObject } from './call-interface';
import type { InterceptingCallInterface } from './client-interceptors';

/** The error of a call that ended with a status other than OK; `code`, `details` and `metadata` are the status. */
export type ServiceError = StatusObject & Error;

/** Typed overloads for an event that carries one argument. */
export interface EmitterAugmentation1<Name extends string | symbol, Arg> {
  addListener(event: Name, listener: (arg1: Arg) => void): this;
  emit(event: Name, arg1: Arg): boolean;
  on(event: Name, listener: (arg1: Arg) => void): this;
  once(event: Name, listener: (arg1: Arg) => void): this;
  prependListener(event: Name, listener: (arg1: Arg) => void): this;
  prependOnceListener(event: Name, listener: (arg1: Arg) => void): this;
  removeListener(event: Name, listener: (arg1: Arg) => void): this;
}

export type WriteCallback = (error: Error | null | undefined) => void;

/** A Readable in object mode whose chunks are response messages. */
export type ObjectReadable<T> = {
  read(size?: number): T;
} & EmitterAugmentation1<'data', T> &
  Readable;

/** A Writable in object mode whose chunks are request messages; `write`'s second argument may be write flags. */
export interface ObjectWritable<T> extends Writable {
  write(chunk: T, cb?: WriteCallback): boolean;
  write(chunk: T, flagsOrEncoding?: any, cb?: WriteCallback): boolean;
}

/** The members shared by every client call object. */
export type SurfaceCall = {
  call?: InterceptingCallInterface;
  cancel(): void;
  getPeer(): string;
  getAuthContext(): AuthContext | null;
} & EmitterAugmentation1<'metadata', Metadata> &
  EmitterAugmentation1<'status', StatusObject> &
  EventEmitter;

export type ClientUnaryCall = SurfaceCall;

export type ClientReadableStream<ResponseType> = {
  deserialize: (chunk: Buffer) => ResponseType;
} & SurfaceCall &
  ObjectReadable<ResponseType>;

export type ClientWritableStream<RequestType> = {
  serialize: (value: RequestType) => Buffer;
} & SurfaceCall &
  ObjectWritable<RequestType>;

export type ClientDuplexStream<RequestType, ResponseType> = ClientWritableStream<RequestType> &
  ClientReadableStream<ResponseType>;

/**
 * Builds the error for a status other than OK. Its message is `<code> <NAME>: <details>`, and its stack ends with
 * `for call at` and `callerStack`, the stack of the line that started the call.
 */
export function callErrorFromStatus(status: StatusObject, callerStack: string): ServiceError {
  const message = `${status.code} ${Status[status.code]}: ${status.details}`;
  const error = new Error(message);
  const stack = `${error.stack}\nfor call at\n${callerStack}`;
  return Object.assign(error, status, { stack });
}

const CANCELLED_DETAILS = 'Cancelled on client';

// The members below are the same on all four call objects. They are functions over `call` rather than a base
// class because the four classes must extend EventEmitter, Readable, Writable and Duplex respectively.

function cancelCall(call: InterceptingCallInterface | undefined): void {
  call?.cancelWithStatus(Status.CANCELLED, CANCELLED_DETAILS);
}

function peerOf(call: InterceptingCallInterface | undefined): string {
  return call?.getPeer() ?? 'unknown';
}

function authContextOf(call: InterceptingCallInterface | undefined): AuthContext | null {
  return call?.getAuthContext() ?? null;
}

/**
 * Sends one written chunk. A numeric "encoding" argument of `write` is taken as grpc-js write flags. A failed
 * write completes without an error, as in grpc-js: the call's status reports the failure, and an `error` event on
 * a client-streaming call, which callers do not listen for, would crash the process.
 */
function writeMessage(
  call: InterceptingCallInterface | undefined,
  chunk: unknown,
  encoding: unknown,
  callback: WriteCallback,
): void {
  const context: MessageContext = { callback: () => callback(null) };
  const flags = Number(encoding);
  if (!Number.isNaN(flags)) {
    context.flags = flags;
  }
  if (call === undefined) {
    callback(new Error('The call has not started'));
    return;
  }
  call.sendMessageWithContext(context, chunk);
}

export class ClientUnaryCallImpl extends EventEmitter implements ClientUnaryCall {
  call?: InterceptingCallInterface;

  cancel(): void {
    cancelCall(this.call);
  }

  getPeer(): string {
    return peerOf(this.call);
  }

  getAuthContext(): AuthContext | null {
    return authContextOf(this.call);
  }
}

export class ClientReadableStreamImpl<ResponseType> extends Readable implements ClientReadableStream<ResponseType> {
  call?: InterceptingCallInterface;

  constructor(readonly deserialize: (chunk: Buffer) => ResponseType) {
    super({ objectMode: true });
  }

  cancel(): void {
    cancelCall(this.call);
  }

  getPeer(): string {
    return peerOf(this.call);
  }

  getAuthContext(): AuthContext | null {
    return authContextOf(this.call);
  }

  _read(_size: number): void {
    this.call?.startRead();
  }
}

export class ClientWritableStreamImpl<RequestType> extends Writable implements ClientWritableStream<RequestType> {
  call?: InterceptingCallInterface;

  constructor(readonly serialize: (value: RequestType) => Buffer) {
    super({ objectMode: true });
  }

  cancel(): void {
    cancelCall(this.call);
  }

  getPeer(): string {
    return peerOf(this.call);
  }

  getAuthContext(): AuthContext | null {
    return authContextOf(this.call);
  }

  _write(chunk: RequestType, encoding: string, callback: WriteCallback): void {
    writeMessage(this.call, chunk, encoding, callback);
  }

  _final(callback: (error?: Error | null) => void): void {
    this.call?.halfClose();
    callback();
  }
}

export class ClientDuplexStreamImpl<RequestType, ResponseType>
  extends Duplex
  implements ClientDuplexStream<RequestType, ResponseType>
{
  call?: InterceptingCallInterface;

  constructor(
    readonly serialize: (value: RequestType) => Buffer,
    readonly deserialize: (chunk: Buffer) => ResponseType,
  ) {
    super({ objectMode: true });
  }

  cancel(): void {
    cancelCall(this.call);
  }

  getPeer(): string {
    return peerOf(this.call);
  }

  getAuthContext(): AuthContext | null {
    return authContextOf(this.call);
  }

  _read(_size: number): void {
    this.call?.startRead();
  }

  _write(chunk: RequestType, encoding: string, callback: WriteCallback): void {
    writeMessage(this.call, chunk, encoding, callback);
  }

  _final(callback: (error?: Error | null) => void): void {
    this.call?.halfClose();
    callback();
  }
}
