/**
 * Server credentials: what secures a server's listening ports. grpc-js's `ServerCredentials` class and grpcio's
 * factories (in camelCase) make the same objects.
 */
import { CallAuthContext } from './auth-context';
import { readCertificateFiles, validateRefreshInterval } from './certificate-files';
import { checkHandshakerServiceAddress, checkLocalConnectionType, LocalConnectionType } from './channel-credentials';
import { LogVerbosity, Status } from './constants';
import { log } from './logging';
import { metadataFromNative, type Metadata } from './metadata';
import { binding, NativeServerCredentials } from './native';
import {
  NativeAuthMetadataProcessor,
  NativeCertificateConfigFetcher,
  NativeCertificateConfiguration,
  NativeClientCertificateRequest,
  NativeKeyCertPair,
  securityBinding,
} from './native-security';
import { describe, isAbsent, PemInput, validateKeyCertPair, validatePassphrase, validateRootCertificates } from './pem';

/** grpc-js's key and certificate pair. */
export interface KeyCertPair {
  private_key: Buffer;
  cert_chain: Buffer;
}

/** A server's private key and certificate chain (leaf first), with the passphrase of an encrypted key. */
export interface PrivateKeyCertificateChainPair {
  privateKey: PemInput;
  certificateChain: PemInput;
  passphrase?: string;
}

/** A key/certificate pair in any of the accepted shapes: ours, grpc-js's, or grpcio's `(key, chain)` tuple. */
export type ServerKeyCertPair = PrivateKeyCertificateChainPair | KeyCertPair | readonly [PemInput, PemInput];

/** C-core's client certificate request types: whether a TLS server requests, requires and verifies one. */
export enum ClientCertificateRequest {
  DONT_REQUEST = 0,
  REQUEST_BUT_DONT_VERIFY = 1,
  REQUEST_AND_VERIFY = 2,
  REQUIRE_BUT_DONT_VERIFY = 3,
  REQUIRE_AND_VERIFY = 4,
}

/** The result with which an auth metadata processor accepts a call. */
export interface AuthMetadataProcessingResult {
  /** Metadata keys to remove from the call before its handler runs, such as a token that was checked. */
  consumedMetadataKeys?: string[];
}

/**
 * C-core's auth metadata processor: decides, before a handler runs, whether the server accepts a call. It returns
 * (or resolves to) nothing or an {@link AuthMetadataProcessingResult} to accept the call, and throws (or rejects)
 * to reject it, with the error's `code` as the status when it is a gRPC status code other than OK, and
 * UNAUTHENTICATED otherwise.
 */
export type AuthMetadataProcessor = (authContext: CallAuthContext, metadata: Metadata) =>
  void | AuthMetadataProcessingResult | Promise<void | AuthMetadataProcessingResult>;

export abstract class ServerCredentials {
  private native: NativeServerCredentials | null = null;
  protected authMetadataProcessor: AuthMetadataProcessor | null = null;

  /** Returns the C-core credentials for one listening port. */
  _getNative(): NativeServerCredentials {
    this.native ??= this.createNative(this.nativeProcessor());
    return this.native;
  }

  /** True when the credentials secure the connections (all but insecure credentials). */
  abstract _isSecure(): boolean;

  /** True when both objects make the same ports. Credentials are equal only to themselves, or as noted. */
  _equals(other: ServerCredentials): boolean {
    return this === other;
  }

  /**
   * Returns a copy of these credentials whose ports run `processor` on each incoming call before its handler (C-core's
   * auth metadata processor).
   */
  withAuthMetadataProcessor(processor: AuthMetadataProcessor): ServerCredentials {
    if (typeof processor !== 'function') {
      throw new TypeError(`withAuthMetadataProcessor: processor must be a function, got ${describe(processor)}`);
    }
    const copy = Object.assign(Object.create(Object.getPrototypeOf(this)), this) as ServerCredentials;
    copy.native = null;
    copy.authMetadataProcessor = processor;
    copy.validateNow();
    return copy;
  }

  protected abstract createNative(processor: NativeAuthMetadataProcessor | undefined): NativeServerCredentials;

  /** Makes the native credentials at once, so that C-core's refusals surface where the credentials are made. */
  protected validateNow(): void {
    this._getNative();
  }

