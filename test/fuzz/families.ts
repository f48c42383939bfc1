/**
 * The fuzz case families. Each family generates an input (JSON, see values.ts) from a seeded generator and
 * executes it against the real library. The families cover credential constructors fed mutated PEM, metadata with
 * bad keys and values, channel options of the wrong types, targets that are not URIs, and the native addon's own
 * surface called with anything.
 *
 * A case passes when it ends in success or in a thrown Error with a message, and every call it started ended
 * with a valid status. Crashes and hangs are caught by the process that runs the cases (run-cases.ts).
 *
 * Network: calls go only to the servers of the fuzz context, on 127.0.0.1. Targets and addresses that might be
 * resolved through DNS or lead elsewhere are only parsed, never connected: channels made from random targets are
 * closed before any call, and channel options that name a proxy are never generated.
 */
import { ChannelCredentials, sslChannelCredentials } from '../../lib/channel-credentials';
import { Client } from '../../lib/client';
import { Metadata } from '../../lib/metadata';
import { binding } from '../../lib/native';
import { Server } from '../../lib/server';
import {
  dynamicSslServerCredentials,
  ServerCredentials,
  sslServerCertificateConfiguration,
  sslServerCredentials,
} from '../../lib/server-credentials';
import { ECHO_SERVICE, ECHO_IMPLEMENTATION, echoCall } from '../robustness/support';
import { Random } from './random';
import { decode, DecodeContext, Encoded, randomPem, randomValue } from './values';

/** What the cases share: the decode context, servers on loopback and a few long-lived objects. */
export interface FuzzContext extends DecodeContext {
  insecurePort: number;
  tlsPort: number;
  /** A client of the insecure echo server, for metadata cases. */
  insecureClient: Client;
  /** The CA that signed the TLS echo server's certificate. */
  caCert: Buffer;
  /** A native server whose incoming calls wait in `serverCalls` for the server-batch family. */
  nativeServerPort: number;
  takeServerCall(): Promise<any>;
  temporaryDirectory: string;
}

export interface CaseInput {
  family: string;
  [field: string]: unknown;
}

export type Outcome = 'accepted' | 'rejected';

export interface Family {
  name: string;
  /** Relative frequency in a mixed run. */
  weight: number;
  generate(random: Random): CaseInput;
  /** Resolves with the outcome; rejects with a FuzzFailure when the library misbehaved. */
  execute(input: CaseInput, context: FuzzContext): Promise<Outcome>;
}

/** A misbehaviour of the library under test, as opposed to an input it rejected cleanly. */
export class FuzzFailure extends Error {}

/** The maximum wait for the status of a call that a case started; only a hang takes longer. */
const CALL_LIMIT_MS = 15000;

/** Checks that `error` is a clean rejection: an Error with a message. */
export function checkThrown(error: unknown): Outcome {
  if (error instanceof FuzzFailure) {
    throw error;
  }
  if (!(error instanceof Error)) {
    throw new FuzzFailure(`threw a non-Error value: ${String(error)}`);
  }
  if (typeof error.message !== 'string' || error.message.trim() === '') {
    throw new FuzzFailure(`threw ${error.name} without a message`);
  }
  return 'rejected';
}

/** Runs `body`; a thrown Error with a message is a rejection, anything else a failure. */
async function attempt(body: () => Promise<void> | void): Promise<Outcome> {
  try {
    await body();
    return 'accepted';
  } catch (error) {
    return checkThrown(error);
  }
}

function withLimit<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new FuzzFailure(`${what} did not end within ${CALL_LIMIT_MS} ms`)), CALL_LIMIT_MS);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

function checkStatus(code: unknown, details: unknown, what: string): void {
  if (typeof code !== 'number' || !Number.isInteger(code) || code < 0 || code > 16) {
    throw new FuzzFailure(`${what} ended with an invalid status code ${String(code)}`);
  }
  if (typeof details !== 'string') {
    throw new FuzzFailure(`${what} ended with details that are not a string: ${String(details)}`);
  }
}

/**
 * Makes one echo call and checks that it ends with a valid status. Starting the call may throw a clean Error, for
 * instance when a fuzzed Metadata object throws from a getter; that counts as a rejection.
 */
