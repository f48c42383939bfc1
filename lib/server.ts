/**
 * The gRPC server, with grpc-js 1.14's `Server` API on C-core.
 *
 * Each successful `bindAsync` creates, binds and starts its own C-core server, because C-core cannot add a port
 * to a server that is already serving, while grpc-js serves each port as soon as its bind completes. All of them
 * share this object's handlers and interceptors, and each accepts calls with a loop of `requestCall`. One C-core
 * server per port also gives `unbind` its grpc-js meaning: that port stops listening and its calls run to the end.
 */
import * as util from 'util';
import { LogVerbosity, Status } from './constants';
import { channelOptionsToNative } from './channel-options';
import type { ChannelOptions } from './channel-options';
import { log, trace } from './logging';
import { metadataFromNative } from './metadata';
import { binding } from './native';
import { describe } from './pem';
import type { NativeCall, NativeChannelArgs, NativeServer, NativeServerCallInfo } from './native';
import type { Deserialize, Serialize, ServerMethodDefinition, ServiceDefinition } from './make-client';
import { runHandler } from './server-call';
import type { HandleCall, Handler, HandlerRunOptions, HandlerType } from './server-call';
import { ServerCredentials } from './server-credentials';
import { BaseServerInterceptingCall, removeTransportHeaders } from './server-interceptors';
import type { ServerCallSettings, ServerInterceptingCallInterface, ServerInterceptor } from './server-interceptors';

export type UntypedHandleCall = HandleCall<any, any>;

export interface UntypedServiceImplementation {
  [name: string]: UntypedHandleCall;
}

export interface ServerOptions extends ChannelOptions {
  /** Interceptors of every call; the last one in the list is the outermost, nearest the handler. */
  interceptors?: ServerInterceptor[];
  /**
   * How many requests for incoming calls each bound port keeps outstanding in C-core, from 1 to 65536; 64 by
   * default. grpc-native only: grpc-js has no such option.
   */
  'grpc-native.outstanding_request_calls'?: number;
}

/** grpc-js's interface for serving connections that the application accepted itself; not supported here. */
export interface ConnectionInjector {
  injectConnection(connection: import('stream').Duplex): void;
  drain(graceTimeMs: number): void;
  destroy(): void;
}

const TRACER_NAME = 'server';

const HANDLER_TYPES: ReadonlySet<string> = new Set(['unary', 'clientStream', 'serverStream', 'bidi']);

/**
 * The server option that sets how many requests for incoming calls (`grpc_server_request_call`) each bound port
 * keeps outstanding. C-core hands an arriving call to an outstanding request at once. A call that finds none waits
 * in C-core until JavaScript has run the completion of an earlier request and asked again, so a burst of calls
 * would otherwise be accepted one per round trip through the completion pump.
 */
export const OUTSTANDING_REQUEST_CALLS_OPTION = 'grpc-native.outstanding_request_calls';

// The default of OUTSTANDING_REQUEST_CALLS_OPTION. Each outstanding request costs a few hundred bytes in C-core
// and the addon (an estimate from the structures involved). With `bench/run.js --quick` at concurrency 64 on a
// shared 2-CPU machine, the server's context switches per call were 10.6 with 1 request, 7.7 with 8, 5.5 with 64
// and 6.3 with 256, so more than 64 bought nothing.
const DEFAULT_OUTSTANDING_REQUEST_CALLS = 64;

const MAX_OUTSTANDING_REQUEST_CALLS = 65536;

/** One bound address and the C-core server that listens on it. */
interface BoundPort {
  /** The address with its final port, as `bindAsync` and `unbind` look it up. */
  key: string;
  portNumber: number;
  credentials: ServerCredentials;
  native: NativeServer;
  /** Set once its shutdown started; each callback runs when every call on it ended. */
  shutdownCallbacks: Array<() => void> | null;
  /** Set once its shutdown completed. */
  closed: boolean;
  /** Set by forceShutdown: calls that arrive afterwards are cancelled at once. */
  forced: boolean;
  /** The calls that handlers are serving, so that forceShutdown can end each with a status. */
  activeCalls: Set<NativeCall>;
}

function traceServer(text: string): void {
  trace(LogVerbosity.DEBUG, TRACER_NAME, text);
}

function handlerTypeOf(method: ServerMethodDefinition<any, any>): HandlerType {
  if (method.requestStream) {
    return method.responseStream ? 'bidi' : 'clientStream';
  }
  return method.responseStream ? 'serverStream' : 'unary';
}