  private nativeProcessor(): NativeAuthMetadataProcessor | undefined {
    return this.authMetadataProcessor === null ? undefined : runAuthMetadataProcessor(this.authMetadataProcessor);
  }

  /** Credentials for plaintext ports. */
  static createInsecure(): ServerCredentials {
    return new InsecureServerCredentials();
  }

  /**
   * grpc-js's TLS server credentials. With `checkClientCertificate`, clients must present a certificate that
   * chains to `rootCerts`.
   */
  static createSsl(rootCerts: Buffer | null, keyCertPairs: KeyCertPair[],
    checkClientCertificate = false): ServerCredentials {
    if (typeof checkClientCertificate !== 'boolean') {
      throw new TypeError('createSsl: checkClientCertificate must be a boolean,'
        + ` got ${describe(checkClientCertificate)}`);
    }
    return new SslServerCredentials(keyCertPairs, rootCerts, checkClientCertificate
      ? ClientCertificateRequest.REQUIRE_AND_VERIFY : ClientCertificateRequest.DONT_REQUEST,
    { where: 'createSsl', pairs: 'keyCertPairs', roots: 'rootCerts', requirement: 'checkClientCertificate' });
  }
}

class InsecureServerCredentials extends ServerCredentials {
  constructor() {
    super();
    this.validateNow();
  }

  protected createNative(processor: NativeAuthMetadataProcessor | undefined): NativeServerCredentials {
    return processor === undefined ? binding.insecureServerCredentials()
      : securityBinding.insecureServerCredentialsWithProcessor(processor);
  }

  _isSecure(): boolean {
    return false;
  }

  /** Returns true for insecure credentials without a processor, which are all equal in grpc-js. */
  override _equals(other: ServerCredentials): boolean {
    return other === this || (other instanceof InsecureServerCredentials
      && this.authMetadataProcessor === null && other.authMetadataProcessor === null);
  }
}

/** Credentials whose native object a factory function makes. */
class FactoryServerCredentials extends ServerCredentials {
  constructor(
    private readonly factory: (processor: NativeAuthMetadataProcessor | undefined) => NativeServerCredentials,
    private readonly secure: boolean,
  ) {
    super();
    this.validateNow();
  }

  protected createNative(processor: NativeAuthMetadataProcessor | undefined): NativeServerCredentials {
    return this.factory(processor);
  }

  _isSecure(): boolean {
    return this.secure;
  }
}

/** Argument names for errors, which differ between grpc-js's and grpcio's signatures. */
interface ServerArgumentNames {
  where: string;
  pairs: string;
  roots: string;
  requirement: string;
}

function requestVerifies(request: ClientCertificateRequest): boolean {
  return request === ClientCertificateRequest.REQUEST_AND_VERIFY
    || request === ClientCertificateRequest.REQUIRE_AND_VERIFY;
}

function checkClientCertificateRequest(value: unknown, name: string): asserts value is ClientCertificateRequest {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 4) {
    throw new TypeError(`${name} must be a ClientCertificateRequest (0 to 4), got ${String(value)}`);
  }
}

/** Validates key/certificate pairs in any accepted shape and returns them as PEM strings. */
function validatePairs(pairs: unknown, where: string, name: string): NativeKeyCertPair[] {
  if (!Array.isArray(pairs)) {
    throw new TypeError(`${where}: ${name} must be an array of key/certificate pairs, got ${describe(pairs)}`);
  }
  if (pairs.length === 0) {
    throw new Error(`${where}: ${name} is empty: a TLS server needs at least one private key and certificate chain`);
  }
  return pairs.map((pair: unknown, i) => {
    const entry = `${name}[${i}]`;
    let key: unknown;
    let chain: unknown;
    let passphrase: unknown;
    let keyName = 'privateKey';
    let chainName = 'certificateChain';
    if (Array.isArray(pair) && pair.length === 2) {
      [key, chain] = pair;
      keyName = '0 (the private key)';
      chainName = '1 (the certificate chain)';
    } else if (pair !== null && typeof pair === 'object' && ('private_key' in pair || 'cert_chain' in pair)) {
      ({ private_key: key, cert_chain: chain } = pair as KeyCertPair);
      keyName = 'private_key';
      chainName = 'cert_chain';
    } else if (pair !== null && typeof pair === 'object') {
      ({ privateKey: key, certificateChain: chain, passphrase } = pair as PrivateKeyCertificateChainPair);
    } else {
      throw new TypeError(`${where}: ${entry} must be {privateKey, certificateChain}, {private_key, cert_chain} or a`
        + ` [privateKey, certificateChain] pair, got ${describe(pair)}`);
    }
    if (isAbsent(key) || isAbsent(chain)) {
      throw new Error(`${where}: ${entry} needs both ${keyName} and ${chainName}`);
    }
    return validateKeyCertPair(key, chain, validatePassphrase(passphrase, `${where}: ${entry}.passphrase`), {
      where,
      key: `${entry}.${keyName}`,
      chain: `${entry}.${chainName}`,
      encryptedAdvice: `pass it as ${entry}.passphrase`,
    });
  });
}

