/**
 * Channel credentials: what secures a channel's connections. grpc-js's `ChannelCredentials` class and grpcio's
 * factories (in camelCase) make the same objects.
 */
import type { PeerCertificate } from 'tls';
import { peerCertificateFromPem } from './auth-context';
import { CallCredentials, checkCallCredentials, EmptyCallCredentials } from './call-credentials';
import { binding, NativeChannelCredentials } from './native';
import {
  NativeCertificateSource,
  NativeLocalConnectType,
  NativeServerIdentityCheck,
  securityBinding,
} from './native-security';
import {
  describe,
  isAbsent,
  PemInput,
  validateKeyCertPair,
  validatePassphrase,
  validateRootCertificates,
} from './pem';
import { supplyDefaultRootCertificates } from './root-certificates';
import { readCertificateFiles, validateRefreshInterval } from './certificate-files';

/**
 * grpc-js's server identity check: returns an Error to reject the server's certificate, undefined to accept it.
 * `hostname` is the name the certificate must match: the `grpc.ssl_target_name_override` option, or the host of
 * the channel's authority.
 */
export type CheckServerIdentityCallback = (hostname: string, cert: PeerCertificate) => Error | undefined;

/** grpc-js's options for verifying the server. */
export interface VerifyOptions {
  /**
   * Replaces the host name check, with the semantics of Node's `tls.connect` option of that name: it runs after
   * the certificate chain was verified. The default is a host name check like Node's `tls.checkServerIdentity`.
   */
  checkServerIdentity?: CheckServerIdentityCallback;
  /** False accepts any server certificate, unverified and for any name, as Node's option does. Default true. */
  rejectUnauthorized?: boolean;
}

/** grpcio's `LocalConnectionType`: how local credentials check that the peer is on this machine. */
export enum LocalConnectionType {
  /** Unix domain sockets (`unix:` and `unix-abstract:` addresses). */
  UDS = NativeLocalConnectType.UDS,
  /** TCP to a loopback address. */
  LOCAL_TCP = NativeLocalConnectType.LOCAL_TCP,
}

export abstract class ChannelCredentials {
  /** The C-core credentials this object stands for. */
  abstract _getNative(): NativeChannelCredentials;

  /** True when the credentials set up a secure transport, so call credentials may be composed onto them. */
  abstract _isSecure(): boolean;

  /**
   * Returns credentials that also apply `callCredentials` to every call of the channel. Throws on insecure
   * credentials, whose calls could only send the call credentials in plaintext.
   */
  compose(callCredentials: CallCredentials): ChannelCredentials {
    checkCallCredentials(callCredentials, 'compose: callCredentials');
    return new ComposedChannelCredentials(this, callCredentials);
  }

  /** True when both objects make the same channels. Credentials are equal only to themselves, or as noted. */
  _equals(other: ChannelCredentials): boolean {
    return this === other;
  }

  /**
   * grpc-js's TLS credentials. `rootCerts` defaults to the default roots (see `root-certificates.ts`);
   * `privateKey` and `certChain` are the client's certificate for mutual TLS and come together.
   */
  static createSsl(
    rootCerts?: Buffer | null,
    privateKey?: Buffer | null,
    certChain?: Buffer | null,
    verifyOptions?: VerifyOptions,
  ): ChannelCredentials {
    return new SslChannelCredentials(
      { rootCertificates: rootCerts, privateKey, certificateChain: certChain, ...verifyOptions },
      { rootCertificates: 'rootCerts', privateKey: 'privateKey', certificateChain: 'certChain' },
      'createSsl',
    );
  }

  /**
   * Not supported: TLS runs inside C-core with its own OpenSSL, which cannot use a Node.js `SecureContext`.
   * Throws an Error that names what to use instead.
   */
  static createFromSecureContext(_secureContext: unknown, _verifyOptions?: VerifyOptions): ChannelCredentials {
    throw new Error('createFromSecureContext is not supported by grpc-native: TLS runs inside gRPC C-core with its'
      + ' own OpenSSL, which cannot use a Node.js SecureContext. Pass the same PEM data to'
      + ' credentials.createSsl(rootCerts, privateKey, certChain, verifyOptions), or to sslChannelCredentials()'
      + ' with privateKeyPassphrase for an encrypted key.');
  }

  /** Credentials for plaintext connections. They cannot carry call credentials. */
  static createInsecure(): ChannelCredentials {
    return new InsecureChannelCredentials();
  }
}

class InsecureChannelCredentials extends ChannelCredentials {
  private readonly native = binding.insecureChannelCredentials();

  _getNative(): NativeChannelCredentials {
    return this.native;
  }

  _isSecure(): boolean {
    return false;
  }

  override compose(_callCredentials: CallCredentials): never {
    throw new Error('Cannot compose insecure credentials');
  }

