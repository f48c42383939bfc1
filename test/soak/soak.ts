/**
 * The soak run behind `npm run soak` (not part of npm test). For a few minutes it makes mixed calls, unary and all
 * three kinds of streams, over TLS with channel and per-call plugin credentials. Meanwhile the server rotates its
 * certificate every few seconds, and the clients reconnect to see each new one. The run fails on any call that
 * does not end as expected, when the clients saw fewer than two server certificates, or when the resident set
 * grows by more than the margin over the second half of the run.
 *
 * Usage: npm run soak -- [--seconds 180] [--concurrency 16] [--rotate-seconds 3] [--margin-mb 40]
 */
import { metadataCallCredentials } from '../../lib/call-credentials';
import { ChannelCredentials } from '../../lib/channel-credentials';
import { Client } from '../../lib/client';
import { Status } from '../../lib/constants';
import { Metadata } from '../../lib/metadata';
import { Server } from '../../lib/server';
import { dynamicSslServerCredentials, sslServerCertificateConfiguration } from '../../lib/server-credentials';
import { identity, testCerts } from '../robustness/support';

const SERVICE = {
  unary: { path: '/soak.Soak/Unary', requestStream: false, responseStream: false },
  serverStream: { path: '/soak.Soak/ServerStream', requestStream: false, responseStream: true },
  clientStream: { path: '/soak.Soak/ClientStream', requestStream: true, responseStream: false },
  bidi: { path: '/soak.Soak/Bidi', requestStream: true, responseStream: true },
};

type Kind = keyof typeof SERVICE;

function parseArguments(argv: string[]) {
  const options = { seconds: 180, concurrency: 16, rotateSeconds: 3, marginMb: 40 };
  for (let i = 0; i < argv.length; i += 2) {
    const value = Number(argv[i + 1]);
    switch (argv[i]) {
      case '--seconds': options.seconds = value; break;
      case '--concurrency': options.concurrency = value; break;
      case '--rotate-seconds': options.rotateSeconds = value; break;
      case '--margin-mb': options.marginMb = value; break;
      default: throw new Error(`soak: unknown argument ${argv[i]}; see the usage at the top of test/soak/soak.ts`);
    }
  }
  return options;
}

/** Checks the tokens that both plugins add; a call without them fails with UNAUTHENTICATED. */
function checkTokens(metadata: Metadata): { code: number; details: string } | null {
  if (metadata.get('x-channel-token').length !== 1 || metadata.get('x-call-token').length !== 1) {
    return { code: Status.UNAUTHENTICATED, details: 'a plugin token is missing' };
  }
  return null;
}

const implementation = {
  unary(call: any, callback: any) {
    callback(checkTokens(call.metadata), call.request);
  },
  serverStream(call: any) {
    const failure = checkTokens(call.metadata);
    if (failure !== null) {
      call.emit('error', failure);
      return;
    }
    const count = call.request.length % 8;
    for (let i = 0; i < count; i++) {
      call.write(call.request);
    }
    call.end();
  },
  clientStream(call: any, callback: any) {
    let total = 0;
    call.on('data', (message: Buffer) => {
      total += message.length;
    });
    call.on('end', () => callback(checkTokens(call.metadata), Buffer.from(String(total))));
    call.on('error', () => {});
  },
  bidi(call: any) {
    call.on('data', (message: Buffer) => call.write(message));
    call.on('end', () => call.end());
    call.on('error', () => {});
  },
};

function withSerialization(service: typeof SERVICE) {
  const definition: Record<string, object> = {};
  for (const [name, method] of Object.entries(service)) {
    definition[name] = { ...method, requestSerialize: identity, requestDeserialize: identity,
      responseSerialize: identity, responseDeserialize: identity };
  }
  return definition;
}

interface Tally {
  calls: Record<Kind, number>;
  unexpected: Array<{ kind: Kind; code: number; details: string }>;
  unexpectedCount: number;
  fingerprints: Set<string>;
  reconnects: number;
  rotations: number;
}

/** Makes one call of `kind` and resolves with its status code and details. */
function callOnce(client: Client, kind: Kind, payload: Buffer, credentials: any): Promise<{ code: number; details: string }> {
  const options = { deadline: Date.now() + 20000, credentials };
  return new Promise((resolve) => {
    const method = SERVICE[kind].path;
    const finish = (error: any) => resolve(error ? { code: error.code, details: error.details } : { code: Status.OK, details: '' });
    if (kind === 'unary') {
      client.makeUnaryRequest(method, identity, identity, payload, new Metadata(), options, finish);
    } else if (kind === 'clientStream') {
      const call = client.makeClientStreamRequest(method, identity, identity, new Metadata(), options, finish);
      for (let i = 0; i < 3; i++) {
        call.write(payload);
      }
      call.end();
    } else {
      const call: any = kind === 'serverStream'
        ? client.makeServerStreamRequest(method, identity, identity, payload, new Metadata(), options)
        : client.makeBidiStreamRequest(method, identity, identity, new Metadata(), options);
      call.on('data', () => {});
      call.on('error', finish);
      call.on('status', (status: any) => {
        if (status.code === Status.OK) {
          finish(null);
        }
      });
      if (kind === 'bidi') {
        for (let i = 0; i < 3; i++) {
          call.write(payload);
        }
        call.end();
      }
    }
  });
}