function validateClientRoots(roots: unknown, request: ClientCertificateRequest,
  names: ServerArgumentNames): string | null {
  if (isAbsent(roots)) {
    if (requestVerifies(request)) {
      throw new Error(`${names.where}: ${names.requirement} asks to verify client certificates, which needs`
        + ` ${names.roots} (the CA certificates that client certificates must chain to)`);
    }
    return null;
  }
  return validateRootCertificates(roots, `${names.where}: ${names.roots}`);
}

class SslServerCredentials extends ServerCredentials {
  private readonly pairs: NativeKeyCertPair[];
  private readonly roots: string | null;

  constructor(pairs: unknown, roots: unknown, private readonly request: ClientCertificateRequest,
    names: ServerArgumentNames) {
    super();
    this.pairs = validatePairs(pairs, names.where, names.pairs);
    this.roots = validateClientRoots(roots, request, names);
    this.validateNow();
  }

  protected createNative(processor: NativeAuthMetadataProcessor | undefined): NativeServerCredentials {
    return securityBinding.sslServerCredentials(this.roots, this.pairs, this.request as NativeClientCertificateRequest,
      processor);
  }

  _isSecure(): boolean {
    return true;
  }
}

/** Runs an auth metadata processor for C-core, turning its result or error into C-core's status. */
function runAuthMetadataProcessor(processor: AuthMetadataProcessor): NativeAuthMetadataProcessor {
  return (nativeContext, nativeMetadata, done) => {
    const reject = (error: unknown) => {
      const code = (error as { code?: unknown } | null)?.code;
      const isStatus = typeof code === 'number' && Number.isInteger(code) && code > Status.OK
        && code <= Status.UNAUTHENTICATED;
      const status = isStatus ? code : Status.UNAUTHENTICATED;
      const details = error instanceof Error ? error.message : String(error);
      done(status, details || 'the auth metadata processor rejected the call', []);
    };
    const accept = (result: void | AuthMetadataProcessingResult) => {
      const keys = result?.consumedMetadataKeys ?? [];
      if (!Array.isArray(keys) || keys.some((key) => typeof key !== 'string')) {
        log(LogVerbosity.ERROR, 'An auth metadata processor returned consumedMetadataKeys that are not an array of'
          + ' strings; the call was rejected.');
        done(Status.INTERNAL, 'the auth metadata processor returned invalid consumedMetadataKeys', []);
        return;
      }
      done(Status.OK, '', keys.map((key) => key.toLowerCase()));
    };

    let pending: ReturnType<AuthMetadataProcessor>;
    try {
      pending = processor(new CallAuthContext(nativeContext), metadataFromNative(nativeMetadata));
    } catch (error) {
      reject(error);
      return;
    }
    Promise.resolve(pending).then(accept, reject);
  };
}

// ---- grpcio's factories ----

/** The options of {@link sslServerCredentials}. */
export interface SslServerCredentialsOptions {
  /** PEM bundle of the CA certificates that client certificates must chain to. */
  rootCertificates?: PemInput | null;
  /** Require a client certificate that chains to `rootCertificates` (grpcio's `require_client_auth`). */
  requireClientAuth?: boolean;
  /** Any of C-core's client certificate modes; overrides `requireClientAuth`. */
  clientCertificateRequest?: ClientCertificateRequest;
}

