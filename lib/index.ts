/**
 * The public API of grpc-native: the names and shapes that @grpc/grpc-js 1.14 exports, so that code written for
 * grpc-js runs unchanged when `@grpc/grpc-js` resolves to this package. Additions of our own (promise helpers)
 * are marked as such.
 */
import { CallCredentials, compositeCallCredentials } from './call-credentials';
import { ChannelCredentials, compositeChannelCredentials } from './channel-credentials';
import { Client } from './client';
import { LogVerbosity } from './constants';
import type { Deadline } from './deadline';
import * as logging from './logging';

// ---- Credentials (owner: security) ----

/** Factories of channel and call credentials, as grpc-js's `credentials` object. */
export const credentials = {
  combineChannelCredentials: (channelCredentials: ChannelCredentials, ...callCredentials: CallCredentials[]) =>
    compositeChannelCredentials(channelCredentials, ...callCredentials),
  combineCallCredentials: (first: CallCredentials, ...additional: CallCredentials[]) =>
    compositeCallCredentials(first, ...additional),
  createInsecure: ChannelCredentials.createInsecure,
  createSsl: ChannelCredentials.createSsl,
  createFromSecureContext: ChannelCredentials.createFromSecureContext,
  createFromMetadataGenerator: CallCredentials.createFromMetadataGenerator,
  createFromGoogleCredential: CallCredentials.createFromGoogleCredential,
  createEmpty: CallCredentials.createEmpty,
};

export { ChannelCredentials, CallCredentials };
export type { AuthContext } from './auth-context';
export { CallAuthContext } from './auth-context';
export type { VerifyOptions, CheckServerIdentityCallback } from './channel-credentials';
export type { OAuth2Client, CallMetadataGenerator, CallMetadataOptions } from './call-credentials';

// grpcio's credentials factories, in camelCase (grpc-native only, not in grpc-js).
export {
  LocalConnectionType,
  sslChannelCredentials,
  fileWatcherChannelCredentials,
  localChannelCredentials,
  altsChannelCredentials,
  xdsChannelCredentials,
  computeEngineChannelCredentials,
  compositeChannelCredentials,
  insecureChannelCredentials,
} from './channel-credentials';
export type {
  SslChannelCredentialsOptions,
  FileWatcherChannelCredentialsOptions,
  AltsChannelCredentialsOptions,
} from './channel-credentials';
export {
  accessTokenCallCredentials,
  metadataCallCredentials,
  compositeCallCredentials,
  computeEngineCallCredentials,
} from './call-credentials';
export type {
  AuthMetadataContext,
  AuthMetadataPlugin,
  AuthMetadataPluginCallback,
  PluginMetadata,
} from './call-credentials';
export {
  ClientCertificateRequest,
  DynamicSslServerCredentials,
  ServerCertificateConfiguration,
  sslServerCredentials,
  sslServerCertificateConfiguration,
  dynamicSslServerCredentials,
  fileWatcherServerCredentials,
  insecureServerCredentials,
  localServerCredentials,
  altsServerCredentials,
  xdsServerCredentials,
} from './server-credentials';
export type {
  KeyCertPair,
  PrivateKeyCertificateChainPair,
  ServerKeyCertPair,
  SslServerCredentialsOptions,
  FileWatcherServerCredentialsOptions,
  AltsServerCredentialsOptions,
  CertificateConfigurationFetcher,
  AuthMetadataProcessor,
  AuthMetadataProcessingResult,
} from './server-credentials';

// ---- Metadata and constants ----

export { Metadata } from './metadata';
export type { MetadataOptions, MetadataValue } from './metadata';
export {
  LogVerbosity as logVerbosity,
  Status as status,
  ConnectivityState as connectivityState,
  Propagate as propagate,
  CompressionAlgorithms as compressionAlgorithms,
} from './constants';
export type { Deadline };

// ---- Client ----

