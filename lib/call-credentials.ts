/**
 * Call credentials: metadata that C-core adds to each call, such as an access token. grpc-js's `CallCredentials`
 * class and grpcio's factories (in camelCase) make the same objects.
 *
 * JavaScript plugins (grpcio's metadata plugins, grpc-js's metadata generators) always run on the JavaScript thread.
 * On a connected channel they run while the call starts, inside C-core; otherwise on a later turn of the event loop.
 * When a plugin fails, C-core ends the call with status UNAVAILABLE and the details "Getting metadata from plugin
 * failed with error: " followed by the error's message, as grpcio does. grpc-js would pass the error's own code
 * through instead.
 *
 * C-core sends call credentials only on connections secure enough for them: TLS, ALTS and local credentials. On an
 * insecure channel a call with call credentials fails with UNAUTHENTICATED before anything is sent.
 */
import { LogVerbosity } from './constants';
import { log } from './logging';
import { Metadata, metadataToNative, MetadataValue } from './metadata';
import type { NativeCallCredentials, NativeMetadata } from './native';
import { NativeMetadataPlugin, NativeSecurityLevel, securityBinding } from './native-security';
import { describe, isAbsent } from './pem';

/** The options that grpc-js gives a metadata generator. */
export interface CallMetadataOptions {
  /** The fully qualified method, for example `/pkg.Service/Method`. */
  method_name: string;
  /** `https://` followed by the host of the call's authority (without port) and `/pkg.Service`. */
  service_url: string;
}

/** grpc-js's metadata generator: calls `cb(null, metadata)`, or `cb(error)` to fail the call. */
export type CallMetadataGenerator = (
  options: CallMetadataOptions,
  cb: (err: Error | null, metadata?: Metadata) => void,
) => void;

/** A google-auth-library client before its version 2. */
export interface OldOAuth2Client {
  getRequestMetadata: (
    url: string,
    callback: (err: Error | null, headers?: { [index: string]: string }) => void,
  ) => void;
}

/** A google-auth-library client from its version 2 on. */
export interface CurrentOAuth2Client {
  getRequestHeaders: (url?: string) => Promise<{ [index: string]: string } | Iterable<[string, string]>>;
}

export type OAuth2Client = OldOAuth2Client | CurrentOAuth2Client;

/** The context that grpcio gives a metadata plugin, with C-core's values. */
export interface AuthMetadataContext {
  /** The scheme, the call's authority (with port) and `/pkg.Service`, for example `https://host:443/pkg.Service`. */
  serviceUrl: string;
  /** The bare method name, for example `Method`. */
  methodName: string;
}

/** Metadata a plugin may return: a Metadata object, `[key, value]` pairs, or an object of keys to values. */
export type PluginMetadata =
  | Metadata
  | Iterable<readonly [string, MetadataValue]>
  | { [key: string]: MetadataValue | MetadataValue[] };

/**
 * grpcio's plugin callback: `callback(metadata, null)`, or `callback(null, error)` to fail the call. Node's
 * error-first order, `callback(null, metadata)` and `callback(error)`, is accepted too.
 */
export type AuthMetadataPluginCallback = (
  metadata: PluginMetadata | Error | null | undefined,
  error?: Error | PluginMetadata | null,
) => void;

/** grpcio's metadata plugin. */
export type AuthMetadataPlugin = (context: AuthMetadataContext, callback: AuthMetadataPluginCallback) => void;

/** The common form of both plugin kinds: calls `deliver(null, metadata)` or `deliver(error)`. */
type MetadataProducer = (context: AuthMetadataContext, deliver: (error: unknown, metadata?: Metadata) => void) => void;

export abstract class CallCredentials {
  /** The C-core credentials this object stands for. */
  abstract _getNative(): NativeCallCredentials;

  /**
   * Produces the metadata these credentials add, in JavaScript, as grpc-js's `generateMetadata` does. Credentials
   * that only C-core can apply (Compute Engine) reject.
   */
  abstract generateMetadata(options: CallMetadataOptions): Promise<Metadata>;