function clientCertificateRequestOf(options: SslServerCredentialsOptions, where: string): ClientCertificateRequest {
  if (options.clientCertificateRequest !== undefined) {
    checkClientCertificateRequest(options.clientCertificateRequest, `${where}: clientCertificateRequest`);
    return options.clientCertificateRequest;
  }
  if (options.requireClientAuth !== undefined && typeof options.requireClientAuth !== 'boolean') {
    throw new TypeError(`${where}: requireClientAuth must be a boolean, got ${describe(options.requireClientAuth)}`);
  }
  return options.requireClientAuth ? ClientCertificateRequest.REQUIRE_AND_VERIFY
    : ClientCertificateRequest.DONT_REQUEST;
}

/**
 * Makes TLS server credentials (grpcio's `ssl_server_credentials`). With several pairs, C-core picks the certificate by
 * the name the client asks for (SNI), and the first pair when no certificate matches.
 */
export function sslServerCredentials(privateKeyCertificateChainPairs: ServerKeyCertPair[],
  options: SslServerCredentialsOptions = {}): ServerCredentials {
  const where = 'sslServerCredentials';
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`${where}: options must be an object, got ${describe(options)}`);
  }
  const request = clientCertificateRequestOf(options, where);
  return new SslServerCredentials(privateKeyCertificateChainPairs, options.rootCertificates, request, {
    where,
    pairs: 'privateKeyCertificateChainPairs',
    roots: 'rootCertificates',
    requirement: options.clientCertificateRequest !== undefined ? 'clientCertificateRequest' : 'requireClientAuth',
  });
}

/** A validated certificate configuration for {@link dynamicSslServerCredentials}. */
export class ServerCertificateConfiguration {
  /** @internal */
  constructor(readonly _native: NativeCertificateConfiguration) {}
}

/**
 * Makes a certificate configuration for {@link dynamicSslServerCredentials} (grpcio's
 * `ssl_server_certificate_configuration`): the server's pairs, and the CA certificates for client certificates.
 */
export function sslServerCertificateConfiguration(privateKeyCertificateChainPairs: ServerKeyCertPair[],
  rootCertificates: PemInput | null = null): ServerCertificateConfiguration {
  const where = 'sslServerCertificateConfiguration';
  const pairs = validatePairs(privateKeyCertificateChainPairs, where, 'privateKeyCertificateChainPairs');
  const roots = isAbsent(rootCertificates) ? null
    : validateRootCertificates(rootCertificates, `${where}: rootCertificates`);
  return new ServerCertificateConfiguration({ rootCertificates: roots, pairs });
}

/** Returns the next configuration, or nothing to keep the current one. May return a promise of either. */
export type CertificateConfigurationFetcher = () =>
  ServerCertificateConfiguration | null | undefined | Promise<ServerCertificateConfiguration | null | undefined>;

/**
 * TLS server credentials whose certificates can change while the server runs. Each port gets C-core credentials
 * of its own, and they all share one configuration.
 */
export class DynamicSslServerCredentials extends ServerCredentials {
  private readonly fetcher: NativeCertificateConfigFetcher;
  private readonly request: ClientCertificateRequest;
  private fetching = false;
  private current: ServerCertificateConfiguration;

  /** @internal */
  constructor(initial: ServerCertificateConfiguration, private readonly fetch: CertificateConfigurationFetcher,
    private readonly requireClientAuthentication: boolean) {
    super();
    this.current = initial;
    this.request = requireClientAuthentication ? ClientCertificateRequest.REQUIRE_AND_VERIFY
      : ClientCertificateRequest.DONT_REQUEST;
    // The native fetcher keeps its callback alive for as long as the fetcher lives, and this object keeps the
    // fetcher: a callback that referenced this object strongly would form a cycle through native code that the
    // garbage collector cannot free. Servers keep the credentials of their ports, so the weak reference is set
    // whenever C-core can request a configuration.
    const self = new WeakRef(this);
    this.fetcher = new securityBinding.CertificateConfigFetcher(initial._native, () => self.deref()?.runFetcher());
  }

  /**
   * Makes new C-core credentials on every call: C-core keeps certificate state per port and does not tell which
   * port requests a configuration, so ports cannot share credentials.
   */
  override _getNative(): NativeServerCredentials {
    const processor = this.authMetadataProcessor;
    return this.createNative(processor === null ? undefined : runAuthMetadataProcessor(processor));
  }

  protected createNative(processor: NativeAuthMetadataProcessor | undefined): NativeServerCredentials {
    return this.fetcher.createServerCredentials(this.request as NativeClientCertificateRequest, processor);
  }