export { Client };
export type {
  CallOptions,
  CallProperties,
  CallInvocationTransformer,
  ClientOptions,
  UnaryCallback as requestCallback,
} from './client';
export { Channel } from './channel';
export type { Channel as ChannelInterface } from './channel';
export type { ChannelOptions } from './channel-options';
export {
  loadPackageDefinition,
  makeClientConstructor,
  makeClientConstructor as makeGenericClientConstructor,
} from './make-client';
export type {
  Serialize as serialize,
  Deserialize as deserialize,
  MethodDefinition,
  ServerMethodDefinition,
  ServiceDefinition,
  GrpcObject,
  ServiceClientConstructor,
  ProtobufTypeDefinition,
} from './make-client';
export type {
  ClientUnaryCall,
  ClientReadableStream,
  ClientWritableStream,
  ClientDuplexStream,
  ServiceError,
} from './call';
export type { StatusObject } from './call-interface';
export { StatusBuilder } from './status-builder';

import type { ClientDuplexStream, ClientReadableStream, ClientUnaryCall, ClientWritableStream } from './call';
/** Any client call object. */
export type Call =
  | ClientUnaryCall
  | ClientReadableStream<any>
  | ClientWritableStream<any>
  | ClientDuplexStream<any, any>;

/** Closes the client's channel. */
export const closeClient = (client: Client): void => client.close();

/** Calls back once the client's channel is READY, or with an error when `deadline` passes first. */
export const waitForClientReady = (
  client: Client,
  deadline: Deadline,
  callback: (error?: Error) => void,
): void => client.waitForReady(deadline, callback);

/** Returns the channel of any client, also one whose class has a method named `getChannel`. */
export const getClientChannel = (client: Client) => Client.prototype.getChannel.call(client);

// ---- Client interceptors ----

export {
  ListenerBuilder,
  RequesterBuilder,
  InterceptingCall,
  InterceptorConfigurationError,
} from './client-interceptors';
export type {
  Listener,
  InterceptingListener,
  Requester,
  Interceptor,
  InterceptorOptions,
  InterceptorProvider,
  NextCall,
} from './client-interceptors';

// ---- Promise and async-iterator helpers (grpc-native only, not in grpc-js) ----

export { unaryCall, clientStreamCall, serverStreamCall, bidiStreamCall } from './promises';
export type { PromiseCallOptions } from './promises';

// ---- Server (owner: server module) ----

export { ServerCredentials } from './server-credentials';
export { Server } from './server';
export type { ServerOptions, ConnectionInjector, UntypedHandleCall, UntypedServiceImplementation } from './server';
export type {
  sendUnaryData,
  ServerUnaryCall,
  ServerReadableStream,
  ServerWritableStream,
  ServerDuplexStream,
  ServerErrorResponse,
  handleUnaryCall,
  handleClientStreamingCall,
  handleServerStreamingCall,
  handleBidiStreamingCall,
} from './server-call';
export { ServerListenerBuilder, ResponderBuilder, ServerInterceptingCall } from './server-interceptors';
export type {
  ServerListener,
  FullServerListener,
  Responder,
  FullResponder,
  ServerInterceptingCallInterface,
  ServerInterceptor,
} from './server-interceptors';

// ---- Logging ----

export const setLogger = (logger: Partial<Console>): void => logging.setLogger(logger);
export const setLogVerbosity = (verbosity: LogVerbosity): void => logging.setLogVerbosity(verbosity);

/** The tracer, as grpc-js's `experimental` namespace offers it to companion packages. */
export const experimental = {
  trace: logging.trace,
  log: logging.log,
  isTracerEnabled: logging.isTracerEnabled,
};

// ---- Removed APIs of the old `grpc` package, which grpc-js keeps as throwing stubs ----

const LOAD_REMOVED = 'Not available in this library. Use @grpc/proto-loader and loadPackageDefinition instead';

export const loadObject = (_value: any, _options: any): never => {
  throw new Error(LOAD_REMOVED);
};

export const load = (_filename: any, _format: any, _options: any): never => {
  throw new Error(LOAD_REMOVED);
};
