/**
 * Promise and async-iterator helpers for clients. They are opt-in functions over an existing client, so every
 * grpc-js call keeps its exact semantics: a client method still returns its call object and still takes a
 * callback.
 *
 * Each helper takes the client and the name of one of its methods, which TypeScript checks against the client's
 * type and from which it infers the request and response types of generated clients:
 *
 * ```ts
 * const reply = await unaryCall(client, 'sayHello', { name: 'world' });
 * const summary = await clientStreamCall(client, 'recordRoute', points);        // any (async) iterable
 * for await (const feature of serverStreamCall(client, 'listFeatures', rect)) {} // the call object itself
 * const chat = bidiStreamCall(client, 'routeChat', notes);                       // fed from an (async) iterable
 * for await (const note of chat) {}
 * ```
 *
 * The streaming call objects are Node Readables and so already async-iterable: the loop ends after the last
 * message, and it throws the call's {@link ServiceError} when the status is not OK. Each helper takes an
 * optional `signal` in its options; aborting it cancels the call, which then fails with CANCELLED.
 */
import type { ClientDuplexStream, ClientReadableStream, ClientUnaryCall, ClientWritableStream, ServiceError } from './call';
import type { CallOptions, Client, UnaryCallback } from './client';
import { Metadata } from './metadata';

/** Call options plus an AbortSignal that cancels the call. */
export interface PromiseCallOptions extends CallOptions {
  signal?: AbortSignal;
}

type MessageSource<T> = Iterable<T> | AsyncIterable<T>;

// Request and response types, read from the last (full) overload of a generated method. An untyped method
// (a `Function`) falls back to `any`.
type UnaryRequestOf<M> = M extends (request: infer Q, metadata: Metadata, options: CallOptions,
  callback: UnaryCallback<any>) => ClientUnaryCall ? Q : any;
type UnaryResponseOf<M> = M extends (request: any, metadata: Metadata, options: CallOptions,
  callback: UnaryCallback<infer R>) => ClientUnaryCall ? R : any;
type ClientStreamTypesOf<M> = M extends (metadata: Metadata, options: CallOptions,
  callback: UnaryCallback<infer R>) => ClientWritableStream<infer Q> ? [Q, R] : [any, any];
type ServerStreamTypesOf<M> = M extends (request: infer Q, metadata?: Metadata, options?: CallOptions) =>
  ClientReadableStream<infer R> ? [Q, R] : [any, any];
type BidiStreamTypesOf<M> = M extends (metadata?: Metadata, options?: CallOptions) =>
  ClientDuplexStream<infer Q, infer R> ? [Q, R] : [any, any];

type MethodName<C> = { [K in keyof C]: C[K] extends Function ? K : never }[keyof C] & string;

function resolveMethod(client: Client, name: string): (...args: any[]) => any {
  const method = (client as unknown as Record<string, unknown>)[name];
  if (typeof method !== 'function') {
    throw new TypeError(`The client has no method "${name}"`);
  }
  return method as (...args: any[]) => any;
}

/** Splits off the signal, which is not a grpc-js call option. */
function splitOptions(options: PromiseCallOptions): { callOptions: CallOptions; signal?: AbortSignal } {
  const { signal, ...callOptions } = options;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError('options.signal must be an AbortSignal');
  }
  return { callOptions, signal };
}

/** Cancels `call` when `signal` aborts, until the call's status arrives. */
function cancelOnAbort(call: ClientUnaryCall, signal: AbortSignal | undefined): void {
  if (signal === undefined) {
    return;
  }
  if (signal.aborted) {
    call.cancel();
    return;
  }
  const onAbort = () => call.cancel();
  signal.addEventListener('abort', onAbort, { once: true });
  call.once('status', () => signal.removeEventListener('abort', onAbort));
}

/**
 * Cancels a streaming call whose reader went away early (a `for await` loop that broke out destroys the stream),
 * so that the server stops sending. The call's final `error` event then has no reader, so a no-op listener
 * takes it instead of the process's uncaught-exception handler.
 */
function cancelWhenAbandoned(call: ClientReadableStream<unknown>): void {
  let receivedStatus = false;
  call.once('status', () => {
    receivedStatus = true;
  });
  call.once('close', () => {
    if (!receivedStatus) {
      call.on('error', () => {});
      call.cancel();
    }
  });
}

/**
 * Writes each message of `source` to `stream`, waiting for `drain` whenever `write` returns false, then ends it.
 * Reading from `source` stops once the call has ended, so an endless source does not outlive its call. When the
 * source throws, the call is cancelled and the stream is destroyed with that error.
 */