  protected override validateNow(): void {
    // Every port makes its own credentials; there is nothing to make ahead of time.
  }

  _isSecure(): boolean {
    return true;
  }

  /**
   * Serves `configuration` to every TLS handshake that starts from now on, without waiting for the fetcher. Use it
   * to rotate certificates at a moment of your choosing.
   */
  updateCertificateConfiguration(configuration: ServerCertificateConfiguration): void {
    checkConfiguration(configuration, 'updateCertificateConfiguration: configuration',
      this.requireClientAuthentication);
    this.apply(configuration);
  }

  private apply(configuration: ServerCertificateConfiguration): void {
    if (configuration !== this.current) {
      this.current = configuration;
      this.fetcher.update(configuration._native);
    }
  }

  /**
   * Runs the user's fetcher after C-core asked for the configuration; at most one runs at a time. A fetcher that
   * throws, rejects or returns something invalid leaves the last good configuration in place.
   */
  private runFetcher(): void {
    if (this.fetching) {
      return;
    }
    this.fetching = true;
    let pending: ReturnType<CertificateConfigurationFetcher>;
    try {
      pending = this.fetch();
    } catch (error) {
      this.fetching = false;
      this.logFetchFailure(error);
      return;
    }
    Promise.resolve(pending).then((configuration) => {
      this.fetching = false;
      if (isAbsent(configuration)) {
        return;
      }
      try {
        checkConfiguration(configuration, 'the certificate configuration fetcher\'s result',
          this.requireClientAuthentication);
      } catch (error) {
        this.logFetchFailure(error);
        return;
      }
      this.apply(configuration);
    }, (error) => {
      this.fetching = false;
      this.logFetchFailure(error);
    });
  }