async function settledRssMb(): Promise<number> {
  (global as any).gc?.();
  await new Promise((resolve) => setTimeout(resolve, 100));
  return process.memoryUsage().rss / 2 ** 20;
}

async function main(): Promise<void> {
  const options = parseArguments(process.argv.slice(2));
  const certs = testCerts();
  // Two server certificates from two CAs, which the clients both trust: each rotation changes what they see.
  const configurations = [
    sslServerCertificateConfiguration([[certs.server.key, certs.server.cert]]),
    sslServerCertificateConfiguration([[certs.otherServer.key, certs.otherServer.cert]]),
  ];
  const serverCredentials = dynamicSslServerCredentials(configurations[0], () => null);
  const server = new Server();
  server.addService(withSerialization(SERVICE) as any, implementation);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', serverCredentials, (error, bound) => (error ? reject(error) : resolve(bound)));
  });

  const tally: Tally = {
    calls: { unary: 0, serverStream: 0, clientStream: 0, bidi: 0 },
    unexpected: [],
    unexpectedCount: 0,
    fingerprints: new Set(),
    reconnects: 0,
    rotations: 0,
  };
  const roots = Buffer.concat([certs.ca.cert, certs.otherCa.cert]);
  let channelTokens = 0;
  const channelCredentials = () => ChannelCredentials.createSsl(roots, null, null, {
    checkServerIdentity: (_host: string, certificate: any) => {
      tally.fingerprints.add(certificate.fingerprint256);
      return undefined;
    },
  }).compose(metadataCallCredentials((_context, callback) => {
    const metadata = new Metadata();
    metadata.set('x-channel-token', `channel-${channelTokens++}`);
    callback(metadata);
  }));
  // A local subchannel pool makes each new client open its own connection, and so make a new handshake.
  const newClient = () => new Client(`127.0.0.1:${port}`, channelCredentials(), { 'grpc.use_local_subchannel_pool': 1 });

  const rotation = setInterval(() => {
    tally.rotations++;
    serverCredentials.updateCertificateConfiguration(configurations[tally.rotations % 2]);
  }, options.rotateSeconds * 1000);

  const end = Date.now() + options.seconds * 1000;
  const rssSamples: Array<{ second: number; mb: number }> = [];
  const sampling = setInterval(async () => {
    rssSamples.push({ second: Math.round((options.seconds * 1000 - (end - Date.now())) / 1000), mb: await settledRssMb() });
  }, 10000);

  const worker = async (id: number) => {
    let client = newClient();
    let callsOnClient = 0;
    const kinds = Object.keys(SERVICE) as Kind[];
    for (let i = 0; Date.now() < end; i++) {
      // Each worker reconnects every 200 calls, so that new handshakes meet the rotated certificates.
      if (++callsOnClient > 200) {
        client.close();
        client = newClient();
        callsOnClient = 0;
        tally.reconnects++;
      }
      const kind = kinds[(id + i) % kinds.length];
      const perCall = metadataCallCredentials((_context, callback) => {
        const metadata = new Metadata();
        metadata.set('x-call-token', `call-${id}-${i}`);
        callback(metadata);
      });
      const payload = Buffer.alloc((i * 37) % 4096, id);
      const outcome = await callOnce(client, kind, payload, perCall);
      tally.calls[kind]++;
      if (outcome.code !== Status.OK) {
        tally.unexpectedCount++;
        if (tally.unexpected.length < 20) {
          tally.unexpected.push({ kind, ...outcome });
        }
      }
    }
    client.close();
  };
  const startRssMb = await settledRssMb();
  await Promise.all(Array.from({ length: options.concurrency }, (_, id) => worker(id)));
  clearInterval(rotation);
  clearInterval(sampling);
  await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));

  const endRssMb = await settledRssMb();
  const half = rssSamples.filter((sample) => sample.second >= options.seconds / 2);
  const halfGrowthMb = half.length >= 2 ? half[half.length - 1].mb - half[0].mb : 0;
  const totalCalls = Object.values(tally.calls).reduce((sum, count) => sum + count, 0);
  const report = {
    seconds: options.seconds,
    totalCalls,
    calls: tally.calls,
    unexpectedCount: tally.unexpectedCount,
    unexpected: tally.unexpected,
    rotations: tally.rotations,
    reconnects: tally.reconnects,
    serverCertificatesSeen: tally.fingerprints.size,
    rssMb: { start: startRssMb, end: endRssMb, samples: rssSamples.map((sample) => Math.round(sample.mb)) },
    secondHalfGrowthMb: halfGrowthMb,
  };
  console.log(JSON.stringify(report, null, 2));

  const problems: string[] = [];
  if (tally.unexpectedCount > 0) {
    problems.push(`${tally.unexpectedCount} calls ended with an unexpected status`);
  }
  if (tally.fingerprints.size < 2) {
    problems.push(`the clients saw ${tally.fingerprints.size} server certificate(s), expected both`);
  }
  if (halfGrowthMb > options.marginMb) {
    problems.push(`the resident set grew by ${halfGrowthMb.toFixed(1)} MB over the second half (margin ${options.marginMb} MB)`);
  }
  if (problems.length > 0) {
    console.error(`soak: FAILED: ${problems.join('; ')}`);
    process.exitCode = 1;
  } else {
    console.log(`soak: passed: ${totalCalls} calls in ${options.seconds} s`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