  /** Returns true for any insecure credentials, which are all equal in grpc-js. */
  override _equals(other: ChannelCredentials): boolean {
    return other instanceof InsecureChannelCredentials;
  }
}

/** Credentials made once from a native factory. `secure` tells whether call credentials may be composed on. */
class NativeBackedChannelCredentials extends ChannelCredentials {
  constructor(private readonly native: NativeChannelCredentials, private readonly secure: boolean) {
    super();
  }

  _getNative(): NativeChannelCredentials {
    return this.native;
  }

  _isSecure(): boolean {
    return this.secure;
  }
}

class ComposedChannelCredentials extends ChannelCredentials {
  private readonly base: ChannelCredentials;
  private readonly callCredentials: CallCredentials;
  private readonly native: NativeChannelCredentials;

  constructor(base: ChannelCredentials, callCredentials: CallCredentials) {
    super();
    // Composing twice composes the call credentials, so C-core gets one composite over the base credentials.
    if (base instanceof ComposedChannelCredentials) {
      this.base = base.base;
      this.callCredentials = base.callCredentials.compose(callCredentials);
    } else {
      this.base = base;
      this.callCredentials = callCredentials;
    }
    this.native = this.callCredentials instanceof EmptyCallCredentials
      ? this.base._getNative()
      : securityBinding.compositeChannelCredentials(this.base._getNative(), this.callCredentials._getNative());
  }

  _getNative(): NativeChannelCredentials {
    return this.native;
  }

  _isSecure(): boolean {
    return this.base._isSecure();
  }
}

/** The options of {@link sslChannelCredentials}: grpcio's arguments in camelCase, and grpc-js's verify options. */
export interface SslChannelCredentialsOptions extends VerifyOptions {
  /** PEM bundle of the CA certificates that the server's certificate must chain to. Default: the default roots. */
  rootCertificates?: PemInput | null;
  /** PEM private key of the client certificate, for mutual TLS. Comes with `certificateChain`. */
  privateKey?: PemInput | null;
  /** PEM certificate chain of the client, leaf first, for mutual TLS. Comes with `privateKey`. */
  certificateChain?: PemInput | null;
  /** Passphrase of an encrypted `privateKey`, which is decrypted here, before it reaches C-core. */
  privateKeyPassphrase?: string;
}

/** Argument names for errors, which differ between grpc-js's positional arguments and grpcio's options. */
interface SslArgumentNames {
  rootCertificates: string;
  privateKey: string;
  certificateChain: string;
}

function validateVerifyOptions(options: VerifyOptions, where: string): void {
  if (options.checkServerIdentity !== undefined && typeof options.checkServerIdentity !== 'function') {
    throw new TypeError(`${where}: checkServerIdentity must be a function,`
      + ` got ${describe(options.checkServerIdentity)}`);
  }
  if (options.rejectUnauthorized !== undefined && typeof options.rejectUnauthorized !== 'boolean') {
    throw new TypeError(`${where}: rejectUnauthorized must be a boolean, got ${describe(options.rejectUnauthorized)}`);
  }
}

/** Runs grpc-js's `checkServerIdentity` for C-core: on the JavaScript thread, reporting through `done`. */
function nativeServerIdentityCheck(check: CheckServerIdentityCallback): NativeServerIdentityCheck {
  return (targetName, peerCertificate, peerCertificateChain, done) => {
    let failure: unknown;
    try {
      failure = check(targetName, peerCertificateFromPem(peerCertificate, peerCertificateChain));
    } catch (error) {
      failure = error ?? new Error('checkServerIdentity threw');
    }
    if (failure === undefined || failure === null) {
      done(null);
    } else {
      const message = failure instanceof Error ? failure.message : String(failure);
      done(`checkServerIdentity rejected the certificate for ${targetName}: ${message}`);
    }
  };
}

/**
 * Makes TLS channel credentials from a certificate source. C-core's SSL credentials serve the plain case; its TLS
 * credentials options serve a custom `checkServerIdentity`, `rejectUnauthorized: false` and file certificates.
 */
function createTlsNative(certificates: NativeCertificateSource, verify: VerifyOptions): NativeChannelCredentials {
  const hasRoots = certificates.kind === 'static' ? certificates.rootCertificates !== undefined
    : certificates.rootCertificatesPath !== undefined;
  if (!hasRoots) {
    supplyDefaultRootCertificates();
  }

  const rejectUnauthorized = verify.rejectUnauthorized ?? true;
  const customCheck = rejectUnauthorized && verify.checkServerIdentity !== undefined;
  if (certificates.kind === 'static' && rejectUnauthorized && !customCheck) {
    return securityBinding.sslChannelCredentials(certificates.rootCertificates ?? null,
      certificates.privateKey ?? null, certificates.certificateChain ?? null);
  }
  return securityBinding.tlsChannelCredentials({
    certificates,
    verifyServerCertificate: rejectUnauthorized,
    checkServerIdentity: customCheck ? nativeServerIdentityCheck(verify.checkServerIdentity!) : null,
    // C-core also checks each call's authority against the certificate's names. With a custom check, or with no
    // check at all, the names do not decide, so that check is off too.
    checkCallHost: rejectUnauthorized && !customCheck,
  });
}