  /** Returns credentials that apply these and then `callCredentials`. */
  compose(callCredentials: CallCredentials): CallCredentials {
    checkCallCredentials(callCredentials, 'compose: callCredentials');
    if (callCredentials instanceof EmptyCallCredentials) {
      return this;
    }
    return new CompositeCallCredentials([...partsOf(this), ...partsOf(callCredentials)]);
  }

  /** True when both objects add the same metadata. Credentials are equal only to themselves, or as noted. */
  _equals(other: CallCredentials): boolean {
    return this === other;
  }

  /** grpc-js's credentials from a metadata generator. */
  static createFromMetadataGenerator(metadataGenerator: CallMetadataGenerator): CallCredentials {
    if (typeof metadataGenerator !== 'function') {
      throw new TypeError('createFromMetadataGenerator: metadataGenerator must be a function,'
        + ` got ${describe(metadataGenerator)}`);
    }
    const toOptions = cachedGrpcJsOptions();
    return new PluginCallCredentials('metadata generator', metadataGenerator, (context, deliver) => {
      metadataGenerator(toOptions(context), (error, metadata) => {
        // grpc-js uses the metadata whenever there is some, even next to an error.
        if (metadata !== undefined) {
          deliverMetadata(deliver, metadata);
        } else {
          deliver(error ?? new Error('the metadata generator returned neither metadata nor an error'));
        }
      });
    });
  }

  /** grpc-js's credentials from a google-auth-library client: its request headers become metadata. */
  static createFromGoogleCredential(googleCredentials: OAuth2Client): CallCredentials {
    if (googleCredentials === null || typeof googleCredentials !== 'object') {
      throw new TypeError('createFromGoogleCredential: googleCredentials must be a google-auth-library client,'
        + ` got ${describe(googleCredentials)}`);
    }
    return CallCredentials.createFromMetadataGenerator((options, callback) => {
      requestHeaders(googleCredentials, options.service_url).then((headers) => {
        let metadata: Metadata;
        try {
          metadata = toMetadata(headers);
        } catch (error) {
          callback(new Error(`the Google credentials returned invalid headers: ${(error as Error).message}`));
          return;
        }
        callback(null, metadata);
      }, (error) => callback(error instanceof Error ? error : new Error(String(error))));
    });
  }

  /** Credentials that add nothing; composing them changes nothing. They are allowed on insecure channels. */
  static createEmpty(): CallCredentials {
    return new EmptyCallCredentials();
  }
}

function partsOf(credentials: CallCredentials): CallCredentials[] {
  return credentials instanceof CompositeCallCredentials ? credentials.parts : [credentials];
}

export class EmptyCallCredentials extends CallCredentials {
  private readonly native = securityBinding.emptyCallCredentials();

  _getNative(): NativeCallCredentials {
    return this.native;
  }

  generateMetadata(_options: CallMetadataOptions): Promise<Metadata> {
    return Promise.resolve(new Metadata());
  }

  override compose(callCredentials: CallCredentials): CallCredentials {
    checkCallCredentials(callCredentials, 'compose: callCredentials');
    return callCredentials;
  }

  override _equals(other: CallCredentials): boolean {
    return other instanceof EmptyCallCredentials;
  }
}

class CompositeCallCredentials extends CallCredentials {
  private readonly native: NativeCallCredentials;

  constructor(readonly parts: CallCredentials[]) {
    super();
    this.native = parts.map((part) => part._getNative())
      .reduce((combined, next) => securityBinding.compositeCallCredentials(combined, next));
  }

  _getNative(): NativeCallCredentials {
    return this.native;
  }

  async generateMetadata(options: CallMetadataOptions): Promise<Metadata> {
    const combined = new Metadata();
    for (const metadata of await Promise.all(this.parts.map((part) => part.generateMetadata(options)))) {
      combined.merge(metadata);
    }
    return combined;
  }

  override _equals(other: CallCredentials): boolean {
    return other === this || (other instanceof CompositeCallCredentials
      && other.parts.length === this.parts.length && other.parts.every((part, i) => part._equals(this.parts[i])));
  }
}

class AccessTokenCallCredentials extends CallCredentials {
  private readonly native: NativeCallCredentials;