function unimplementedDetails(path: string): string {
  return `Method ${path} is not implemented by this server`;
}

// The handler of a method that a service definition lists and its implementation lacks.
function unimplementedHandler(type: HandlerType, path: string): UntypedHandleCall {
  const status = { code: Status.UNIMPLEMENTED, details: unimplementedDetails(path) };
  if (type === 'unary' || type === 'clientStream') {
    return (call: unknown, callback: (error: typeof status) => void) => callback(status);
  }
  return (call: { emit(event: 'error', error: typeof status): void }) => call.emit('error', status);
}

/**
 * Parses a grpc-js port string into the address C-core binds, and the requested port number (null for Unix
 * sockets). The forms are those of grpc-js: `host:port`, `[ipv6]:port`, `unix:path`, `unix:///absolute/path`,
 * `unix-abstract:name`, and `host:port` after the resolver prefixes `dns:`, `dns:///`, `ipv4:` or `ipv6:`.
 */
export function parseBindAddress(port: string): { address: string; portNumber: number | null } {
  if (port.startsWith('unix:') || port.startsWith('unix-abstract:')) {
    if (port.endsWith(':')) {
      throw new Error(`Invalid port "${port}": the socket path is empty`);
    }
    return { address: port, portNumber: null };
  }
  let hostPort = port;
  for (const prefix of ['dns:///', 'dns:', 'ipv4:', 'ipv6:']) {
    if (hostPort.startsWith(prefix)) {
      hostPort = hostPort.substring(prefix.length);
      break;
    }
  }
  const match = /^(\[[^\]]*\]|[^:[\]]*):(\d+)$/.exec(hostPort);
  if (match === null) {
    throw new Error(`Invalid port "${port}": expected host:port, [ipv6]:port, unix:path or unix-abstract:name`);
  }
  const portNumber = Number(match[2]);
  if (portNumber > 65535) {
    throw new Error(`Invalid port "${port}": the port number must be at most 65535`);
  }
  return { address: `${match[1]}:${portNumber}`, portNumber };
}

export class Server {
  private readonly handlers = new Map<string, Handler<any, any>>();
  /** Ports in service, by address, for `bindAsync` of an address already bound and for `unbind`. */
  private readonly boundPorts = new Map<string, BoundPort>();
  /** Every C-core server whose shutdown has not completed, including unbound ones whose calls still run. */
  private readonly liveServers = new Set<BoundPort>();
  private readonly interceptors: ServerInterceptor[];
  private readonly nativeArgs: NativeChannelArgs;
  private readonly callSettings: ServerCallSettings;
  private readonly runOptions: HandlerRunOptions;
  private readonly outstandingRequestCalls: number;
  private started = false;
  private shutdown = false;

  constructor(options?: ServerOptions) {
    if (options !== undefined && (options === null || typeof options !== 'object')) {
      throw new TypeError('Server: options must be an object');
    }
    const { interceptors, ...channelOptions } = options ?? {};
    if (interceptors !== undefined &&
      (!Array.isArray(interceptors) || interceptors.some(interceptor => typeof interceptor !== 'function'))) {
      throw new TypeError('Server: options.interceptors must be an array of functions');
    }
    this.interceptors = interceptors ?? [];
    this.outstandingRequestCalls = outstandingRequestCallsOf(channelOptions);
    delete (channelOptions as Record<string, unknown>)[OUTSTANDING_REQUEST_CALLS_OPTION];
    // C-core turns SO_REUSEPORT on by default, which lets a second server bind a port in use and take half of its
    // calls. grpc-js (Node's net) reports EADDRINUSE instead, so it is off unless the options ask for it.
    this.nativeArgs = channelOptionsToNative({ 'grpc.so_reuseport': 0, ...channelOptions });
    // A handler's thrown message reaches the client unless GRPC_NODE_DEBUG_SEND_ERROR_DETAILS is `false`. grpc-js
    // 1.14 hides it by default; this package shows it, so that a failing handler says why.
    const sendErrorDetails = process.env.GRPC_NODE_DEBUG_SEND_ERROR_DETAILS !== 'false';
    this.callSettings = {
      maxSendMessageSize: channelOptions['grpc.max_send_message_length'] ?? -1,
      sendErrorDetails,
      sendMetrics: Boolean(channelOptions['grpc.server_call_metric_recording']),
    };
    this.runOptions = { sendErrorDetails };
    traceServer('Server constructed');
  }

  addProtoService(): never {
    throw new Error('Server.addProtoService is not available. Use addService() instead');
  }