async function callThrough(client: Client, metadata: Metadata, what: string): Promise<Outcome> {
  let call: Promise<{ code: number; details: string }>;
  try {
    call = echoCall(client, Buffer.from('fuzz'), metadata, { deadline: Date.now() + 5000 });
  } catch (error) {
    return checkThrown(error);
  }
  let outcome: { code: number; details: string };
  try {
    outcome = await withLimit(call, what);
  } catch (error) {
    return checkThrown(error);
  }
  checkStatus(outcome.code, outcome.details, what);
  return 'accepted';
}

// ---- credential constructors fed PEM ----

function pemOrValue(random: Random, bases: readonly string[]): Encoded {
  const roll = random.next();
  if (roll < 0.75) {
    return randomPem(random, random.pick(bases) as any);
  }
  if (roll < 0.9) {
    return randomValue(random);
  }
  return random.pick([null, { $: 'undefined' }]);
}

function unmutatedPem(base: string): Encoded {
  return { $: 'pem', base, mutations: [], asString: false };
}

const ROOT_BASES = ['ca.cert', 'otherCa.cert', 'server.cert', 'ca.cert', 'server.key'];
const KEY_BASES = ['client.key', 'server.key', 'client.key', 'server.keyEncrypted', 'server.keyEncryptedTraditional', 'client.cert'];
const CHAIN_BASES = ['client.cert', 'server.cert', 'client.cert', 'expiredServer.cert', 'ca.cert', 'client.key'];

const channelCredentials: Family = {
  name: 'channel-credentials',
  weight: 20,
  generate(random) {
    const api = random.pick(['createSsl', 'sslChannelCredentials']);
    const args = [pemOrValue(random, ROOT_BASES), pemOrValue(random, KEY_BASES), pemOrValue(random, CHAIN_BASES)];
    // Absent arguments are common in real use.
    for (let i = 0; i < args.length; i++) {
      if (random.chance(0.3)) {
        args[i] = null;
      }
    }
    const verify: Array<[string, Encoded]> = [];
    if (random.chance(0.2)) {
      verify.push(['rejectUnauthorized', random.chance(0.7) ? random.chance(0.5) : randomValue(random)]);
    }
    if (random.chance(0.1)) {
      verify.push(['checkServerIdentity', random.chance(0.5) ? { $: 'throwing-function' } : randomValue(random)]);
    }
    if (random.chance(0.1)) {
      verify.push(['privateKeyPassphrase', random.chance(0.5) ? 'grpc-native test passphrase' : randomValue(random)]);
    }
    return { family: this.name, api, args, verify, call: random.chance(0.05) };
  },
  async execute(input, context) {
    const [roots, key, chain] = (input.args as Encoded[]).map((arg) => decode(arg, context)) as any[];
    const verify = decode({ $: 'object', entries: input.verify as Array<[string, Encoded]> }, context) as any;
    let credentials: ChannelCredentials;
    try {
      credentials = input.api === 'createSsl'
        ? ChannelCredentials.createSsl(roots, key, chain, verify)
        : sslChannelCredentials({ rootCertificates: roots, privateKey: key, certificateChain: chain, ...verify });
    } catch (error) {
      return checkThrown(error);
    }
    if (input.call) {
      const client = new Client(`127.0.0.1:${context.tlsPort}`, credentials);
      try {
        await callThrough(client, new Metadata(), 'a TLS call with fuzzed channel credentials');
      } finally {
        client.close();
      }
    }
    return 'accepted';
  },
};

const serverCredentials: Family = {
  name: 'server-credentials',
  weight: 15,
  generate(random) {
    const api = random.pick(['createSsl', 'sslServerCredentials', 'dynamicSslServerCredentials']);
    const pairCount = random.pick([0, 1, 1, 1, 2, 3]);
    const pairs: Encoded[] = [];
    for (let i = 0; i < pairCount; i++) {
      // A third of the pairs are valid, so that some credentials get made and served.
      const valid = random.chance(0.33);
      const key = valid ? unmutatedPem('server.key') : pemOrValue(random, ['server.key', 'otherServer.key', 'client.key', 'server.cert']);
      const chain = valid ? unmutatedPem('server.cert') : pemOrValue(random, ['server.cert', 'otherServer.cert', 'ca.cert', 'server.key']);
      const shape = random.int(0, 3);
      if (shape === 0) {
        pairs.push({ $: 'object', entries: [['private_key', key], ['cert_chain', chain]] });
      } else if (shape === 1) {
        pairs.push({ $: 'object', entries: [['privateKey', key], ['certificateChain', chain]] });
      } else if (shape === 2) {
        pairs.push([key, chain]);
      } else {
        pairs.push(randomValue(random));
      }
    }
    const roots = random.chance(0.5) ? pemOrValue(random, ROOT_BASES) : null;
    const flag: Encoded = random.chance(0.8) ? random.chance(0.5) : randomValue(random);
    const pairsArgument: Encoded = random.chance(0.9) ? pairs : randomValue(random);
    return { family: this.name, api, pairs: pairsArgument, roots, flag, serve: random.chance(0.03) };
  },
  async execute(input, context) {
    const pairs = decode(input.pairs as Encoded, context) as any;
    const roots = decode(input.roots as Encoded, context) as any;
    const flag = decode(input.flag as Encoded, context) as any;
    let credentials: ServerCredentials;
    try {
      if (input.api === 'createSsl') {
        credentials = ServerCredentials.createSsl(roots, pairs, flag);
      } else if (input.api === 'sslServerCredentials') {
        credentials = sslServerCredentials(pairs, { rootCertificates: roots, requireClientAuth: flag });
      } else {
        const configuration = sslServerCertificateConfiguration(pairs, roots);
        credentials = dynamicSslServerCredentials(configuration, () => null, flag);
      }
    } catch (error) {
      return checkThrown(error);
    }
    if (input.serve) {
      await serveOnce(credentials, context);
    }
    return 'accepted';
  },
};