  constructor(private readonly token: string) {
    super();
    this.native = securityBinding.accessTokenCallCredentials(token);
  }

  _getNative(): NativeCallCredentials {
    return this.native;
  }

  generateMetadata(_options: CallMetadataOptions): Promise<Metadata> {
    const metadata = new Metadata();
    metadata.add('authorization', `Bearer ${this.token}`);
    return Promise.resolve(metadata);
  }
}

class ComputeEngineCallCredentials extends CallCredentials {
  private readonly native = securityBinding.computeEngineCallCredentials();

  _getNative(): NativeCallCredentials {
    return this.native;
  }

  generateMetadata(_options: CallMetadataOptions): Promise<Metadata> {
    return Promise.reject(new Error('Compute Engine call credentials get their token inside C-core, for each call;'
      + ' they cannot generate metadata in JavaScript'));
  }
}

/** Credentials whose metadata a JavaScript function produces. */
class PluginCallCredentials extends CallCredentials {
  private readonly native: NativeCallCredentials;
  private readonly runner: PluginRunner;

  /** `identity` is what `_equals` compares: the user's function. */
  constructor(name: string, private readonly identity: unknown, produce: MetadataProducer) {
    super();
    this.runner = new PluginRunner(produce);
    this.native = securityBinding.metadataCallCredentials(this.runner.nativePlugin(name), name,
      NativeSecurityLevel.PRIVACY_AND_INTEGRITY);
  }

  _getNative(): NativeCallCredentials {
    return this.native;
  }

  generateMetadata(options: CallMetadataOptions): Promise<Metadata> {
    return new Promise((resolve, reject) => {
      this.runner.run(contextFromGrpcJsOptions(options), (error, metadata) => {
        if (error !== null) {
          reject(error);
        } else {
          resolve(metadata!);
        }
      });
    });
  }

  override _equals(other: CallCredentials): boolean {
    return other === this || (other instanceof PluginCallCredentials && other.identity === this.identity);
  }
}

/**
 * Runs a plugin, for C-core and for `generateMetadata`. The native credentials keep the function that
 * `nativePlugin` returns alive until C-core frees them, and C-core frees them only after their wrapper is
 * collected. So this object must not reference the credentials object or its wrapper: that cycle passes through
 * native code, the garbage collector cannot see it, and every plugin credentials object would leak.
 */
class PluginRunner {
  private warnedAboutRepeatedCallback = false;

  constructor(private readonly produce: MetadataProducer) {}

  /** Runs the plugin, guarding against throws and repeated callbacks. Calls `settle` exactly once. */
  run(context: AuthMetadataContext, settle: (error: Error | null, metadata?: Metadata) => void): void {
    let settled = false;
    const deliver = (error: unknown, metadata?: Metadata) => {
      if (settled) {
        this.warnRepeatedCallback();
        return;
      }
      settled = true;
      if (error !== null && error !== undefined) {
        settle(error instanceof Error ? error : new Error(String(error)));
      } else {
        settle(null, metadata ?? new Metadata());
      }
    };
    try {
      this.produce(context, deliver);
    } catch (error) {
      deliver(error ?? new Error('the metadata plugin threw'));
    }
  }

  /**
   * Returns the function that the native credentials call for each call. It returns the plugin's result when the
   * plugin calls back before returning, which is the common case (a cached token). Otherwise it returns a function
   * through which the addon hands over its `done` callback for the result that comes later.
   */
  nativePlugin(name: string): NativeMetadataPlugin {
    return (serviceUrl, methodName) => {
      let result: NativeMetadata | string | undefined;
      let deliverLater: ((result: NativeMetadata | string) => void) | undefined;
      this.run({ serviceUrl, methodName }, (error, metadata) => {
        const converted = toNativeResult(name, error, metadata);
        if (deliverLater === undefined) {
          result = converted;
        } else {
          deliverLater(converted);
        }
      });
      if (result !== undefined) {
        return result;
      }
      return (done) => {
        deliverLater = (late) => {
          if (typeof late === 'string') {
            done(late);
          } else {
            done(null, late);
          }
        };
      };
    };
  }