  /**
   * Registers a handler for each method of `service`, taken from `implementation` by method name (or by the
   * method's `originalName`). Calls to a method the implementation lacks end with UNIMPLEMENTED.
   */
  addService(service: ServiceDefinition, implementation: UntypedServiceImplementation): void {
    if (service === null || typeof service !== 'object' || implementation === null ||
      typeof implementation !== 'object') {
      throw new Error('addService: service and implementation must both be objects');
    }
    const names = Object.keys(service);
    if (names.length === 0) {
      throw new Error('addService: the service definition has no methods');
    }
    for (const name of names) {
      const method = (service as Record<string, ServerMethodDefinition<any, any>>)[name];
      const type = handlerTypeOf(method);
      let func: unknown = implementation[name];
      if (func === undefined && typeof method.originalName === 'string') {
        func = implementation[method.originalName];
      }
      if (func !== undefined && typeof func !== 'function') {
        throw new TypeError(`addService: the implementation of ${name} must be a function`);
      }
      const handler = typeof func === 'function'
        ? (func as UntypedHandleCall).bind(implementation)
        : unimplementedHandler(type, method.path);
      if (!this.register(method.path, handler, method.responseSerialize, method.requestDeserialize, type)) {
        throw new Error(`addService: a handler for ${method.path} is already registered`);
      }
    }
  }

  /** Unregisters every method of `service`. */
  removeService(service: ServiceDefinition): void {
    if (service === null || typeof service !== 'object') {
      throw new Error('removeService: service must be an object');
    }
    for (const method of Object.values(service as Record<string, ServerMethodDefinition<any, any>>)) {
      this.unregister(method.path);
    }
  }

  /** Registers one method; returns false when `name` already has a handler. */
  register<RequestType, ResponseType>(
    name: string,
    handler: HandleCall<RequestType, ResponseType>,
    serialize: Serialize<ResponseType>,
    deserialize: Deserialize<RequestType>,
    type: string,
  ): boolean {
    if (typeof name !== 'string') {
      throw new TypeError('register: name must be a method path string such as /package.Service/Method');
    }
    if (typeof handler !== 'function') {
      throw new TypeError(`register: the handler of ${name} must be a function`);
    }
    if (typeof serialize !== 'function' || typeof deserialize !== 'function') {
      throw new TypeError(`register: the serialize and deserialize functions of ${name} are missing`);
    }
    if (!HANDLER_TYPES.has(type)) {
      throw new TypeError(`register: type of ${name} must be unary, clientStream, serverStream or bidi, got ${type}`);
    }
    if (this.handlers.has(name)) {
      return false;
    }
    this.handlers.set(name, { func: handler, serialize, deserialize, type: type as HandlerType, path: name });
    return true;
  }

  /** Removes the handler of `name`; returns whether there was one. */
  unregister(name: string): boolean {
    return this.handlers.delete(name);
  }

  bind(port: string, creds: ServerCredentials): never {
    throw new Error('Server.bind is not available. Use bindAsync() instead');
  }

  addHttp2Port(): never {
    throw new Error('Server.addHttp2Port is not available. Use bindAsync() instead');
  }

  /**
   * Binds `port` and starts serving it. The callback gets the bound port number (the chosen one for port 0, and 1
   * for Unix sockets), or an Error when the address cannot be bound. Binding an address this server already
   * serves returns its port again.
   *
   * NOTE: C-core resolves a host name while binding, on the calling thread; bind IP addresses or `localhost`.
   */
  bindAsync(port: string, creds: ServerCredentials, callback: (error: Error | null, port: number) => void): void {
    if (this.shutdown) {
      throw new Error('bindAsync called after shutdown');
    }
    if (typeof port !== 'string') {
      throw new TypeError('bindAsync: port must be a string');
    }
    if (creds === null || !(creds instanceof ServerCredentials)) {
      throw new TypeError('bindAsync: creds must be a ServerCredentials object');
    }
    if (typeof callback !== 'function') {
      throw new TypeError('bindAsync: callback must be a function');
    }
    traceServer(`bindAsync port=${port}`);
    const { address, portNumber } = parseBindAddress(port);
    const answer = (error: Error | null, boundPort: number) => process.nextTick(() => callback(error, boundPort));

    const existing = this.boundPorts.get(address);
    if (existing !== undefined) {
      if (!sameCredentials(existing.credentials, creds)) {
        answer(new Error(`${port} is already bound with different credentials`), 0);
      } else {
        answer(null, existing.portNumber);
      }
      return;
    }

    let bound: BoundPort;
    try {
      bound = this.bindNative(address, creds);
    } catch (error) {
      traceServer(`Failed to bind ${address}: ${(error as Error).message}`);
      answer(new Error(`Failed to bind port "${port}": ${(error as Error).message}. C-core found the address ` +
        'invalid or already in use; its log has the reason'), 0);
      return;
    }
    // Port 0 is keyed by the port C-core chose, as in grpc-js, so the same string binds a new port each time.
    if (portNumber === 0) {
      bound.key = address.replace(/:0$/, `:${bound.portNumber}`);
    }
    this.boundPorts.set(bound.key, bound);
    traceServer(`Successfully bound ${bound.key}`);
    answer(null, bound.portNumber);
  }