/** Binds a server with `credentials`, makes one TLS call to it, and shuts it down. */
async function serveOnce(credentials: ServerCredentials, context: FuzzContext): Promise<void> {
  const server = new Server();
  server.addService(ECHO_SERVICE, ECHO_IMPLEMENTATION as any);
  const port = await new Promise<number | null>((resolve) => {
    server.bindAsync('127.0.0.1:0', credentials, (error, bound) => resolve(error ? null : bound));
  });
  try {
    if (port !== null) {
      const client = new Client(`127.0.0.1:${port}`, ChannelCredentials.createSsl(context.caCert));
      try {
        await callThrough(client, new Metadata(), 'a call to a server with fuzzed credentials');
      } finally {
        client.close();
      }
    }
  } finally {
    server.forceShutdown();
  }
}

// ---- metadata ----

const METADATA_KEYS = [
  'x-fuzz', 'x-fuzz-bin', '-bin', 'bin', 'X-Upper', 'x fuzz', '', ':path', ':authority', 'grpc-timeout',
  'grpc-status', 'grpc-message', 'grpc-encoding', 'grpc-accept-encoding', 'content-type', 'te', 'user-agent',
  'host', 'authorization', 'x-\u00e9', 'x-\0', 'x-fuzz\n', 'x.fuzz_key-1', 'grpc-internal-encoding-request',
];

function randomMetadataKey(random: Random): Encoded {
  const roll = random.next();
  if (roll < 0.5) {
    return random.pick(METADATA_KEYS);
  }
  if (roll < 0.75) {
    return random.stringFrom('abcdefghijklmnopqrstuvwxyz0123456789-_.', random.length(64)) + random.pick(['', '-bin']);
  }
  if (roll < 0.9) {
    return random.anyString(64);
  }
  if (roll < 0.95) {
    // Long keys, up to 100,000 characters.
    return 'x-'.padEnd(random.int(100, 100000), 'k');
  }
  return randomValue(random);
}

function randomMetadataValue(random: Random): Encoded {
  const roll = random.next();
  if (roll < 0.3) {
    return random.stringFrom(' !"#$%&\'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~', random.length(200));
  }
  if (roll < 0.5) {
    return random.anyString(200);
  }
  if (roll < 0.7) {
    return { $: 'buffer', base64: random.bytes(random.length(2000)).toString('base64') };
  }
  if (roll < 0.8) {
    // Large values, up to 1 MB: more than C-core's default limit on metadata size.
    return 'v'.repeat(random.pick([4096, 8192, 16384, 65536, 1 << 20]));
  }
  return randomValue(random);
}