  private warnRepeatedCallback(): void {
    if (!this.warnedAboutRepeatedCallback) {
      this.warnedAboutRepeatedCallback = true;
      log(LogVerbosity.ERROR, 'A call credentials plugin called back more than once for one call; only its first'
        + ' result was used. Later repeats are not logged.');
    }
  }
}

/** Converts a plugin's result for the addon: the metadata as `[key, value, ...]`, or the message of a failure. */
function toNativeResult(name: string, error: Error | null, metadata?: Metadata): NativeMetadata | string {
  if (error !== null) {
    return error.message || String(error);
  }
  try {
    return metadataToNative(metadata!);
  } catch (conversionError) {
    return `the ${name} returned invalid metadata: ${(conversionError as Error).message}`;
  }
}

/** Reads google-auth-library's request headers, from either client generation. */
function requestHeaders(client: OAuth2Client, serviceUrl: string): Promise<unknown> {
  if ('getRequestHeaders' in client && typeof client.getRequestHeaders === 'function') {
    return client.getRequestHeaders(serviceUrl);
  }
  return new Promise((resolve, reject) => {
    (client as OldOAuth2Client).getRequestMetadata(serviceUrl, (error, headers) => {
      if (error) {
        reject(error);
      } else if (!headers) {
        reject(new Error('the Google credentials returned no headers'));
      } else {
        resolve(headers);
      }
    });
  });
}

/**
 * Converts what a plugin returned into Metadata, validating keys and values as Metadata does. Throws an Error that
 * names the bad entry.
 */
function toMetadata(value: unknown): Metadata {
  if (value instanceof Metadata) {
    return value;
  }
  if (value === null || value === undefined) {
    return new Metadata();
  }
  if (typeof value !== 'object') {
    throw new TypeError(`metadata must be a Metadata object, [key, value] pairs or an object, got ${describe(value)}`);
  }

  const metadata = new Metadata();
  const headers = value as { forEach?: unknown; [Symbol.iterator]?: unknown };
  if (typeof headers[Symbol.iterator] === 'function') {
    for (const entry of value as Iterable<unknown>) {
      if (!Array.isArray(entry) || entry.length !== 2) {
        throw new TypeError('metadata pairs must be [key, value] arrays');
      }
      metadata.add(entry[0], entry[1]);
    }
    return metadata;
  }
  for (const [key, entry] of Object.entries(value)) {
    for (const item of Array.isArray(entry) ? entry : [entry]) {
      metadata.add(key, item);
    }
  }
  return metadata;
}

/** Converts and delivers a plugin's metadata, so that a bad entry fails the call rather than throwing. */
function deliverMetadata(deliver: (error: unknown, metadata?: Metadata) => void, value: unknown): void {
  let metadata: Metadata;
  try {
    metadata = toMetadata(value);
  } catch (error) {
    deliver(new Error(`the metadata plugin returned invalid metadata: ${(error as Error).message}`));
    return;
  }
  deliver(null, metadata);
}

/** Splits C-core's service URL into its authority's host and its service path. */
function parseServiceUrl(serviceUrl: string): { host: string; service: string } {
  const withoutScheme = serviceUrl.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/^:\/\//, '');
  const slash = withoutScheme.indexOf('/');
  const authority = slash === -1 ? withoutScheme : withoutScheme.slice(0, slash);
  const service = slash === -1 ? '' : withoutScheme.slice(slash + 1);
  const bracketed = /^\[([^\]]*)\]/.exec(authority);
  const host = bracketed ? `[${bracketed[1]}]` : authority.replace(/:\d*$/, '');
  return { host, service };
}

/** Converts C-core's plugin context into what grpc-js gives a metadata generator. */
function grpcJsOptions(context: AuthMetadataContext): CallMetadataOptions {
  const { host, service } = parseServiceUrl(context.serviceUrl);
  return { service_url: `https://${host}/${service}`, method_name: `/${service}/${context.methodName}` };
}

/**
 * Returns a `grpcJsOptions` that remembers its last conversion, because a channel's calls mostly share one service
 * URL and method. Each call still returns a new object, which the generator may change.
 */
