/**
 * The types of the native addon's security functions: credentials factories, the hooks that run JavaScript for
 * C-core (metadata plugins, server identity checks, certificate config fetchers, auth metadata processors) and
 * auth contexts. They live on the same binding object that `native.ts` types; this module only adds their types.
 *
 * Conventions, besides those of `native.ts`:
 * - PEM data crosses as strings. TypeScript validates it first (see `pem.ts`); the native side checks only types.
 * - A hook that C-core calls gets a `done` callback as its last argument. The first call of `done` completes C-core's
 *   request, and later calls are ignored. A `done` that is collected without having been called fails the request.
 */
import {
  binding,
  NativeCall,
  NativeCallCredentials,
  NativeChannelCredentials,
  NativeMetadata,
  NativeServerCredentials,
} from './native';

/** C-core's `grpc_local_connect_type`. */
export enum NativeLocalConnectType {
  UDS = 0,
  LOCAL_TCP = 1,
}

/** C-core's `grpc_security_level`: the least a connection needs for call credentials to be sent on it. */
export enum NativeSecurityLevel {
  NONE = 0,
  INTEGRITY_ONLY = 1,
  PRIVACY_AND_INTEGRITY = 2,
}

export interface NativeKeyCertPair {
  privateKey: string;
  certificateChain: string;
}

/** The source of certificates for C-core's TLS credentials options: fixed data, or files that C-core re-reads. */
export type NativeCertificateSource =
  | { kind: 'static'; rootCertificates?: string; privateKey?: string; certificateChain?: string }
  | {
    kind: 'files';
    rootCertificatesPath?: string;
    privateKeyPath?: string;
    certificateChainPath?: string;
    refreshIntervalSeconds: number;
  };

/**
 * Checks the server of a TLS connection after C-core verified its chain (when it does). Calls `done(null)` to
 * accept or `done(message)` to reject.
 */
export type NativeServerIdentityCheck = (
  targetName: string,
  peerCertificate: string,
  peerCertificateChain: string,
  done: (error: string | null) => void,
) => void;

export interface NativeTlsChannelOptions {
  certificates: NativeCertificateSource;
  /** False skips the verification of the server's certificate chain. */
  verifyServerCertificate: boolean;
  /** Replaces C-core's host name check. Without it, the host name is checked when the chain is. */
  checkServerIdentity: NativeServerIdentityCheck | null;
  /** Checks each call's `:authority` against the server certificate, as C-core does by default. */
  checkCallHost: boolean;
}

/**
 * Produces the metadata of one call. A plugin that has its result at once returns it: the metadata as
 * `[key, value, ...]`, or a message that fails the call. Otherwise it returns a function, which the addon calls
 * right away with `done`; the plugin then calls `done(null, [key, value, ...])` or `done(message)` once. The
 * addon may call the plugin inside `NativeCall.startBatch`, so a plugin must not expect a later turn of the event
 * loop.
 */
export type NativeMetadataPlugin = (serviceUrl: string, methodName: string) => NativeMetadataPluginResult;

export type NativeMetadataPluginResult =
  | NativeMetadata
  | string
  | ((done: (error: string | null, metadata?: NativeMetadata) => void) => void);

/** A call's auth context. `properties` are in C-core's order; a name may repeat. */
export interface NativeAuthContext {
  peerIdentityPropertyName: string | null;
  peerIsAuthenticated: boolean;
  properties: Array<[string, Buffer]>;
}

/**
 * Decides whether a server accepts a call: `done(0, '', consumedKeys)` accepts and removes the metadata keys in
 * `consumedKeys`, any other status code rejects the call with it.
 */
export type NativeAuthMetadataProcessor = (
  authContext: NativeAuthContext,
  metadata: NativeMetadata,
  done: (code: number, details: string, consumedKeys: string[]) => void,
) => void;

/** C-core's `grpc_ssl_client_certificate_request_type`, 0 to 4. */
export type NativeClientCertificateRequest = 0 | 1 | 2 | 3 | 4;

export interface NativeCertificateConfiguration {
  rootCertificates: string | null;
  pairs: NativeKeyCertPair[];
}