class SslChannelCredentials extends ChannelCredentials {
  private readonly native: NativeChannelCredentials;

  constructor(options: SslChannelCredentialsOptions, names: SslArgumentNames, where: string) {
    super();
    validateVerifyOptions(options, where);
    const passphrase = validatePassphrase(options.privateKeyPassphrase, `${where}: privateKeyPassphrase`);

    const certificates: NativeCertificateSource = { kind: 'static' };
    if (!isAbsent(options.rootCertificates)) {
      certificates.rootCertificates = validateRootCertificates(options.rootCertificates,
        `${where}: ${names.rootCertificates}`);
    }
    const hasKey = !isAbsent(options.privateKey);
    const hasChain = !isAbsent(options.certificateChain);
    if (hasKey !== hasChain) {
      throw new Error(hasKey
        ? `${where}: ${names.privateKey} was given without ${names.certificateChain}; a client certificate needs both`
        : `${where}: ${names.certificateChain} was given without ${names.privateKey}; a client certificate needs both`);
    }
    if (hasKey) {
      const pair = validateKeyCertPair(options.privateKey, options.certificateChain, passphrase, {
        where,
        key: names.privateKey,
        chain: names.certificateChain,
        encryptedAdvice: where === 'createSsl'
          ? 'createSsl cannot decrypt keys, so use sslChannelCredentials({..., privateKeyPassphrase})'
          : 'pass it as privateKeyPassphrase',
      });
      certificates.privateKey = pair.privateKey;
      certificates.certificateChain = pair.certificateChain;
    }

    this.native = createTlsNative(certificates, options);
  }

  _getNative(): NativeChannelCredentials {
    return this.native;
  }

  _isSecure(): boolean {
    return true;
  }
}

// ---- grpcio's factories ----

/**
 * Makes TLS channel credentials (grpcio's `ssl_channel_credentials`). Without `rootCertificates` the server is verified
 * against the default roots; with `privateKey` and `certificateChain` the client presents a certificate.
 */
export function sslChannelCredentials(options: SslChannelCredentialsOptions = {}): ChannelCredentials {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`sslChannelCredentials: options must be an object, got ${describe(options)}`);
  }
  return new SslChannelCredentials(options, {
    rootCertificates: 'rootCertificates',
    privateKey: 'privateKey',
    certificateChain: 'certificateChain',
  }, 'sslChannelCredentials');
}

/** The options of {@link fileWatcherChannelCredentials}. */
export interface FileWatcherChannelCredentialsOptions extends VerifyOptions {
  /** PEM file of the CA certificates to trust. Default: the default roots. */
  rootCertificatesFile?: string;
  /** PEM file of the client's private key, for mutual TLS. Comes with `certificateChainFile`. */
  privateKeyFile?: string;
  /** PEM file of the client's certificate chain, for mutual TLS. Comes with `privateKeyFile`. */
  certificateChainFile?: string;
  /** How often C-core reads the files again, in seconds. Default 60. */
  refreshIntervalSeconds?: number;
}

/**
 * Makes TLS channel credentials whose certificates C-core reads from files, and reads again every
 * `refreshIntervalSeconds`, so that new connections use renewed certificates without a restart. The files are
 * read and validated once here. While a file cannot be read, or the key does not match the certificate, C-core
 * keeps the last good certificates.
 */
export function fileWatcherChannelCredentials(options: FileWatcherChannelCredentialsOptions): ChannelCredentials {
  const where = 'fileWatcherChannelCredentials';
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`${where}: options must be an object, got ${describe(options)}`);
  }
  validateVerifyOptions(options, where);
  const files = readCertificateFiles(options, where, false);
  const source: NativeCertificateSource = {
    kind: 'files',
    rootCertificatesPath: files.rootCertificatesFile,
    privateKeyPath: files.privateKeyFile,
    certificateChainPath: files.certificateChainFile,
    refreshIntervalSeconds: validateRefreshInterval(options.refreshIntervalSeconds, where),
  };
  return new NativeBackedChannelCredentials(createTlsNative(source, options), true);
}

/**
 * Makes local channel credentials (grpcio's `local_channel_credentials`): no encryption, for connections that C-core
 * can see stay on this machine, over Unix domain sockets (`UDS`) or loopback TCP (`LOCAL_TCP`). C-core 1.51 rates
 * both privacy-and-integrity, so call credentials are sent on them.
 */