function cachedGrpcJsOptions(): (context: AuthMetadataContext) => CallMetadataOptions {
  let lastContext: AuthMetadataContext | undefined;
  let lastOptions: CallMetadataOptions | undefined;
  return (context) => {
    if (lastContext === undefined || context.serviceUrl !== lastContext.serviceUrl
      || context.methodName !== lastContext.methodName) {
      lastContext = { ...context };
      lastOptions = grpcJsOptions(context);
    }
    return { ...lastOptions! };
  };
}

/** Converts grpc-js's options back into a plugin context, for running a plugin from `generateMetadata`. */
function contextFromGrpcJsOptions(options: CallMetadataOptions): AuthMetadataContext {
  const methodName = options.method_name.slice(options.method_name.lastIndexOf('/') + 1);
  return { serviceUrl: options.service_url, methodName };
}

export function checkCallCredentials(value: unknown, name: string): asserts value is CallCredentials {
  if (!(value instanceof CallCredentials)) {
    throw new TypeError(`${name} must be a CallCredentials object, got ${describe(value)}`);
  }
}

// ---- grpcio's factories ----

/** Makes call credentials that send `authorization: Bearer <token>` (grpcio's `access_token_call_credentials`). */
export function accessTokenCallCredentials(accessToken: string): CallCredentials {
  if (typeof accessToken !== 'string' || accessToken === '') {
    throw new TypeError('accessTokenCallCredentials: accessToken must be a non-empty string,'
      + ` got ${describe(accessToken)}`);
  }
  if (!/^[ -~]*$/.test(accessToken)) {
    throw new Error('accessTokenCallCredentials: accessToken must be printable ASCII, as metadata values are');
  }
  return new AccessTokenCallCredentials(accessToken);
}

/**
 * Makes call credentials from a metadata plugin (grpcio's `metadata_call_credentials`). The plugin is called for each
 * call as `plugin(context, callback)` and calls back with `callback(metadata, null)` or `callback(null, error)`.
 * `name` names the plugin in C-core's traces.
 */
export function metadataCallCredentials(metadataPlugin: AuthMetadataPlugin, name?: string): CallCredentials {
  if (typeof metadataPlugin !== 'function') {
    throw new TypeError(`metadataCallCredentials: metadataPlugin must be a function, got ${describe(metadataPlugin)}`);
  }
  if (name !== undefined && typeof name !== 'string') {
    throw new TypeError(`metadataCallCredentials: name must be a string, got ${describe(name)}`);
  }
  const pluginName = name ?? (metadataPlugin.name || 'metadata plugin');
  return new PluginCallCredentials(pluginName, metadataPlugin, (context, deliver) => {
    metadataPlugin({ ...context }, (first, second) => {
      // grpcio's order is (metadata, error). Node's error-first order (error, metadata) works too, because an Error
      // is recognized in either position, and so is metadata after an empty first argument.
      if (first instanceof Error) {
        deliver(first);
      } else if (second instanceof Error) {
        deliver(second);
      } else if (isAbsent(first) && !isAbsent(second)) {
        deliverMetadata(deliver, second);
      } else {
        deliverMetadata(deliver, first);
      }
    });
  });
}

/** Makes call credentials that apply each of `callCredentials` in turn (grpcio's `composite_call_credentials`). */
export function compositeCallCredentials(...callCredentials: CallCredentials[]): CallCredentials {
  if (callCredentials.length === 0) {
    throw new TypeError('compositeCallCredentials: give at least one CallCredentials object');
  }
  callCredentials.forEach((credentials, i) => {
    checkCallCredentials(credentials, `compositeCallCredentials: argument ${i + 1}`);
  });
  return callCredentials.slice(1).reduce((combined, next) => combined.compose(next), callCredentials[0]);
}

/**
 * Makes C-core's Compute Engine call credentials: each call gets a token from the Compute Engine metadata server, which
 * exists only on Google Cloud. Making them contacts nothing.
 */
export function computeEngineCallCredentials(): CallCredentials {
  return new ComputeEngineCallCredentials();
}