const metadataFamily: Family = {
  name: 'metadata',
  weight: 20,
  generate(random) {
    const operations: Encoded[] = [];
    const count = random.int(1, 6);
    for (let i = 0; i < count; i++) {
      const operation = random.pick(['add', 'add', 'set', 'remove', 'get', 'clone', 'getMap', 'merge', 'constructor']);
      operations.push([operation, randomMetadataKey(random), randomMetadataValue(random)]);
    }
    return { family: this.name, operations, send: random.chance(0.1) };
  },
  async execute(input, context) {
    let metadata = new Metadata();
    const outcome = await attempt(() => {
      for (const encoded of input.operations as Encoded[][]) {
        const [operation, key, value] = [encoded[0] as string, decode(encoded[1], context), decode(encoded[2], context)];
        const target = metadata as any;
        switch (operation) {
          case 'add':
          case 'set':
          case 'remove':
          case 'get':
            target[operation](key, value);
            break;
          case 'clone':
            metadata = metadata.clone();
            break;
          case 'getMap':
            metadata.getMap();
            break;
          case 'merge':
            metadata.merge(value as any);
            break;
          default:
            metadata = new Metadata(value as any);
        }
      }
    });
    if (input.send) {
      // Whatever the Metadata object kept after the rejected operations must still be sendable.
      const sent = await callThrough(context.insecureClient, metadata, 'a call with fuzzed metadata');
      return outcome === 'rejected' ? outcome : sent;
    }
    return outcome;
  },
};

// ---- channel options ----

const OPTION_KEYS = [
  'grpc.ssl_target_name_override', 'grpc.primary_user_agent', 'grpc.secondary_user_agent', 'grpc.default_authority',
  'grpc.keepalive_time_ms', 'grpc.keepalive_timeout_ms', 'grpc.keepalive_permit_without_calls',
  'grpc.service_config', 'grpc.service_config_disable_resolution', 'grpc.max_concurrent_streams',
  'grpc.initial_reconnect_backoff_ms', 'grpc.max_reconnect_backoff_ms', 'grpc.min_reconnect_backoff_ms',
  'grpc.use_local_subchannel_pool', 'grpc.max_send_message_length', 'grpc.max_receive_message_length',
  'grpc.enable_retries', 'grpc.per_rpc_retry_buffer_size', 'grpc.max_connection_age_ms',
  'grpc.max_connection_idle_ms', 'grpc.client_idle_timeout_ms', 'grpc.default_compression_algorithm',
  'grpc.default_compression_level', 'grpc.enable_channelz', 'grpc.http2.min_time_between_pings_ms',
  'grpc.http2.max_pings_without_data', 'grpc.lb_policy_name', 'grpc.max_metadata_size', 'grpc.http2.max_frame_size',
  'grpc.http2.lookahead_bytes', 'grpc.http2.write_buffer_size', 'grpc.http2.hpack_table_size.decoder',
  'grpc.http2.hpack_table_size.encoder', 'grpc.http2.true_binary', 'grpc.minimal_stack', 'grpc.census',
  'grpc.optimization_target', 'grpc.resource_quota', 'grpc.socket_mutator', 'grpc.socket_factory',
  'grpc.channel_pooling_domain', 'grpc.channel_id', 'grpc.experimental.tcp_read_chunk_size',
  'grpc.max_channel_trace_event_memory_per_node', 'grpc.http2_scheme', 'grpc.enable_deadline_checking',
  'grpc.per_message_compression', 'grpc.tsi.max_frame_size', 'grpc.grpclb_call_timeout_ms',
  'grpc-node.max_session_memory', 'grpc.authorization_policy_provider', 'grpc.dns_min_time_between_resolutions_ms',
];

// Service configs and LB policies that keep every connection on the loopback target of the channel.
const SERVICE_CONFIGS = [
  '', '{', '{}', 'null', '[]', '{"loadBalancingConfig":[{"round_robin":{}}]}',
  '{"loadBalancingConfig":[{"no_such_policy":{}}]}', '{"loadBalancingPolicy":"ROUND_ROBIN"}',
  '{"methodConfig":[{"name":[{}],"timeout":"-1s"}]}', '{"methodConfig":[{"name":[{"service":""}],"timeout":"1e99s"}]}',
  '{"methodConfig":[{"name":[{}],"retryPolicy":{"maxAttempts":-5}}]}',
  '{"methodConfig":[{"name":[{}],"retryPolicy":{"maxAttempts":5,"initialBackoff":"0.1s","maxBackoff":"1s","backoffMultiplier":2,"retryableStatusCodes":["UNAVAILABLE"]}}]}',
  '{"methodConfig":[{"name":[{}],"maxRequestMessageBytes":-1,"maxResponseMessageBytes":"x"}]}',
  '{"retryThrottling":{"maxTokens":-1,"tokenRatio":1e30}}', '{"healthCheckConfig":{"serviceName":5}}',
];