async function feed<T>(stream: ClientWritableStream<T>, source: MessageSource<T>): Promise<void> {
  let callEnded = false;
  stream.once('status', () => {
    callEnded = true;
  });
  const writable = () => !callEnded && !stream.destroyed && !stream.writableEnded;

  try {
    for await (const message of source) {
      if (!writable()) {
        return;
      }
      if (!stream.write(message)) {
        await new Promise<void>((resolve) => {
          const done = () => {
            stream.off('drain', done);
            stream.off('close', done);
            stream.off('status', done);
            resolve();
          };
          stream.on('drain', done);
          stream.on('close', done);
          stream.on('status', done);
        });
      }
    }
    if (writable()) {
      stream.end();
    }
  } catch (error) {
    stream.cancel();
    stream.destroy(error as Error);
  }
}

function checkSource(source: unknown): void {
  const isIterable = typeof source === 'object' && source !== null &&
    (Symbol.iterator in source || Symbol.asyncIterator in source);
  if (!isIterable) {
    throw new TypeError('requests must be an iterable or an async iterable of request messages');
  }
}

/** Makes a unary call and returns a promise of its response; the promise rejects with a {@link ServiceError}. */
export function unaryCall<C extends Client, K extends MethodName<C>>(
  client: C,
  method: K,
  request: UnaryRequestOf<C[K]>,
  metadata: Metadata = new Metadata(),
  options: PromiseCallOptions = {},
): Promise<UnaryResponseOf<C[K]>> {
  const invoke = resolveMethod(client, method);
  const { callOptions, signal } = splitOptions(options);
  return new Promise((resolve, reject) => {
    const call: ClientUnaryCall = invoke.call(client, request, metadata, callOptions,
      (error: ServiceError | null, response?: UnaryResponseOf<C[K]>) => {
        if (error) {
          reject(error);
        } else {
          resolve(response as UnaryResponseOf<C[K]>);
        }
      });
    cancelOnAbort(call, signal);
  });
}

/**
 * Makes a client-streaming call whose requests come from `requests` (an iterable or async iterable), and returns
 * a promise of the response. A `requests` iterator that throws cancels the call.
 */
export function clientStreamCall<C extends Client, K extends MethodName<C>>(
  client: C,
  method: K,
  requests: MessageSource<ClientStreamTypesOf<C[K]>[0]>,
  metadata: Metadata = new Metadata(),
  options: PromiseCallOptions = {},
): Promise<ClientStreamTypesOf<C[K]>[1]> {
  checkSource(requests);
  const invoke = resolveMethod(client, method);
  const { callOptions, signal } = splitOptions(options);
  return new Promise((resolve, reject) => {
    let sourceError: Error | undefined;
    const call: ClientWritableStream<ClientStreamTypesOf<C[K]>[0]> = invoke.call(client, metadata, callOptions,
      (error: ServiceError | null, response?: ClientStreamTypesOf<C[K]>[1]) => {
        if (error) {
          reject(sourceError ?? error);
        } else {
          resolve(response);
        }
      });
    // Destroying the stream emits this error; the promise reports it instead of the resulting CANCELLED status.
    call.on('error', (error) => {
      sourceError = error;
    });
    cancelOnAbort(call, signal);
    void feed(call, requests);
  });
}

/**
 * Makes a server-streaming call and returns its call object, to be read with `for await`. The same as calling
 * the method, plus the `signal` option.
 */
export function serverStreamCall<C extends Client, K extends MethodName<C>>(
  client: C,
  method: K,
  request: ServerStreamTypesOf<C[K]>[0],
  metadata: Metadata = new Metadata(),
  options: PromiseCallOptions = {},
): ClientReadableStream<ServerStreamTypesOf<C[K]>[1]> {
  const invoke = resolveMethod(client, method);
  const { callOptions, signal } = splitOptions(options);
  const call: ClientReadableStream<ServerStreamTypesOf<C[K]>[1]> = invoke.call(client, request, metadata,
    callOptions);
  cancelOnAbort(call, signal);
  cancelWhenAbandoned(call);
  return call;
}

/**
 * Makes a bidirectional-streaming call whose requests come from `requests`, and returns its call object, to be
 * read with `for await`. The call is half-closed when `requests` ends; a `requests` iterator that throws cancels
 * the call, and reading then throws that error.
 */
export function bidiStreamCall<C extends Client, K extends MethodName<C>>(
  client: C,
  method: K,
  requests: MessageSource<BidiStreamTypesOf<C[K]>[0]>,
  metadata: Metadata = new Metadata(),
  options: PromiseCallOptions = {},
): ClientDuplexStream<BidiStreamTypesOf<C[K]>[0], BidiStreamTypesOf<C[K]>[1]> {
  checkSource(requests);
  const invoke = resolveMethod(client, method);
  const { callOptions, signal } = splitOptions(options);
  const call: ClientDuplexStream<BidiStreamTypesOf<C[K]>[0], BidiStreamTypesOf<C[K]>[1]> = invoke.call(client,
    metadata, callOptions);
  cancelOnAbort(call, signal);
  cancelWhenAbandoned(call);
  void feed(call, requests);
  return call;
}