export function localChannelCredentials(
  localConnectType: LocalConnectionType = LocalConnectionType.LOCAL_TCP,
): ChannelCredentials {
  checkLocalConnectionType(localConnectType, 'localChannelCredentials: localConnectType');
  return new NativeBackedChannelCredentials(securityBinding.localChannelCredentials(localConnectType as number), true);
}

export function checkLocalConnectionType(value: unknown, name: string): void {
  if (value !== LocalConnectionType.UDS && value !== LocalConnectionType.LOCAL_TCP) {
    throw new TypeError(`${name} must be LocalConnectionType.UDS or LocalConnectionType.LOCAL_TCP,`
      + ` got ${String(value)}`);
  }
}

/** The options of {@link altsChannelCredentials}. */
export interface AltsChannelCredentialsOptions {
  /** Service accounts the server may run as; the handshaker service rejects any other. Default: any. */
  serviceAccounts?: string[];
  /**
   * Address (`host:port`) of the ALTS handshaker service. Without it C-core uses Google Cloud's, and the
   * credentials can be made only on Google Cloud.
   */
  handshakerServiceAddress?: string;
}

/**
 * Makes ALTS channel credentials (grpcio's `alts_channel_credentials`). Throws off Google Cloud unless
 * `handshakerServiceAddress` names a handshaker service.
 */
export function altsChannelCredentials(options: AltsChannelCredentialsOptions = {}): ChannelCredentials {
  const where = 'altsChannelCredentials';
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`${where}: options must be an object such as {serviceAccounts: [...]},`
      + ` got ${describe(options)}`);
  }
  const accounts = options.serviceAccounts ?? [];
  if (!Array.isArray(accounts) || accounts.some((account) => typeof account !== 'string' || account === '')) {
    throw new TypeError(`${where}: serviceAccounts must be an array of non-empty strings`);
  }
  const address = checkHandshakerServiceAddress(options.handshakerServiceAddress, where);
  return new NativeBackedChannelCredentials(securityBinding.altsChannelCredentials(accounts, address), true);
}

export function checkHandshakerServiceAddress(value: unknown, where: string): string | null {
  if (value === undefined) {
    return null;
  }
  if (typeof value !== 'string' || value === '') {
    throw new TypeError(`${where}: handshakerServiceAddress must be a non-empty string such as "127.0.0.1:9000",`
      + ` got ${describe(value)}`);
  }
  return value;
}

/**
 * Makes xDS channel credentials (grpcio's `xds_channel_credentials`): security from the xDS control plane for `xds:`
 * targets, and `fallbackCredentials` for every other target or when the control plane sends none.
 */
export function xdsChannelCredentials(fallbackCredentials: ChannelCredentials): ChannelCredentials {
  checkChannelCredentials(fallbackCredentials, 'xdsChannelCredentials: fallbackCredentials');
  return new NativeBackedChannelCredentials(securityBinding.xdsChannelCredentials(fallbackCredentials._getNative()),
    fallbackCredentials._isSecure());
}

/**
 * Makes Compute Engine channel credentials (grpcio's `compute_engine_channel_credentials`): C-core's Google default
 * channel credentials with `callCredentials`, meant for a virtual machine's default service account. They use TLS
 * with the default roots, and ALTS where C-core picks it (grpclb and some xDS clusters), which works only on
 * Google Cloud. Making them contacts nothing; the call credentials decide what each call contacts.
 */
export function computeEngineChannelCredentials(callCredentials: CallCredentials): ChannelCredentials {
  checkCallCredentials(callCredentials, 'computeEngineChannelCredentials: callCredentials');
  supplyDefaultRootCertificates();
  return new NativeBackedChannelCredentials(
    securityBinding.computeEngineChannelCredentials(callCredentials._getNative()), true);
}

/**
 * Makes channel credentials that apply call credentials to every call (grpcio's `composite_channel_credentials`, and
 * grpc-js's `credentials.combineChannelCredentials`). Throws on insecure channel credentials.
 */
export function compositeChannelCredentials(channelCredentials: ChannelCredentials,
  ...callCredentials: CallCredentials[]): ChannelCredentials {
  checkChannelCredentials(channelCredentials, 'compositeChannelCredentials: channelCredentials');
  return callCredentials.reduce<ChannelCredentials>((combined, next) => combined.compose(next), channelCredentials);
}

/** Makes plaintext channel credentials (grpcio's `experimental.insecure_channel_credentials`). */
export function insecureChannelCredentials(): ChannelCredentials {
  return ChannelCredentials.createInsecure();
}

export function checkChannelCredentials(value: unknown, name: string): asserts value is ChannelCredentials {
  if (!(value instanceof ChannelCredentials)) {
    throw new TypeError(`${name} must be a ChannelCredentials object, got ${describe(value)}`);
  }
}