  private logFetchFailure(error: unknown): void {
    log(LogVerbosity.ERROR, 'The certificate configuration fetcher of dynamicSslServerCredentials failed, so the'
      + ` server keeps its current certificates: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function checkConfiguration(value: unknown, name: string,
  requireClientAuthentication: boolean): asserts value is ServerCertificateConfiguration {
  if (!(value instanceof ServerCertificateConfiguration)) {
    throw new TypeError(`${name} must come from sslServerCertificateConfiguration(), got ${describe(value)}`);
  }
  if (requireClientAuthentication && value._native.rootCertificates === null) {
    throw new Error(`${name} has no rootCertificates, which requireClientAuthentication needs`);
  }
}

/**
 * Makes TLS server credentials whose certificates may change while the server runs (grpcio's
 * `dynamic_ssl_server_credentials`).
 *
 * C-core requests the configuration at the start of each TLS handshake, on its own thread, and cannot wait for
 * JavaScript there. So it gets the latest configuration that the fetcher returned, and the fetcher then runs on the
 * JavaScript thread, for the handshakes that follow. A configuration the fetcher returns is therefore served from
 * the first connection that starts after the fetcher returned it; to rotate at a moment of your choosing, call
 * {@link DynamicSslServerCredentials.updateCertificateConfiguration}. Existing connections keep their
 * certificates. A fetcher that throws, rejects or returns nothing keeps the current configuration.
 */
export function dynamicSslServerCredentials(initialCertificateConfiguration: ServerCertificateConfiguration,
  certificateConfigurationFetcher: CertificateConfigurationFetcher,
  requireClientAuthentication = false): DynamicSslServerCredentials {
  const where = 'dynamicSslServerCredentials';
  if (typeof requireClientAuthentication !== 'boolean') {
    throw new TypeError(`${where}: requireClientAuthentication must be a boolean,`
      + ` got ${describe(requireClientAuthentication)}`);
  }
  checkConfiguration(initialCertificateConfiguration, `${where}: initialCertificateConfiguration`,
    requireClientAuthentication);
  if (typeof certificateConfigurationFetcher !== 'function') {
    throw new TypeError(`${where}: certificateConfigurationFetcher must be a function,`
      + ` got ${describe(certificateConfigurationFetcher)}`);
  }
  return new DynamicSslServerCredentials(initialCertificateConfiguration, certificateConfigurationFetcher,
    requireClientAuthentication);
}

/** The options of {@link fileWatcherServerCredentials}. */
export interface FileWatcherServerCredentialsOptions extends Omit<SslServerCredentialsOptions, 'rootCertificates'> {
  /** PEM file of the server's private key, unencrypted. */
  privateKeyFile: string;
  /** PEM file of the server's certificate chain, leaf first. */
  certificateChainFile: string;
  /** PEM file of the CA certificates that client certificates must chain to. */
  rootCertificatesFile?: string;
  /** How often C-core reads the files again, in seconds. Default 60. */
  refreshIntervalSeconds?: number;
}

/**
 * Makes TLS server credentials whose certificates C-core reads from files, and reads again every
 * `refreshIntervalSeconds`: new connections get renewed certificates without a restart. The files are read and
 * validated once here. While a file cannot be read, or the key does not match the certificate, C-core keeps the
 * last good certificates.
 */
export function fileWatcherServerCredentials(options: FileWatcherServerCredentialsOptions): ServerCredentials {
  const where = 'fileWatcherServerCredentials';
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`${where}: options must be an object, got ${describe(options)}`);
  }
  const request = clientCertificateRequestOf(options, where);
  const files = readCertificateFiles(options, where, true);
  if (requestVerifies(request) && files.rootCertificatesFile === undefined) {
    throw new Error(`${where}: verifying client certificates needs rootCertificatesFile`);
  }
  const refreshIntervalSeconds = validateRefreshInterval(options.refreshIntervalSeconds, where);
  return new FactoryServerCredentials((processor) => securityBinding.tlsServerCredentials({
    certificates: {
      kind: 'files',
      rootCertificatesPath: files.rootCertificatesFile,
      privateKeyPath: files.privateKeyFile,
      certificateChainPath: files.certificateChainFile,
      refreshIntervalSeconds,
    },
    clientCertificateRequest: request as NativeClientCertificateRequest,
  }, processor), true);
}

/** Makes plaintext server credentials (grpcio's `insecure_server_credentials`). */
export function insecureServerCredentials(): ServerCredentials {
  return ServerCredentials.createInsecure();
}

/**
 * Makes local server credentials (grpcio's `local_server_credentials`): no encryption; C-core accepts only connections
 * over Unix domain sockets (`UDS`) or from loopback addresses (`LOCAL_TCP`).
 */
export function localServerCredentials(
  localConnectType: LocalConnectionType = LocalConnectionType.LOCAL_TCP,
): ServerCredentials {
  checkLocalConnectionType(localConnectType, 'localServerCredentials: localConnectType');
  return new FactoryServerCredentials(
    (processor) => securityBinding.localServerCredentials(localConnectType as number, processor), true);
}

/** The options of {@link altsServerCredentials}. */
export interface AltsServerCredentialsOptions {
  /**
   * Address (`host:port`) of the ALTS handshaker service. Without it C-core uses Google Cloud's, and the
   * credentials can be made only on Google Cloud. C-core 1.51 serves every ALTS server port of a process through
   * one handshaker connection, made with the first address any of them used.
   */
  handshakerServiceAddress?: string;
}

/**
 * Makes ALTS server credentials (grpcio's `alts_server_credentials`). Throws off Google Cloud unless
 * `handshakerServiceAddress` names a handshaker service.
 */
export function altsServerCredentials(options: AltsServerCredentialsOptions = {}): ServerCredentials {
  const where = 'altsServerCredentials';
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`${where}: options must be an object, got ${describe(options)}`);
  }
  const address = checkHandshakerServiceAddress(options.handshakerServiceAddress, where);
  return new FactoryServerCredentials((processor) => securityBinding.altsServerCredentials(address, processor), true);
}

/**
 * Makes xDS server credentials (grpcio's `xds_server_credentials`): security from the xDS control plane for servers
 * that it configures, and `fallbackCredentials` otherwise.
 */
export function xdsServerCredentials(fallbackCredentials: ServerCredentials): ServerCredentials {
  if (!(fallbackCredentials instanceof ServerCredentials)) {
    throw new TypeError('xdsServerCredentials: fallbackCredentials must be a ServerCredentials object,'
      + ` got ${describe(fallbackCredentials)}`);
  }
  return new FactoryServerCredentials(
    (processor) => securityBinding.xdsServerCredentials(fallbackCredentials._getNative(), processor),
    fallbackCredentials._isSecure());
}