  /**
   * Stops listening on a port that `bindAsync` bound; its calls in progress run to the end. For port 0, pass the
   * port number that `bindAsync` returned.
   */
  unbind(port: string): void {
    if (typeof port !== 'string') {
      throw new TypeError(`unbind: port must be a string, got ${describe(port)}`);
    }
    traceServer(`unbind port=${port}`);
    const { address, portNumber } = parseBindAddress(port);
    if (portNumber === 0) {
      throw new Error('Cannot unbind port 0: pass the port number that bindAsync returned');
    }
    const bound = this.boundPorts.get(address);
    if (bound === undefined) {
      return;
    }
    this.boundPorts.delete(address);
    this.shutdownPort(bound, () => {});
  }

  /**
   * grpc-js closes the connections of one port gracefully while the port keeps listening. C-core has no such
   * operation for a single port, so this throws.
   */
  drain(port: string, graceTimeMs: number): never {
    throw new Error('Server.drain is not supported by grpc-native: C-core cannot close the connections of a port ' +
      'that keeps listening. Use unbind(port), tryShutdown or forceShutdown');
  }

  createConnectionInjector(credentials: ServerCredentials): ConnectionInjector {
    throw new Error('Server.createConnectionInjector is not supported by grpc-native: C-core accepts only ' +
      'connections on the ports it listens on');
  }

  /**
   * Checks that the server is bound; serving itself starts when `bindAsync` calls back, as in grpc-js 1.10 and
   * later. Throws when no port is bound or when called twice.
   */
  start(): void {
    if (this.boundPorts.size === 0) {
      throw new Error('Server.start: the server must be bound first; call bindAsync and wait for its callback');
    }
    if (this.started) {
      throw new Error('Server.start: the server is already started');
    }
    this.started = true;
  }

  /**
   * Stops listening on every port and calls back once every call in progress has ended. New calls are rejected
   * meanwhile. The callback never gets an error.
   */
  tryShutdown(callback: (error?: Error) => void): void {
    if (typeof callback !== 'function') {
      throw new TypeError(`tryShutdown: callback must be a function, got ${describe(callback)}`);
    }
    traceServer('tryShutdown');
    this.shutdown = true;
    this.boundPorts.clear();
    const servers = [...this.liveServers];
    let pending = servers.length;
    if (pending === 0) {
      process.nextTick(() => callback());
      return;
    }
    for (const server of servers) {
      this.shutdownPort(server, () => {
        pending -= 1;
        if (pending === 0) {
          callback();
        }
      });
    }
  }

  /** Stops listening on every port and cancels every call in progress; clients see UNAVAILABLE. */
  forceShutdown(): void {
    traceServer('forceShutdown');
    this.shutdown = true;
    this.boundPorts.clear();
    for (const server of [...this.liveServers]) {
      server.forced = true;
      this.shutdownPort(server, () => {});
      // Cancelling each call with a status, rather than with C-core's cancelAllCalls, sends the clients that
      // status: cancelAllCalls drops the connections, which grpc-js clients report as INTERNAL.
      for (const call of server.activeCalls) {
        cancelForShutdown(call);
      }
    }
  }

  private bindNative(address: string, creds: ServerCredentials): BoundPort {
    const native = new binding.Server(this.nativeArgs);
    const portNumber = native.addPort(address, creds._getNative());
    native.start();
    const bound: BoundPort = {
      key: address,
      portNumber,
      credentials: creds,
      native,
      shutdownCallbacks: null,
      closed: false,
      forced: false,
      activeCalls: new Set(),
    };
    this.liveServers.add(bound);
    for (let i = 0; i < this.outstandingRequestCalls; i++) {
      this.requestNextCall(bound);
    }
    return bound;
  }