function randomOptionValue(random: Random, key: string): Encoded {
  const roll = random.next();
  if (key === 'grpc.service_config' && roll < 0.6) {
    return random.pick(SERVICE_CONFIGS);
  }
  if (key === 'grpc.lb_policy_name' && roll < 0.6) {
    return random.pick(['pick_first', 'round_robin', 'grpclb', 'priority_experimental', 'weighted_target_experimental',
      'xds_cluster_resolver_experimental', 'no_such_policy', '', 'PICK_FIRST']);
  }
  if (roll < 0.4) {
    return random.pick([0, 1, -1, 2, 100, 4096, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, 2 ** 53, -(2 ** 53), 1e300]);
  }
  if (roll < 0.55) {
    return random.chance(0.5);
  }
  if (roll < 0.75) {
    return random.anyString(128);
  }
  return randomValue(random);
}

const channelOptions: Family = {
  name: 'channel-options',
  weight: 15,
  generate(random) {
    const entries: Array<[string, Encoded]> = [];
    const count = random.int(0, 6);
    for (let i = 0; i < count; i++) {
      const key = random.chance(0.85) ? random.pick(OPTION_KEYS) : random.anyString(40);
      entries.push([key, randomOptionValue(random, key)]);
    }
    const options: Encoded = random.chance(0.95) ? { $: 'object', entries } : randomValue(random);
    return { family: this.name, options, via: random.pick(['client', 'server']), call: random.chance(0.1) };
  },
  async execute(input, context) {
    const options = decode(input.options as Encoded, context) as any;
    if (input.via === 'server') {
      let server: Server;
      try {
        server = new Server(options);
      } catch (error) {
        return checkThrown(error);
      }
      if (input.call) {
        server.addService(ECHO_SERVICE, ECHO_IMPLEMENTATION as any);
        const port = await new Promise<number | null>((resolve) => {
          server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => resolve(error ? null : bound));
        });
        if (port !== null) {
          const client = new Client(`ipv4:127.0.0.1:${port}`, ChannelCredentials.createInsecure());
          try {
            await callThrough(client, new Metadata(), 'a call to a server with fuzzed options');
          } finally {
            client.close();
          }
        }
        server.forceShutdown();
      }
      return 'accepted';
    }
    let client: Client;
    try {
      // The ipv4: scheme resolves nothing through DNS, whatever the options contain.
      client = new Client(`ipv4:127.0.0.1:${context.insecurePort}`, ChannelCredentials.createInsecure(), options);
    } catch (error) {
      return checkThrown(error);
    }
    try {
      if (input.call) {
        await callThrough(client, new Metadata(), 'a call on a channel with fuzzed options');
      }
    } finally {
      client.close();
    }
    return 'accepted';
  },
};

// ---- targets ----

const TARGET_SCHEMES = [
  '', '', 'dns:', 'dns:///', 'dns://127.0.0.1/', 'dns://[::1]:53/', 'ipv4:', 'ipv6:', 'unix:', 'unix://', 'unix:///',
  'unix-abstract:', 'vsock:', 'xds:///', 'http://', 'https://', 'fake:', '%', ':', '//', 'a:b:c:', 'dns:%zz',
];
const TARGET_HOSTS = [
  '', 'localhost', '127.0.0.1', '[::1]', '::1', '[::1', '::1]', '[]', '[::ffff:127.0.0.1]', '256.256.256.256',
  '127.0.0.1,127.0.0.2', '127.0.0.1:1,[::1]:2', 'fe80::1%lo', '[fe80::1%25lo]', '0', '%00', 'host name', '\u00e9.example',
];
const TARGET_PORTS = ['', ':', ':0', ':1', ':65535', ':65536', ':-1', ':99999999999', ':http', ':%', '::', ':1:2'];

const targets: Family = {
  name: 'target',
  weight: 10,
  generate(random) {
    let target: string;
    if (random.chance(0.2)) {
      target = random.anyString(300);
    } else {
      target = random.pick(TARGET_SCHEMES) + random.pick(TARGET_HOSTS) + random.pick(TARGET_PORTS);
      if (random.chance(0.3)) {
        target += random.pick(['/', '?x=1', '#f', '/path/../x', '\0', ' ', random.anyString(20)]);
      }
    }
    const value: Encoded = random.chance(0.95) ? target : randomValue(random);
    return { family: this.name, target: value, via: random.pick(['client', 'native']) };
  },
  async execute(input, context) {
    const target = decode(input.target as Encoded, context) as any;
    return attempt(() => {
      // Only parsed: these channels are closed without a call, so no target is ever resolved or connected.
      if (input.via === 'client') {
        const client = new Client(target, ChannelCredentials.createInsecure());
        client.getChannel().getTarget();
        client.getChannel().getConnectivityState(false);
        client.close();
      } else {
        const channel = new binding.Channel(target, binding.insecureChannelCredentials(), {});
        channel.getTarget();
        channel.getConnectivityState(false);
        channel.close();
      }
    });
  },
};

