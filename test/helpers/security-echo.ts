/**
 * An echo service for the security tests that reports what the server saw of a call (metadata and auth context),
 * served and called by grpc-native and by @grpc/grpc-js. It needs no certificates, so child processes can load it
 * cheaply.
 */
import * as assert from 'assert';
import * as grpcJs from '@grpc/grpc-js';
import * as grpc from '../../lib/index';

const serialize = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
const deserialize = (bytes: Buffer): any => JSON.parse(bytes.toString());

export const REPORT_PATH = '/grpc_native.security.Echo/Report';

export const echoService = {
  report: {
    path: REPORT_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: serialize,
    requestDeserialize: deserialize,
    responseSerialize: serialize,
    responseDeserialize: deserialize,
  },
};

/** What the echo server saw of a call. */
export interface Report {
  /** Text metadata as received, by key. */
  metadata: Record<string, string[]>;
  transportSecurityType?: string;
  /** Common name of the client certificate, when one was presented. */
  peerCommonName?: string;
  /** grpcio's peer identities, as strings (ours only). */
  peerIdentities?: string[] | null;
  peerIdentityKey?: string | null;
  /** Property names of grpcio's auth context (ours only). */
  authContextKeys?: string[];
}

function textMetadata(metadata: grpc.Metadata | grpcJs.Metadata): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const [key, values] of Object.entries(metadata.toJSON())) {
    result[key] = (values as Array<string | Buffer>).map((value) => value.toString());
  }
  return result;
}

function reportOurCall(call: grpc.ServerUnaryCall<unknown, unknown>): Report {
  const context = call.getAuthContext() as grpc.CallAuthContext;
  return {
    metadata: textMetadata(call.metadata),
    transportSecurityType: context.transportSecurityType,
    peerCommonName: context.sslPeerCertificate?.subject?.CN as string | undefined,
    peerIdentities: context.peerIdentities()?.map((identity) => identity.toString()) ?? null,
    peerIdentityKey: context.peerIdentityKey(),
    authContextKeys: Object.keys(context.authContext()),
  };
}

function reportGrpcJsCall(call: grpcJs.ServerUnaryCall<unknown, unknown>): Report {
  const context = call.getAuthContext();
  return {
    metadata: textMetadata(call.metadata),
    transportSecurityType: context.transportSecurityType,
    peerCommonName: context.sslPeerCertificate?.subject?.CN as string | undefined,
  };
}

export interface RunningServer {
  port: number;
  /** `127.0.0.1:port` for TCP servers, the address itself otherwise. */
  target: string;
  stop(): Promise<void>;
}

const running: RunningServer[] = [];

/** Stops every server the harness started; call from an `after` hook. */
export async function stopAllServers(): Promise<void> {
  await Promise.all(running.splice(0).map((server) => server.stop()));
}

/** Starts a grpc-native echo server on `address` (default: 127.0.0.1 and a free port). */
export function startOurServer(credentials: grpc.ServerCredentials, address = '127.0.0.1:0'): Promise<RunningServer> {
  const server = new grpc.Server();
  server.addService(echoService as any, {
    report: (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<Report>) => {
      callback(null, reportOurCall(call));
    },
  });
  return new Promise((resolve, reject) => {
    server.bindAsync(address, credentials, (error, port) => {
      if (error) {
        reject(error);
        return;
      }
      const entry: RunningServer = {
        port,
        target: address.startsWith('unix') ? address : `127.0.0.1:${port}`,
        stop: () => new Promise((done) => server.tryShutdown(() => done())),
      };
      running.push(entry);
      resolve(entry);
    });
  });
}

/** Starts a @grpc/grpc-js echo server on 127.0.0.1 and a free port. */
export function startGrpcJsServer(credentials: grpcJs.ServerCredentials): Promise<RunningServer> {
  const server = new grpcJs.Server();
  server.addService(echoService as any, {
    report: (call: grpcJs.ServerUnaryCall<unknown, unknown>, callback: grpcJs.sendUnaryData<Report>) => {
      callback(null, reportGrpcJsCall(call));
    },
  });
  return new Promise((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', credentials, (error, port) => {
      if (error) {
        reject(error);
        return;
      }
      const entry: RunningServer = {
        port,
        target: `127.0.0.1:${port}`,
        stop: () => new Promise((done) => server.tryShutdown(() => done())),
      };
      running.push(entry);
      resolve(entry);
    });
  });
}

const OurEchoClient = grpc.makeGenericClientConstructor(echoService as any, 'Echo');
const GrpcJsEchoClient = grpcJs.makeGenericClientConstructor(echoService as any, 'Echo');

export interface CallResult {
  error: grpc.ServiceError | null;
  report: Report | null;
}

export interface CallSettings {
  callCredentials?: grpc.CallCredentials;
  channelOptions?: Record<string, string | number>;
  /** Milliseconds from now; default 10 seconds. */
  timeoutMs?: number;
  metadata?: grpc.Metadata;
}

/** Makes one echo call with a grpc-native client and closes it. Never rejects: failures come back as `error`. */
export function callWithOurClient(target: string, credentials: grpc.ChannelCredentials,
  settings: CallSettings = {}): Promise<CallResult> {
  const client = new OurEchoClient(target, credentials, settings.channelOptions ?? {}) as any;
  const options: grpc.CallOptions = { deadline: Date.now() + (settings.timeoutMs ?? 10000) };
  if (settings.callCredentials) {
    options.credentials = settings.callCredentials;
  }
  return new Promise((resolve) => {
    client.report({}, settings.metadata ?? new grpc.Metadata(), options, (error: grpc.ServiceError | null, report: Report) => {
      client.close();
      resolve({ error, report: error ? null : report });
    });
  });
}

/** Makes one echo call with a @grpc/grpc-js client and closes it. Never rejects. */
export function callWithGrpcJsClient(target: string, credentials: grpcJs.ChannelCredentials,
  settings: { channelOptions?: grpcJs.ChannelOptions; callCredentials?: grpcJs.CallCredentials } = {}): Promise<CallResult> {
  const client = new GrpcJsEchoClient(target, credentials, settings.channelOptions ?? {}) as any;
  const options: grpcJs.CallOptions = { deadline: Date.now() + 10000 };
  if (settings.callCredentials) {
    options.credentials = settings.callCredentials;
  }
  return new Promise((resolve) => {
    client.report({}, options, (error: grpc.ServiceError | null, report: Report) => {
      client.close();
      resolve({ error, report: error ? null : report });
    });
  });
}

/** Asserts that the call succeeded and returns what the server saw. */
export function expectReport(result: CallResult): Report {
  if (result.error) {
    assert.fail(`the call failed with ${result.error.code}: ${result.error.details}`);
  }
  return result.report!;
}

/** Asserts that the call failed with `code` and details matching `details`. */
export function expectFailure(result: CallResult, code: grpc.status, details?: RegExp): grpc.ServiceError {
  assert.ok(result.error, `the call succeeded, but it should have failed with status ${code}`);
  assert.strictEqual(result.error.code, code, `status ${result.error.code}: ${result.error.details}`);
  if (details) {
    assert.match(result.error.details, details);
  }
  return result.error;
}