  // Starts the shutdown of one C-core server, or joins the one in progress.
  private shutdownPort(bound: BoundPort, callback: () => void): void {
    if (bound.closed) {
      process.nextTick(callback);
      return;
    }
    if (bound.shutdownCallbacks !== null) {
      bound.shutdownCallbacks.push(callback);
      return;
    }
    bound.shutdownCallbacks = [callback];
    traceServer(`Shutting down the listener of ${bound.key}`);
    bound.native.shutdown(() => {
      traceServer(`The listener of ${bound.key} finished shutting down`);
      bound.closed = true;
      this.liveServers.delete(bound);
      const callbacks = bound.shutdownCallbacks ?? [];
      bound.shutdownCallbacks = [];
      for (const done of callbacks) {
        done();
      }
    });
  }

  // Asks C-core for one incoming call, and for another each time one arrives, until the C-core server shuts down.
  // Shutdown completes every outstanding request with null.
  private requestNextCall(bound: BoundPort): void {
    bound.native.requestCall(info => {
      if (info === null) {
        return;
      }
      if (bound.shutdownCallbacks === null) {
        this.requestNextCall(bound);
      }
      if (bound.forced) {
        cancelForShutdown(info.call);
        return;
      }
      bound.activeCalls.add(info.call);
      this.handleCall(info, () => bound.activeCalls.delete(info.call));
    });
  }

  private handleCall(info: NativeServerCallInfo, onClose: () => void): void {
    traceServer(`Received call to method ${info.method}`);
    const handler = this.handlers.get(info.method);
    if (handler === undefined) {
      traceServer(`No handler registered for method ${info.method}. Sending UNIMPLEMENTED status.`);
      info.call.startBatch({
        sendInitialMetadata: [],
        sendStatusFromServer: { code: Status.UNIMPLEMENTED, details: unimplementedDetails(info.method), metadata: [] },
        recvCloseOnServer: true,
      }, onClose);
      return;
    }

    const metadata = removeTransportHeaders(metadataFromNative(info.metadata));
    const baseCall = new BaseServerInterceptingCall(
      { call: info.call, host: info.host, deadline: info.deadline, metadata, onClose },
      handler,
      this.callSettings,
    );
    const methodDefinition: ServerMethodDefinition<any, any> = {
      path: handler.path,
      requestStream: handler.type === 'clientStream' || handler.type === 'bidi',
      responseStream: handler.type === 'serverStream' || handler.type === 'bidi',
      requestDeserialize: handler.deserialize,
      responseSerialize: handler.serialize,
    };
    let call: ServerInterceptingCallInterface = baseCall;
    try {
      for (const interceptor of this.interceptors) {
        call = interceptor(methodDefinition, call);
      }
    } catch (error) {
      log(LogVerbosity.ERROR, `A server interceptor threw for ${handler.path}: ${(error as Error)?.message}`);
      baseCall.sendStatus({ code: Status.INTERNAL, details: 'A server interceptor failed' });
      return;
    }
    runHandler(call, handler, this.runOptions);
  }
}

// Reads and checks OUTSTANDING_REQUEST_CALLS_OPTION.
function outstandingRequestCallsOf(options: ChannelOptions): number {
  const value: unknown = options[OUTSTANDING_REQUEST_CALLS_OPTION];
  if (value === undefined) {
    return DEFAULT_OUTSTANDING_REQUEST_CALLS;
  }
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_OUTSTANDING_REQUEST_CALLS) {
    throw new TypeError(`Server: option ${OUTSTANDING_REQUEST_CALLS_OPTION} must be an integer from 1 to ` +
      `${MAX_OUTSTANDING_REQUEST_CALLS}, got ${typeof value === 'number' ? value : describe(value)}`);
  }
  return value;
}

function cancelForShutdown(call: NativeCall): void {
  call.cancelWithStatus(Status.UNAVAILABLE, 'The server was shut down');
}

// Credentials are the same when they are one object, when their class has `_equals` and it returns true, or
// when both are insecure credentials of one class, as all insecure credentials are equal in grpc-js.
function sameCredentials(a: ServerCredentials, b: ServerCredentials): boolean {
  const comparable = a as ServerCredentials & { _equals?: (other: ServerCredentials) => boolean };
  if (a === b) {
    return true;
  }
  if (typeof comparable._equals === 'function') {
    return comparable._equals(b);
  }
  return a.constructor === b.constructor && !a._isSecure() && !b._isSecure();
}

Server.prototype.start = util.deprecate(Server.prototype.start,
  'Server.start() is no longer needed: a server serves each port as soon as bindAsync calls back');
