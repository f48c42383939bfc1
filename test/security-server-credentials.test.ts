/**
 * Server credentials end to end: grpc-native servers with TLS, mutual TLS in every client certificate mode, SNI,
 * certificates that rotate (dynamic and file-watched), xDS fallbacks and auth metadata processors, called by
 * @grpc/grpc-js and grpc-native clients; the auth context that server calls expose; and the errors that bad input
 * gets.
 */
import * as assert from 'assert';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as grpcJs from '@grpc/grpc-js';
import * as grpc from '../lib/index';
import {
  callWithGrpcJsClient,
  callWithOurClient,
  CallResult,
  certs,
  echoService,
  expectFailure,
  expectReport,
  Report,
  SNI_NAME,
  sniCertificate,
  startOurServer,
  stopAllServers,
} from './helpers/security-harness';

const serverPair = { privateKey: certs.server.key, certificateChain: certs.server.cert };
const otherPair = { privateKey: certs.otherServer.key, certificateChain: certs.otherServer.cert };

/** Channel options that give every client its own connections, so that each call makes a new handshake. */
const NEW_CONNECTIONS = { 'grpc.use_local_subchannel_pool': 1 };

function grpcJsTls(withClientCertificate: 'trusted' | 'untrusted' | 'none', ca = certs.ca.cert): grpcJs.ChannelCredentials {
  if (withClientCertificate === 'trusted') {
    return grpcJs.credentials.createSsl(ca, certs.client.key, certs.client.cert);
  }
  if (withClientCertificate === 'untrusted') {
    return grpcJs.credentials.createSsl(ca, certs.otherServer.key, certs.otherServer.cert);
  }
  return grpcJs.credentials.createSsl(ca);
}