/** The shared state of dynamic server certificates; see certificate_config_fetcher.h for the design. */
export interface NativeCertificateConfigFetcher {
  /** Stores the configuration for the handshakes that start from now on. */
  update(configuration: NativeCertificateConfiguration): void;
  /** New C-core credentials for one listening port, sharing this fetcher's configuration. */
  createServerCredentials(
    clientCertificateRequest: NativeClientCertificateRequest,
    processor: NativeAuthMetadataProcessor | undefined,
  ): NativeServerCredentials;
}

export interface NativeSecurityBinding {
  /** The default roots that C-core uses when GRPC_DEFAULT_SSL_ROOTS_FILE_PATH names no readable file. */
  setDefaultRootCertificates(pem: string): void;

  sslChannelCredentials(rootCertificates: string | null, privateKey: string | null,
    certificateChain: string | null): NativeChannelCredentials;
  tlsChannelCredentials(options: NativeTlsChannelOptions): NativeChannelCredentials;
  localChannelCredentials(type: NativeLocalConnectType): NativeChannelCredentials;
  compositeChannelCredentials(channelCredentials: NativeChannelCredentials,
    callCredentials: NativeCallCredentials): NativeChannelCredentials;
  xdsChannelCredentials(fallback: NativeChannelCredentials): NativeChannelCredentials;
  computeEngineChannelCredentials(callCredentials: NativeCallCredentials): NativeChannelCredentials;
  /** Throws when `handshakerServiceAddress` is null and the process is not on Google Cloud. */
  altsChannelCredentials(targetServiceAccounts: string[],
    handshakerServiceAddress: string | null): NativeChannelCredentials;

  accessTokenCallCredentials(token: string): NativeCallCredentials;
  metadataCallCredentials(plugin: NativeMetadataPlugin, name: string,
    minSecurityLevel: NativeSecurityLevel): NativeCallCredentials;
  compositeCallCredentials(first: NativeCallCredentials, second: NativeCallCredentials): NativeCallCredentials;
  computeEngineCallCredentials(): NativeCallCredentials;
  emptyCallCredentials(): NativeCallCredentials;

  sslServerCredentials(rootCertificates: string | null, pairs: NativeKeyCertPair[],
    clientCertificateRequest: NativeClientCertificateRequest,
    processor?: NativeAuthMetadataProcessor): NativeServerCredentials;
  tlsServerCredentials(options: {
    certificates: NativeCertificateSource;
    clientCertificateRequest: NativeClientCertificateRequest;
  }, processor?: NativeAuthMetadataProcessor): NativeServerCredentials;
  localServerCredentials(type: NativeLocalConnectType,
    processor?: NativeAuthMetadataProcessor): NativeServerCredentials;
  xdsServerCredentials(fallback: NativeServerCredentials,
    processor?: NativeAuthMetadataProcessor): NativeServerCredentials;
  altsServerCredentials(handshakerServiceAddress: string | null,
    processor?: NativeAuthMetadataProcessor): NativeServerCredentials;
  insecureServerCredentialsWithProcessor(processor: NativeAuthMetadataProcessor): NativeServerCredentials;
  CertificateConfigFetcher: new (
    initialConfiguration: NativeCertificateConfiguration,
    onFetch: () => void,
  ) => NativeCertificateConfigFetcher;

  /** The call's auth context, or null while a client call has no connection yet. */
  callAuthContext(call: NativeCall): NativeAuthContext | null;
  /** Per-call credentials: client calls only, before their first batch. */
  callSetCredentials(call: NativeCall, credentials: NativeCallCredentials): void;
}

export const securityBinding = binding as unknown as NativeSecurityBinding;

/** Sets per-call credentials on a client call; C-core composes them with the channel's. */
export function callSetCredentials(call: NativeCall, credentials: NativeCallCredentials): void {
  securityBinding.callSetCredentials(call, credentials);
}

/** Returns the call's auth context, or null while a client call has no connection yet. */
export function callAuthContext(call: NativeCall): NativeAuthContext | null {
  return securityBinding.callAuthContext(call);
}