// ---- the native surface, called as no TypeScript caller would ----

function nativeCallArguments(random: Random): Encoded[] {
  const method: Encoded = random.chance(0.7) ? random.pick(['/robustness.Echo/Echo', '/x/y', '', 'no-slash']) : randomValue(random);
  const deadline: Encoded = random.chance(0.6)
    ? random.pick([{ $: 'number', value: 'Infinity' }, 'soon', 'soon', 0, -1, 1e300, -1e300, { $: 'number', value: 'NaN' }, 8.64e15, 2 ** 63])
    : randomValue(random);
  const host: Encoded = random.chance(0.7) ? null : randomValue(random);
  const parent: Encoded = random.chance(0.8) ? null : random.pick(['client-call', 'server-call', 'closed-call']);
  const flags: Encoded = random.chance(0.7) ? 0 : randomValue(random);
  return [method, deadline, host, parent, flags];
}

const BATCH_FIELDS = [
  'sendInitialMetadata', 'sendMessage', 'sendMessageFlags', 'sendCloseFromClient', 'sendStatusFromServer',
  'recvInitialMetadata', 'recvMessage', 'recvStatusOnClient', 'recvCloseOnServer',
];

function randomBatchField(random: Random, field: string): Encoded {
  if (random.chance(0.3)) {
    return randomValue(random);
  }
  switch (field) {
    case 'sendInitialMetadata':
      return Array.from({ length: random.int(0, 3) * 2 }, (_, i) => (i % 2 === 0 ? randomMetadataKey(random) : randomMetadataValue(random)));
    case 'sendMessage':
      return { $: 'buffer', base64: random.bytes(random.length(100000)).toString('base64') };
    case 'sendMessageFlags':
      return random.pick([0, 1, 2, 3, 4, 255, -1, 2 ** 32]);
    case 'sendStatusFromServer':
      return {
        $: 'object',
        entries: [
          ['code', random.pick([0, 1, 2, 13, 16, 17, -1, 1000, 2 ** 31 - 1, -(2 ** 31), 0.5, { $: 'number', value: 'NaN' }])],
          ['details', random.chance(0.7) ? random.anyString(200) : randomValue(random)],
          ['metadata', random.chance(0.7) ? [] : randomBatchField(random, 'sendInitialMetadata')],
        ],
      };
    default:
      return true;
  }
}

function randomBatch(random: Random): Encoded {
  if (random.chance(0.1)) {
    return randomValue(random);
  }
  const entries: Array<[string, Encoded]> = [];
  for (const field of BATCH_FIELDS) {
    if (random.chance(0.3)) {
      entries.push([field, randomBatchField(random, field)]);
    }
  }
  return { $: 'object', entries };
}

const NATIVE_ACTIONS = [
  'channel-constructor', 'server-constructor', 'add-port', 'server-lifecycle', 'create-call', 'client-batch',
  'cancel', 'watch', 'wrong-receiver', 'closed-channel',
];

const nativeApi: Family = {
  name: 'native-api',
  weight: 12,
  generate(random) {
    const action = random.pick(NATIVE_ACTIONS);
    return {
      family: this.name,
      action,
      values: Array.from({ length: 4 }, () => randomValue(random)),
      callArguments: nativeCallArguments(random),
      batches: Array.from({ length: random.int(1, 3) }, () => randomBatch(random)),
      address: randomLoopbackAddress(random),
      callbackThrows: random.chance(0.05),
    };
  },
  async execute(input, context) {
    return executeNative(input, context);
  },
};

// Addresses for addPort that C-core can bind or reject without resolving a host name.
function randomLoopbackAddress(random: Random): Encoded {
  const roll = random.next();
  if (roll < 0.4) {
    return random.pick(['127.0.0.1', '[::1]', '127.0.0.1', '0.0.0.0', '[::]']) + random.pick(TARGET_PORTS);
  }
  if (roll < 0.6) {
    return random.pick(['unix:', 'unix-abstract:', 'unix://']) + random.stringFrom('abcdefgh/._-\0', random.length(200));
  }
  if (roll < 0.8) {
    return random.stringFrom('0123456789.:[]%', random.length(40));
  }
  return random.pick(['', ':', '[', '[]:0', 'ipv4:127.0.0.1:0', 'dns:127.0.0.1:0']);
}