/** Resolves once `condition` holds, checking after each event loop turn; fails after `limitMs`. */
async function waitFor(condition: () => boolean, what: string, limitMs = 30000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > limitMs) {
      assert.fail(`timed out waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('server credentials', () => {
  after(stopAllServers);

  describe('sslServerCredentials', () => {
    it('should serve TLS to a grpc-js client', async () => {
      const server = await startOurServer(grpc.sslServerCredentials([serverPair]));
      const report = expectReport(await callWithGrpcJsClient(server.target, grpcJsTls('none')));
      assert.strictEqual(report.transportSecurityType, 'ssl');
      assert.strictEqual(report.peerCommonName, undefined);
    });

    it('should require a trusted client certificate with requireClientAuth', async () => {
      const server = await startOurServer(grpc.sslServerCredentials([serverPair],
        { rootCertificates: certs.ca.cert, requireClientAuth: true }));
      const report = expectReport(await callWithGrpcJsClient(server.target, grpcJsTls('trusted')));
      assert.strictEqual(report.peerCommonName, 'client');
      expectFailure(await callWithGrpcJsClient(server.target, grpcJsTls('none')), grpc.status.UNAVAILABLE);
      expectFailure(await callWithGrpcJsClient(server.target, grpcJsTls('untrusted')), grpc.status.UNAVAILABLE);
    });

    it('should accept pairs in grpcio\'s tuple form and grpc-js\'s form', async () => {
      for (const pair of [[certs.server.key, certs.server.cert], { private_key: certs.server.key, cert_chain: certs.server.cert }]) {
        const server = await startOurServer(grpc.sslServerCredentials([pair as grpc.ServerKeyCertPair]));
        expectReport(await callWithGrpcJsClient(server.target, grpcJsTls('none')));
      }
    });

    for (const [form, field] of [['PKCS#8', 'keyEncrypted'], ['traditional OpenSSL', 'keyEncryptedTraditional']] as const) {
      it(`should decrypt an encrypted ${form} key with the pair's passphrase`, async () => {
        const server = await startOurServer(grpc.sslServerCredentials([{
          privateKey: certs.server[field], certificateChain: certs.server.cert, passphrase: certs.server.passphrase,
        }]));
        expectReport(await callWithGrpcJsClient(server.target, grpcJsTls('none')));
      });
    }

    it('should choose the certificate by the name the client asks for', async () => {
      const sni = sniCertificate();
      const server = await startOurServer(grpc.sslServerCredentials([serverPair, { privateKey: sni.key, certificateChain: sni.cert }]));
      const served: string[] = [];
      const credentials = grpc.credentials.createSsl(certs.ca.cert, null, null, {
        checkServerIdentity: (_hostname, cert) => {
          served.push(cert.subject.CN as string);
          return undefined;
        },
      });
      expectReport(await callWithOurClient(server.target, credentials, { channelOptions: NEW_CONNECTIONS }));
      expectReport(await callWithOurClient(server.target, credentials,
        { channelOptions: { ...NEW_CONNECTIONS, 'grpc.ssl_target_name_override': SNI_NAME } }));
      assert.deepStrictEqual(served, ['localhost', SNI_NAME]);
    });

    it('should reject bad pairs and options, naming them', () => {
      assert.throws(() => grpc.sslServerCredentials([]),
        /sslServerCredentials: privateKeyCertificateChainPairs is empty: a TLS server needs at least one/);
      assert.throws(() => grpc.sslServerCredentials('pairs' as any),
        /privateKeyCertificateChainPairs must be an array of key\/certificate pairs, got string/);
      assert.throws(() => grpc.sslServerCredentials([{ privateKey: certs.server.key } as any]),
        /privateKeyCertificateChainPairs\[0\] needs both privateKey and certificateChain/);
      assert.throws(() => grpc.sslServerCredentials([serverPair, { privateKey: certs.client.key, certificateChain: certs.server.cert }]),
        /sslServerCredentials: privateKeyCertificateChainPairs\[1\]\.privateKey does not match the first certificate of privateKeyCertificateChainPairs\[1\]\.certificateChain/);
      assert.throws(() => grpc.sslServerCredentials([{ privateKey: 'key', certificateChain: certs.server.cert }]),
        /privateKeyCertificateChainPairs\[0\]\.privateKey is not PEM-encoded/);
      assert.throws(() => grpc.sslServerCredentials([{ privateKey: certs.server.keyEncrypted, certificateChain: certs.server.cert }]),
        /privateKeyCertificateChainPairs\[0\]\.privateKey is encrypted, and no passphrase was given: pass it as privateKeyCertificateChainPairs\[0\]\.passphrase/);
      assert.throws(() => grpc.sslServerCredentials([serverPair], { requireClientAuth: true }),
        /requireClientAuth asks to verify client certificates, which needs rootCertificates/);
      assert.throws(() => grpc.sslServerCredentials([serverPair], { clientCertificateRequest: 9 as any }),
        /clientCertificateRequest must be a ClientCertificateRequest \(0 to 4\), got 9/);
      assert.throws(() => grpc.sslServerCredentials([serverPair], { rootCertificates: 'not pem' }),
        /sslServerCredentials: rootCertificates is not PEM-encoded/);
    });
  });

  describe('client certificate modes', () => {
    // For each mode, whether a call succeeds without a client certificate, with a trusted one and with one of an
    // unknown CA, and whether the server gets the certificate when it accepts one.
    const modes: Array<[string, grpc.ClientCertificateRequest, [boolean, boolean, boolean], boolean]> = [
      ['DONT_REQUEST', grpc.ClientCertificateRequest.DONT_REQUEST, [true, true, true], false],
      ['REQUEST_BUT_DONT_VERIFY', grpc.ClientCertificateRequest.REQUEST_BUT_DONT_VERIFY, [true, true, true], true],
      ['REQUEST_AND_VERIFY', grpc.ClientCertificateRequest.REQUEST_AND_VERIFY, [true, true, false], true],
      ['REQUIRE_BUT_DONT_VERIFY', grpc.ClientCertificateRequest.REQUIRE_BUT_DONT_VERIFY, [false, true, true], true],
      ['REQUIRE_AND_VERIFY', grpc.ClientCertificateRequest.REQUIRE_AND_VERIFY, [false, true, false], true],
    ];
    for (const [name, mode, [withoutCertificate, trusted, untrusted], seesCertificate] of modes) {
      it(`should apply ${name}`, async () => {
        const server = await startOurServer(grpc.sslServerCredentials([serverPair],
          { rootCertificates: certs.ca.cert, clientCertificateRequest: mode }));
        const outcomes: Array<[string, CallResult, boolean]> = [
          ['no certificate', await callWithGrpcJsClient(server.target, grpcJsTls('none')), withoutCertificate],
          ['a trusted certificate', await callWithGrpcJsClient(server.target, grpcJsTls('trusted')), trusted],
          ['an untrusted certificate', await callWithGrpcJsClient(server.target, grpcJsTls('untrusted')), untrusted],
        ];
        for (const [client, result, succeeds] of outcomes) {
          assert.strictEqual(result.error === null, succeeds,
            `${name} with ${client}: ${result.error ? result.error.details : 'succeeded'}`);
        }
        const trustedReport = outcomes[1][1].report!;
        assert.strictEqual(trustedReport.peerCommonName, seesCertificate ? 'client' : undefined);
      });
    }
  });

  describe('ServerCredentials.createSsl', () => {
    it('should serve mutual TLS with checkClientCertificate', async () => {
      const server = await startOurServer(grpc.ServerCredentials.createSsl(certs.ca.cert,
        [{ private_key: certs.server.key, cert_chain: certs.server.cert }], true));
      assert.strictEqual(expectReport(await callWithGrpcJsClient(server.target, grpcJsTls('trusted'))).peerCommonName, 'client');
      expectFailure(await callWithGrpcJsClient(server.target, grpcJsTls('none')), grpc.status.UNAVAILABLE);
    });

    it('should serve TLS without client certificates', async () => {
      const server = await startOurServer(grpc.ServerCredentials.createSsl(null,
        [{ private_key: certs.server.key, cert_chain: certs.server.cert }]));
      expectReport(await callWithOurClient(server.target, grpc.credentials.createSsl(certs.ca.cert)));
    });

    it('should reject bad arguments, naming them', () => {
      const pairs = [{ private_key: certs.server.key, cert_chain: certs.server.cert }];
      assert.throws(() => grpc.ServerCredentials.createSsl(null, pairs, 'yes' as any), /createSsl: checkClientCertificate must be a boolean/);
      assert.throws(() => grpc.ServerCredentials.createSsl(null, pairs, true),
        /createSsl: checkClientCertificate asks to verify client certificates, which needs rootCerts/);
      assert.throws(() => grpc.ServerCredentials.createSsl(null, [{ private_key: certs.server.key } as any]),
        /createSsl: keyCertPairs\[0\] needs both private_key and cert_chain/);
    });
  });

  describe('auth context', () => {
    it('should expose grpc-js\'s and grpcio\'s shapes on a mutual TLS call', async () => {
      let context: grpc.CallAuthContext | undefined;
      const server = new grpc.Server();
      server.addService(echoService as any, {
        report: (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<Report>) => {
          context = call.getAuthContext() as grpc.CallAuthContext;
          callback(null, { metadata: {} });
        },
      });
      const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0',
        grpc.sslServerCredentials([serverPair], { rootCertificates: certs.ca.cert, requireClientAuth: true }),
        (error, bound) => (error ? reject(error) : resolve(bound))));
      expectReport(await callWithGrpcJsClient(`127.0.0.1:${port}`, grpcJsTls('trusted')));
      server.forceShutdown();

      assert.ok(context);
      assert.strictEqual(context.transportSecurityType, 'ssl');
      const certificate = context.sslPeerCertificate!;
      assert.strictEqual(certificate.subject.CN, 'client');
      assert.ok(Buffer.isBuffer(certificate.raw));
      assert.strictEqual(certificate.fingerprint256, new crypto.X509Certificate(certs.client.cert).fingerprint256);
      assert.deepStrictEqual(JSON.parse(JSON.stringify(Object.keys(context))), ['transportSecurityType', 'sslPeerCertificate']);

      assert.strictEqual(context.peerIdentityKey(), 'x509_subject_alternative_name');
      assert.deepStrictEqual(context.peerIdentities()!.map(String), ['client', 'spiffe://test.example.com/client']);
      const properties = context.authContext();
      assert.deepStrictEqual(properties.x509_common_name.map(String), ['client']);
      assert.deepStrictEqual(properties.transport_security_type.map(String), ['ssl']);
      assert.deepStrictEqual(properties.security_level.map(String), ['TSI_PRIVACY_AND_INTEGRITY']);
      assert.ok(context.isPeerAuthenticated());
    });

    it('should report an insecure call', async () => {
      for (const [serverCredentials, channelCredentials] of [
        [grpc.insecureServerCredentials(), grpc.insecureChannelCredentials()],
        [grpc.ServerCredentials.createInsecure(), grpc.credentials.createInsecure()],
      ] as const) {
        const server = await startOurServer(serverCredentials);
        const report = expectReport(await callWithOurClient(server.target, channelCredentials));
        assert.strictEqual(report.transportSecurityType, 'insecure');
        assert.strictEqual(report.peerIdentities, null);
        assert.strictEqual(report.peerIdentityKey, null);
      }
    });
  });

  describe('dynamicSslServerCredentials', () => {
    it('should serve a rotated certificate to new connections and keep existing ones', async () => {
      let next: grpc.ServerCertificateConfiguration | null = null;
      let fetches = 0;
      const credentials = grpc.dynamicSslServerCredentials(grpc.sslServerCertificateConfiguration([serverPair]), () => {
        fetches++;
        return next;
      });
      const server = await startOurServer(credentials);

      // A client that keeps its connection across the rotation.
      const EchoClient = grpc.makeGenericClientConstructor(echoService as any, 'Echo');
      const existing = new EchoClient(server.target, grpc.credentials.createSsl(certs.ca.cert), NEW_CONNECTIONS) as any;
      const callExisting = () => new Promise<grpc.ServiceError | null>((resolve) =>
        existing.report({}, { deadline: Date.now() + 10000 }, (error: grpc.ServiceError | null) => resolve(error)));
      try {
        assert.strictEqual(await callExisting(), null);

        // The fetcher now returns a certificate of another CA. The next handshake starts the fetch and still gets
        // the old certificate, because C-core cannot wait for JavaScript.
        next = grpc.sslServerCertificateConfiguration([otherPair]);
        const fetchesBefore = fetches;
        expectFailure(await callWithOurClient(server.target, grpc.credentials.createSsl(certs.otherCa.cert),
          { channelOptions: NEW_CONNECTIONS }), grpc.status.UNAVAILABLE, /certificate verify failed/);
        await waitFor(() => fetches > fetchesBefore, 'the fetcher to run');
        await new Promise((resolve) => setImmediate(resolve));

        expectReport(await callWithOurClient(server.target, grpc.credentials.createSsl(certs.otherCa.cert), { channelOptions: NEW_CONNECTIONS }));
        expectFailure(await callWithOurClient(server.target, grpc.credentials.createSsl(certs.ca.cert), { channelOptions: NEW_CONNECTIONS }),
          grpc.status.UNAVAILABLE, /certificate verify failed/);
        assert.strictEqual(await callExisting(), null);
      } finally {
        existing.close();
      }
    });

    it('should keep the last good configuration when the fetcher throws or returns nothing', async () => {
      let behaviour: 'throw' | 'nothing' | 'reject' = 'throw';
      let fetches = 0;
      const credentials = grpc.dynamicSslServerCredentials(grpc.sslServerCertificateConfiguration([serverPair]), () => {
        fetches++;
        if (behaviour === 'throw') {
          throw new Error('configuration store unreachable');
        }
        if (behaviour === 'reject') {
          return Promise.reject(new Error('configuration store timed out'));
        }
        return undefined;
      });
      const server = await startOurServer(credentials);
      const lines: string[] = [];
      grpc.setLogger({ error: (...args: unknown[]) => lines.push(args.join(' ')) });
      try {
        for (behaviour of ['throw', 'reject', 'nothing'] as const) {
          const fetchesBefore = fetches;
          expectReport(await callWithOurClient(server.target, grpc.credentials.createSsl(certs.ca.cert), { channelOptions: NEW_CONNECTIONS }));
          await waitFor(() => fetches > fetchesBefore, 'the fetcher to run');
          await new Promise((resolve) => setImmediate(resolve));
          expectReport(await callWithOurClient(server.target, grpc.credentials.createSsl(certs.ca.cert), { channelOptions: NEW_CONNECTIONS }));
        }
      } finally {
        grpc.setLogger(console);
      }
      assert.ok(lines.some((line) => /keeps its current certificates: configuration store unreachable/.test(line)), lines.join('\n'));
      assert.ok(lines.some((line) => /keeps its current certificates: configuration store timed out/.test(line)), lines.join('\n'));
    });

    it('should rotate at once with updateCertificateConfiguration', async () => {
      const credentials = grpc.dynamicSslServerCredentials(grpc.sslServerCertificateConfiguration([serverPair]), () => null);
      const server = await startOurServer(credentials);
      expectReport(await callWithOurClient(server.target, grpc.credentials.createSsl(certs.ca.cert), { channelOptions: NEW_CONNECTIONS }));
      credentials.updateCertificateConfiguration(grpc.sslServerCertificateConfiguration([otherPair]));
      expectReport(await callWithOurClient(server.target, grpc.credentials.createSsl(certs.otherCa.cert), { channelOptions: NEW_CONNECTIONS }));
    });

    it('should require client certificates with requireClientAuthentication', async () => {
      const credentials = grpc.dynamicSslServerCredentials(
        grpc.sslServerCertificateConfiguration([serverPair], certs.ca.cert), () => null, true);
      const server = await startOurServer(credentials);
      assert.strictEqual(expectReport(await callWithGrpcJsClient(server.target, grpcJsTls('trusted'))).peerCommonName, 'client');
      expectFailure(await callWithGrpcJsClient(server.target, grpcJsTls('none')), grpc.status.UNAVAILABLE);
    });

    it('should reject bad configurations and fetchers', () => {
      const configuration = grpc.sslServerCertificateConfiguration([serverPair]);
      assert.throws(() => grpc.sslServerCertificateConfiguration([]),
        /sslServerCertificateConfiguration: privateKeyCertificateChainPairs is empty/);
      assert.throws(() => grpc.dynamicSslServerCredentials({} as any, () => null),
        /initialCertificateConfiguration must come from sslServerCertificateConfiguration\(\)/);
      assert.throws(() => grpc.dynamicSslServerCredentials(configuration, 'fetch' as any),
        /certificateConfigurationFetcher must be a function, got string/);
      assert.throws(() => grpc.dynamicSslServerCredentials(configuration, () => null, true),
        /initialCertificateConfiguration has no rootCertificates, which requireClientAuthentication needs/);
    });
  });

  describe('fileWatcherServerCredentials', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grpc-native-watched-'));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('should serve certificates that change on disk without a restart', async function () {
      this.timeout(60000);
      const keyFile = path.join(dir, 'server.key');
      const chainFile = path.join(dir, 'server.pem');
      fs.writeFileSync(keyFile, certs.server.key);
      fs.writeFileSync(chainFile, certs.server.cert);
      const server = await startOurServer(grpc.fileWatcherServerCredentials({
        privateKeyFile: keyFile, certificateChainFile: chainFile, refreshIntervalSeconds: 1,
      }));
      expectReport(await callWithOurClient(server.target, grpc.credentials.createSsl(certs.ca.cert), { channelOptions: NEW_CONNECTIONS }));

      // Files are replaced by renaming, so that C-core never reads a half-written pair.
      fs.writeFileSync(`${keyFile}.new`, certs.otherServer.key);
      fs.writeFileSync(`${chainFile}.new`, certs.otherServer.cert);
      fs.renameSync(`${keyFile}.new`, keyFile);
      fs.renameSync(`${chainFile}.new`, chainFile);

      let served = false;
      while (!served) {
        const result = await callWithOurClient(server.target, grpc.credentials.createSsl(certs.otherCa.cert), { channelOptions: NEW_CONNECTIONS });
        served = result.error === null;
        if (!served) {
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
    });

    it('should verify client certificates from a watched root file', async () => {
      const server = await startOurServer(grpc.fileWatcherServerCredentials({
        privateKeyFile: certs.server.keyPath,
        certificateChainFile: certs.server.certPath,
        rootCertificatesFile: certs.ca.certPath,
        requireClientAuth: true,
      }));
      const report = expectReport(await callWithGrpcJsClient(server.target, grpcJsTls('trusted')));
      assert.strictEqual(report.transportSecurityType, 'tls');
      assert.strictEqual(report.peerCommonName, 'client');
      expectFailure(await callWithGrpcJsClient(server.target, grpcJsTls('none')), grpc.status.UNAVAILABLE);
    });

    it('should reject missing and mismatched files', () => {
      assert.throws(() => grpc.fileWatcherServerCredentials({ privateKeyFile: certs.server.keyPath } as any),
        /privateKeyFile and certificateChainFile must be given together/);
      assert.throws(() => grpc.fileWatcherServerCredentials({ privateKeyFile: certs.client.keyPath, certificateChainFile: certs.server.certPath }),
        /fileWatcherServerCredentials: privateKeyFile .* does not match the first certificate of certificateChainFile/);
      assert.throws(() => grpc.fileWatcherServerCredentials({ privateKeyFile: certs.server.keyEncryptedPath, certificateChainFile: certs.server.certPath }),
        /is encrypted, and no passphrase was given: C-core reads the key file itself/);
      assert.throws(() => grpc.fileWatcherServerCredentials({
        privateKeyFile: certs.server.keyPath, certificateChainFile: certs.server.certPath, requireClientAuth: true,
      }), /verifying client certificates needs rootCertificatesFile/);
    });
  });

  describe('xdsServerCredentials', () => {
    it('should use TLS fallback credentials', async () => {
      const server = await startOurServer(grpc.xdsServerCredentials(
        grpc.sslServerCredentials([serverPair], { rootCertificates: certs.ca.cert, requireClientAuth: true })));
      assert.strictEqual(expectReport(await callWithGrpcJsClient(server.target, grpcJsTls('trusted'))).peerCommonName, 'client');
    });

    it('should use insecure fallback credentials', async () => {
      const server = await startOurServer(grpc.xdsServerCredentials(grpc.insecureServerCredentials()));
      expectReport(await callWithGrpcJsClient(server.target, grpcJs.credentials.createInsecure()));
    });

    it('should reject a fallback that is not server credentials', () => {
      assert.throws(() => grpc.xdsServerCredentials(grpc.credentials.createInsecure() as any),
        /xdsServerCredentials: fallbackCredentials must be a ServerCredentials object/);
    });
  });

  describe('withAuthMetadataProcessor', () => {
    const tokenProcessor: grpc.AuthMetadataProcessor = async (context, metadata) => {
      const token = metadata.get('authorization')[0];
      if (token === 'Bearer good') {
        return { consumedMetadataKeys: ['authorization'] };
      }
      if (token === 'Bearer forbidden') {
        throw Object.assign(new Error(`${context.sslPeerCertificate?.subject.CN ?? 'nobody'} may not call this`), {
          code: grpc.status.PERMISSION_DENIED,
        });
      }
      throw new Error('missing or unknown token');
    };

    it('should accept, consume and reject calls by their metadata', async () => {
      const server = await startOurServer(grpc.sslServerCredentials([serverPair], { rootCertificates: certs.ca.cert, requireClientAuth: true })
        .withAuthMetadataProcessor(tokenProcessor));
      const client = grpc.credentials.createSsl(certs.ca.cert, certs.client.key, certs.client.cert);

      const accepted = expectReport(await callWithOurClient(server.target, client, { callCredentials: grpc.accessTokenCallCredentials('good') }));
      assert.strictEqual(accepted.metadata.authorization, undefined);
      expectFailure(await callWithOurClient(server.target, client, { callCredentials: grpc.accessTokenCallCredentials('forbidden') }),
        grpc.status.PERMISSION_DENIED, /client may not call this/);
      expectFailure(await callWithOurClient(server.target, client), grpc.status.UNAUTHENTICATED, /missing or unknown token/);
    });

    it('should run on insecure and local credentials too', async () => {
      const processor: grpc.AuthMetadataProcessor = (context, metadata) => {
        if (metadata.get('x-allow')[0] !== 'yes') {
          throw new Error(`rejected a ${context.transportSecurityType} call`);
        }
      };
      const insecure = await startOurServer(grpc.insecureServerCredentials().withAuthMetadataProcessor(processor));
      const allow = new grpc.Metadata();
      allow.set('x-allow', 'yes');
      expectReport(await callWithOurClient(insecure.target, grpc.credentials.createInsecure(), { metadata: allow }));
      expectFailure(await callWithOurClient(insecure.target, grpc.credentials.createInsecure()),
        grpc.status.UNAUTHENTICATED, /rejected a insecure call/);

      const local = await startOurServer(grpc.localServerCredentials().withAuthMetadataProcessor(processor));
      expectFailure(await callWithOurClient(local.target, grpc.localChannelCredentials()),
        grpc.status.UNAUTHENTICATED, /rejected a local call/);
    });

    it('should reject a processor that is not a function', () => {
      assert.throws(() => grpc.insecureServerCredentials().withAuthMetadataProcessor('no' as any),
        /withAuthMetadataProcessor: processor must be a function, got string/);
    });
  });
});
