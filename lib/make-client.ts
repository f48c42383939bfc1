/**
 * Client classes made from service definitions, as `@grpc/proto-loader` and ts-proto produce them:
 * `makeClientConstructor` (also exported as `makeGenericClientConstructor`) and `loadPackageDefinition`.
 */
import type { ChannelCredentials } from './channel-credentials';
import type { ChannelOptions } from './channel-options';
import { Client } from './client';

export interface Serialize<T> {
  (value: T): Buffer;
}

export interface Deserialize<T> {
  (bytes: Buffer): T;
}

/** A method's description for clients. */
export interface ClientMethodDefinition<RequestType, ResponseType> {
  /** The HTTP/2 path: `/package.Service/Method`. */
  path: string;
  requestStream: boolean;
  responseStream: boolean;
  requestSerialize: Serialize<RequestType>;
  responseDeserialize: Deserialize<ResponseType>;
  /** The method's name as written in the .proto file, added to a client class as an alias. */
  originalName?: string;
}

/** A method's description for servers. */
export interface ServerMethodDefinition<RequestType, ResponseType> {
  path: string;
  requestStream: boolean;
  responseStream: boolean;
  responseSerialize: Serialize<ResponseType>;
  requestDeserialize: Deserialize<RequestType>;
  originalName?: string;
}

export interface MethodDefinition<RequestType, ResponseType>
  extends ClientMethodDefinition<RequestType, ResponseType>,
    ServerMethodDefinition<RequestType, ResponseType> {}

/** A service: one method definition per method name of the implementation type. */
export type ServiceDefinition<ImplementationType = { [name: string]: unknown }> = {
  readonly [index in keyof ImplementationType]: MethodDefinition<any, any>;
};

/** A message or enum type in a package definition, which `loadPackageDefinition` passes through. */
export interface ProtobufTypeDefinition {
  format: string;
  type: object;
  fileDescriptorProtos: Buffer[];
}

export interface PackageDefinition {
  [index: string]: ServiceDefinition | ProtobufTypeDefinition;
}

export interface ServiceClient extends Client {
  [methodName: string]: Function;
}

export interface ServiceClientConstructor {
  new (address: string, credentials: ChannelCredentials, options?: Partial<ChannelOptions>): ServiceClient;
  service: ServiceDefinition;
  serviceName: string;
}

/** A namespace of `loadPackageDefinition`'s result: sub-packages, client classes and message types. */
export interface GrpcObject {
  [index: string]: GrpcObject | ServiceClientConstructor | ProtobufTypeDefinition;
}

/** Names that would reach into Object.prototype or the class itself when assigned. */
function isUnsafeName(name: string): boolean {
  return name === '__proto__' || name === 'prototype' || name === 'constructor';
}

type CallMethodName = 'makeUnaryRequest' | 'makeClientStreamRequest' | 'makeServerStreamRequest' |
  'makeBidiStreamRequest';

function callMethodFor(definition: ClientMethodDefinition<any, any>): CallMethodName {
  if (definition.requestStream) {
    return definition.responseStream ? 'makeBidiStreamRequest' : 'makeClientStreamRequest';
  }
  return definition.responseStream ? 'makeServerStreamRequest' : 'makeUnaryRequest';
}

function checkMethodDefinition(name: string, definition: unknown): asserts definition is MethodDefinition<any, any> {
  if (typeof definition !== 'object' || definition === null) {
    throw new TypeError(`Method definition "${name}" must be an object`);
  }
  const { path, requestSerialize, responseDeserialize } = definition as Partial<MethodDefinition<any, any>>;
  if (typeof path !== 'string') {
    throw new TypeError(`Method definition "${name}" has no path string`);
  }
  if (typeof requestSerialize !== 'function' || typeof responseDeserialize !== 'function') {
    throw new TypeError(`Method definition "${name}" needs requestSerialize and responseDeserialize functions`);
  }
}

/**
 * Creates a client class with one method per entry of `methods`, each calling the `Client` method for its kind
 * of call with the entry's path and (de)serializers. Each method function also carries the entry's fields
 * (`path`, `requestStream`, ...), and an entry with `originalName` is reachable under that name too.
 * `classOptions` is accepted for compatibility and unused.
 */
export function makeClientConstructor(
  methods: ServiceDefinition,
  serviceName: string,
  classOptions?: {},
): ServiceClientConstructor {
  if (typeof methods !== 'object' || methods === null) {
    throw new TypeError('makeClientConstructor: methods must be a service definition object');
  }
  void classOptions;

  class ServiceClientImpl extends Client implements ServiceClient {
    static service: ServiceDefinition;
    static serviceName: string;
    [methodName: string]: Function;
  }
  const prototype = ServiceClientImpl.prototype as unknown as Record<string, Function>;

  for (const name of Object.keys(methods)) {
    if (isUnsafeName(name)) {
      continue;
    }
    if (name.startsWith('$')) {
      throw new Error(`Method names cannot start with $: "${name}"`);
    }
    const definition: unknown = methods[name];
    checkMethodDefinition(name, definition);

    const callMethod = Client.prototype[callMethodFor(definition)] as (...args: any[]) => any;
    const { path, requestSerialize, responseDeserialize } = definition;
    const method = function (this: Client, ...args: any[]) {
      return callMethod.call(this, path, requestSerialize, responseDeserialize, ...args);
    };
    Object.assign(method, definition);
    prototype[name] = method;
    if (definition.originalName && !isUnsafeName(definition.originalName)) {
      prototype[definition.originalName] = method;
    }
  }

  ServiceClientImpl.service = methods;
  ServiceClientImpl.serviceName = serviceName;
  return ServiceClientImpl;
}

function isProtobufTypeDefinition(value: ServiceDefinition | ProtobufTypeDefinition): value is ProtobufTypeDefinition {
  return 'format' in value;
}

/**
 * Turns a package definition (from `@grpc/proto-loader`) into nested namespaces: `pkg.sub.Service` becomes
 * `result.pkg.sub.Service`, a client class. Message and enum types are passed through unchanged.
 */
export function loadPackageDefinition(packageDef: PackageDefinition): GrpcObject {
  if (typeof packageDef !== 'object' || packageDef === null) {
    throw new TypeError('loadPackageDefinition: packageDef must be an object from @grpc/proto-loader');
  }
  const result: GrpcObject = {};
  for (const fullName of Object.keys(packageDef)) {
    const components = fullName.split('.');
    if (components.some(isUnsafeName)) {
      continue;
    }
    const serviceName = components[components.length - 1];

    let namespace = result;
    for (const packageName of components.slice(0, -1)) {
      namespace[packageName] ??= {};
      namespace = namespace[packageName] as GrpcObject;
    }

    const entry = packageDef[fullName];
    namespace[serviceName] = isProtobufTypeDefinition(entry) ? entry : makeClientConstructor(entry, serviceName, {});
  }
  return result;
}