/** Tracks the batches a native case started, so that the case waits for every completion. */
class BatchTracker {
  private pending = 0;
  private idle: (() => void) | null = null;

  constructor(private readonly throwFromCallback: boolean) {}

  callback(): (error: unknown, result: unknown) => void {
    this.pending++;
    let called = false;
    return (error, result) => {
      if (called) {
        throw new FuzzFailure('a batch callback ran twice');
      }
      called = true;
      if (error !== null && !(error instanceof Error)) {
        throw new FuzzFailure(`a batch completed with an error that is not an Error: ${String(error)}`);
      }
      const status = (result as any)?.status;
      if (status !== undefined) {
        checkStatus(status.code, status.details, 'a native client call');
      }
      this.pending--;
      if (this.pending === 0 && this.idle !== null) {
        this.idle();
      }
      if (this.throwFromCallback) {
        throw new Error('thrown by a fuzz input');
      }
    };
  }

  /** Starts a batch; a refused batch never calls back, so it stops counting. */
  start(call: any, batch: unknown): void {
    const callback = this.callback();
    try {
      call.startBatch(batch, callback);
    } catch (error) {
      this.pending--;
      throw error;
    }
  }

  drained(): Promise<void> {
    if (this.pending === 0) {
      return Promise.resolve();
    }
    return withLimit(new Promise<void>((resolve) => {
      this.idle = resolve;
    }), `${this.pending} native batches`);
  }
}

function deadlineOf(value: unknown): unknown {
  return value === 'soon' ? Date.now() + 2000 : value;
}

async function executeNative(input: CaseInput, context: FuzzContext): Promise<Outcome> {
  const values = (input.values as Encoded[]).map((value) => decode(value, context)) as any[];
  const tracker = new BatchTracker(Boolean(input.callbackThrows));
  const channel = new binding.Channel(`ipv4:127.0.0.1:${context.insecurePort}`, binding.insecureChannelCredentials(), {}) as any;
  const cleanups: Array<() => void> = [() => channel.close()];
  let outcome: Outcome;
  try {
    outcome = await attempt(async () => {
      switch (input.action) {
        case 'channel-constructor': {
          // A string target here is only parsed: the channel is closed right away.
          const created = new (binding as any).Channel(values[0], values[1], values[2]);
          created.close();
          break;
        }
        case 'server-constructor': {
          const server = new (binding as any).Server(values[0]);
          cleanups.push(() => server.shutdown(() => {}));
          break;
        }
        case 'add-port': {
          const server = new binding.Server({}) as any;
          const address = decode(input.address as Encoded, context);
          cleanups.push(() => server.shutdown(() => {}));
          const credentials = values[1] === null ? binding.insecureServerCredentials() : values[1];
          server.addPort(address, credentials);
          break;
        }
        case 'server-lifecycle':
          await serverLifecycle(values, tracker);
          break;
        case 'create-call':
        case 'client-batch': {
          const call = await createCall(channel, input.callArguments as Encoded[], context);
          cleanups.push(() => call.cancel());
          if (input.action === 'client-batch') {
            for (const batch of input.batches as Encoded[]) {
              tracker.start(call, decode(batch, context));
            }
          }
          break;
        }
        case 'cancel': {
          const call = await createCall(channel, input.callArguments as Encoded[], context);
          cleanups.push(() => call.cancel());
          tracker.start(call, { recvStatusOnClient: true });
          call.cancelWithStatus(values[0], values[1]);
          break;
        }
        case 'watch':
          channel.watchConnectivityState(values[0], deadlineOf(values[1]) ?? Date.now() + 100, values[2]);
          break;
        case 'wrong-receiver': {
          const receivers = [(binding as any).Channel.prototype, {}, null, Object.create((binding as any).Channel.prototype)];
          const methods = ['createCall', 'close', 'getTarget', 'watchConnectivityState', 'getConnectivityState'];
          for (const receiver of receivers) {
            for (const name of methods) {
              try {
                (binding as any).Channel.prototype[name].call(receiver, ...values);
              } catch (error) {
                checkThrown(error);
              }
            }
          }
          break;
        }
        default: {
          channel.close();
          channel.createCall('/x/y', Date.now() + 1000, null, null, 0);
        }
      }
    });
  } finally {
    for (const cleanup of cleanups.reverse()) {
      try {
        cleanup();
      } catch (error) {
        checkThrown(error);
      }
    }
  }
  await tracker.drained();
  return outcome;
}

async function createCall(channel: any, encoded: Encoded[], context: FuzzContext): Promise<any> {
  const [method, deadline, host, parentKind, flags] = encoded.map((value) => decode(value, context)) as any[];
  let parent: unknown = null;
  if (parentKind === 'client-call') {
    parent = channel.createCall('/x/y', Date.now() + 1000, null, null, 0);
  } else if (parentKind === 'server-call' || parentKind === 'closed-call') {
    parent = (await serverCall(context)).call;
    if (parentKind === 'closed-call') {
      (parent as any).cancel();
    }
  }
  return channel.createCall(method, deadlineOf(deadline), host, parent, flags);
}

/** Makes a native client call to the context's native server and returns the server's side of it. */
async function serverCall(context: FuzzContext): Promise<any> {
  const channel = new binding.Channel(`ipv4:127.0.0.1:${context.nativeServerPort}`, binding.insecureChannelCredentials(), {}) as any;
  const client = channel.createCall('/robustness.Echo/Echo', Date.now() + 5000, null, null, 0);
  client.startBatch({ sendInitialMetadata: [], sendMessage: Buffer.from('x'), sendCloseFromClient: true,
    recvStatusOnClient: true }, () => channel.close());
  const info = await withLimit(context.takeServerCall(), 'an incoming call on the native server');
  // The server side is cancelled after the case; the client then gets its status and closes its channel.
  setTimeout(() => info.call.cancel(), 3000).unref();
  return info;
}

async function serverLifecycle(values: any[], tracker: BatchTracker): Promise<void> {
  const server = new binding.Server({}) as any;
  const steps = ['addPort', 'start', 'requestCall', 'shutdown', 'cancelAllCalls', 'start', 'requestCall', 'shutdown'];
  let shutDown = false;
  try {
    for (const [i, step] of steps.entries()) {
      const value = values[i % values.length];
      try {
        if (step === 'addPort') {
          server.addPort('127.0.0.1:0', binding.insecureServerCredentials());
        } else if (step === 'requestCall') {
          const callback = tracker.callback();
          try {
            server.requestCall((info: any) => callback(null, info === null ? {} : (info.call.cancel(), {})));
          } catch (error) {
            callback(null, {});
            throw error;
          }
        } else if (step === 'shutdown') {
          const callback = tracker.callback();
          try {
            server.shutdown(() => callback(null, {}));
            shutDown = true;
          } catch (error) {
            callback(null, {});
            throw error;
          }
        } else {
          server[step](value);
        }
      } catch (error) {
        checkThrown(error);
      }
    }
  } finally {
    if (!shutDown) {
      server.shutdown(() => {});
    }
  }
}

const serverBatch: Family = {
  name: 'server-batch',
  weight: 3,
  generate(random) {
    return {
      family: this.name,
      batches: Array.from({ length: random.int(1, 3) }, () => randomBatch(random)),
      cancel: random.chance(0.3) ? randomValue(random) : null,
    };
  },
  async execute(input, context) {
    const info = await serverCall(context);
    const tracker = new BatchTracker(false);
    const outcome = await attempt(() => {
      for (const batch of input.batches as Encoded[]) {
        try {
          tracker.start(info.call, decode(batch, context));
        } catch (error) {
          checkThrown(error);
        }
      }
      if (input.cancel !== null) {
        const code = decode(input.cancel as Encoded, context);
        info.call.cancelWithStatus(code, 'fuzz');
      }
    });
    info.call.cancel();
    await tracker.drained();
    return outcome;
  },
};

export const FAMILIES: Family[] = [
  channelCredentials, serverCredentials, metadataFamily, channelOptions, targets, nativeApi, serverBatch,
];

export function familyNamed(name: string): Family {
  const family = FAMILIES.find((candidate) => candidate.name === name);
  if (family === undefined) {
    throw new Error(`unknown fuzz family ${name}; the families are ${FAMILIES.map((f) => f.name).join(', ')}`);
  }
  return family;
}

/** Picks the family of case `index` by weight. */
export function pickFamily(random: Random, families: Family[]): Family {
  const total = families.reduce((sum, family) => sum + family.weight, 0);
  let roll = random.next() * total;
  for (const family of families) {
    roll -= family.weight;
    if (roll < 0) {
      return family;
    }
  }
  return families[families.length - 1];
}

