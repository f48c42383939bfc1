/**
 * Channel credentials end to end: grpc-native clients against @grpc/grpc-js and grpc-native servers over real TLS
 * with certificates generated for the test run, local sockets, xDS fallbacks and Compute Engine credentials, and
 * the errors that bad input gets.
 */
import * as assert from 'assert';
import { execFile } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as grpcJs from '@grpc/grpc-js';
import * as grpc from '../lib/index';
import {
  callWithOurClient,
  certs,
  echoService,
  expectFailure,
  expectReport,
  RunningServer,
  startGrpcJsServer,
  startOurServer,
  stopAllServers,
} from './helpers/security-harness';

const serverPair = { private_key: certs.server.key, cert_chain: certs.server.cert };

function runChild(testCase: string, target: string, env: NodeJS.ProcessEnv): Promise<{ code: number; details: string; report: any }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-r', 'ts-node/register/transpile-only', 'test/helpers/security-child.ts', testCase, target],
      { cwd: path.join(__dirname, '..'), env: { ...process.env, ...env } }, (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`the child for ${testCase} failed: ${error.message}\n${stderr}`));
          return;
        }
        const lines = stdout.trim().split('\n');
        resolve(JSON.parse(lines[lines.length - 1]));
      });
  });
}

describe('channel credentials', () => {
  let tlsServer: RunningServer;
  let mutualTlsServer: RunningServer;
  let untrustedServer: RunningServer;
  let expiredServer: RunningServer;

  before(async () => {
    tlsServer = await startGrpcJsServer(grpcJs.ServerCredentials.createSsl(null, [serverPair], false));
    mutualTlsServer = await startGrpcJsServer(grpcJs.ServerCredentials.createSsl(certs.ca.cert, [serverPair], true));
    untrustedServer = await startGrpcJsServer(grpcJs.ServerCredentials.createSsl(null,
      [{ private_key: certs.otherServer.key, cert_chain: certs.otherServer.cert }], false));
    expiredServer = await startGrpcJsServer(grpcJs.ServerCredentials.createSsl(null,
      [{ private_key: certs.expiredServer.key, cert_chain: certs.expiredServer.cert }], false));
  });

  after(stopAllServers);

  describe('credentials.createSsl', () => {
    it('should make a TLS call to a grpc-js server', async () => {
      expectReport(await callWithOurClient(tlsServer.target, grpc.credentials.createSsl(certs.ca.cert)));
    });

    it('should present the client certificate for mutual TLS', async () => {
      const report = expectReport(await callWithOurClient(mutualTlsServer.target,
        grpc.credentials.createSsl(certs.ca.cert, certs.client.key, certs.client.cert)));
      assert.strictEqual(report.transportSecurityType, 'ssl');
      assert.strictEqual(report.peerCommonName, 'client');
    });

    it('should give the client call the server\'s auth context', async () => {
      const EchoClient = grpc.makeGenericClientConstructor(echoService as any, 'Echo');
      const client = new EchoClient(tlsServer.target, grpc.credentials.createSsl(certs.ca.cert)) as any;
      try {
        const call = client.report({}, { deadline: Date.now() + 10000 }, () => undefined);
        await new Promise((resolve) => call.on('status', resolve));
        const context = call.getAuthContext() as grpc.CallAuthContext;
        assert.strictEqual(context.transportSecurityType, 'ssl');
        assert.strictEqual(context.sslPeerCertificate!.subject.CN, 'localhost');
        assert.strictEqual(context.peerIdentityKey(), 'x509_subject_alternative_name');
      } finally {
        client.close();
      }
    });

    it('should fail without a client certificate where one is required', async () => {
      expectFailure(await callWithOurClient(mutualTlsServer.target, grpc.credentials.createSsl(certs.ca.cert)),
        grpc.status.UNAVAILABLE, /client certificates/);
    });

    it('should fail for a server signed by an untrusted CA', async () => {
      expectFailure(await callWithOurClient(untrustedServer.target, grpc.credentials.createSsl(certs.ca.cert)),
        grpc.status.UNAVAILABLE, /certificate verify failed.*not signed by a CA in the channel's root certificates/);
    });

    it('should fail for an expired server certificate', async () => {
      expectFailure(await callWithOurClient(expiredServer.target, grpc.credentials.createSsl(certs.ca.cert)),
        grpc.status.UNAVAILABLE, /certificate verify failed.*expired/);
    });

    it('should reject non-Buffer arguments, naming them', () => {
      assert.throws(() => grpc.credentials.createSsl(42 as any), /createSsl: rootCerts must be a Buffer or a string/);
      assert.throws(() => grpc.credentials.createSsl(null, 'key' as any, {} as any),
        /createSsl: certChain must be a Buffer or a string/);
    });

    it('should reject a key without its chain and a chain without its key', () => {
      assert.throws(() => grpc.credentials.createSsl(certs.ca.cert, certs.client.key),
        /createSsl: privateKey was given without certChain/);
      assert.throws(() => grpc.credentials.createSsl(certs.ca.cert, null, certs.client.cert),
        /createSsl: certChain was given without privateKey/);
    });

    it('should reject data that is not PEM', () => {
      assert.throws(() => grpc.credentials.createSsl(Buffer.from('not a certificate')),
        /createSsl: rootCerts is not PEM-encoded/);
      assert.throws(() => grpc.credentials.createSsl(certs.ca.cert, Buffer.from('not a key'), certs.client.cert),
        /createSsl: privateKey is not PEM-encoded/);
      const broken = Buffer.from('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
      assert.throws(() => grpc.credentials.createSsl(broken), /createSsl: rootCerts is not a valid certificate/);
    });

    it('should reject a key that does not match its certificate', () => {
      assert.throws(() => grpc.credentials.createSsl(certs.ca.cert, certs.server.key, certs.client.cert),
        /createSsl: privateKey does not match the first certificate of certChain \(subject O=grpc-native tests, CN=client\)/);
    });

    it('should reject an encrypted key, pointing to the passphrase option', () => {
      assert.throws(() => grpc.credentials.createSsl(certs.ca.cert, certs.server.keyEncrypted, certs.server.cert),
        /privateKey is encrypted, and no passphrase was given: .*privateKeyPassphrase/);
    });

    it('should reject malformed verify options', () => {
      assert.throws(() => grpc.credentials.createSsl(certs.ca.cert, null, null, { checkServerIdentity: 'yes' as any }),
        /checkServerIdentity must be a function/);
      assert.throws(() => grpc.credentials.createSsl(certs.ca.cert, null, null, { rejectUnauthorized: 0 as any }),
        /rejectUnauthorized must be a boolean/);
    });
  });

  describe('verify options', () => {
    it('should call checkServerIdentity with the host name and certificate', async () => {
      const seen: Array<[string, any]> = [];
      const credentials = grpc.credentials.createSsl(certs.ca.cert, null, null, {
        checkServerIdentity: (hostname, cert) => {
          seen.push([hostname, cert]);
          return undefined;
        },
      });
      expectReport(await callWithOurClient(tlsServer.target, credentials));
      assert.strictEqual(seen.length, 1);
      assert.strictEqual(seen[0][0], '127.0.0.1');
      assert.strictEqual(seen[0][1].subject.CN, 'localhost');
      assert.match(seen[0][1].subjectaltname, /DNS:foo\.test\.example\.com/);
    });

    it('should fail the connection when checkServerIdentity returns an error', async () => {
      const credentials = grpc.credentials.createSsl(certs.ca.cert, null, null, {
        checkServerIdentity: () => new Error('not the server we expected'),
      });
      expectFailure(await callWithOurClient(tlsServer.target, credentials), grpc.status.UNAVAILABLE,
        /checkServerIdentity rejected the certificate for 127\.0\.0\.1: not the server we expected/);
    });

    it('should fail the connection when checkServerIdentity throws', async () => {
      const credentials = grpc.credentials.createSsl(certs.ca.cert, null, null, {
        checkServerIdentity: () => {
          throw new Error('identity check crashed');
        },
      });
      expectFailure(await callWithOurClient(tlsServer.target, credentials), grpc.status.UNAVAILABLE,
        /identity check crashed/);
    });

    it('should replace the host name check with checkServerIdentity', async () => {
      // The certificate does not hold the overridden name, but the custom check accepts it, as in grpc-js.
      const credentials = grpc.credentials.createSsl(certs.ca.cert, null, null, { checkServerIdentity: () => undefined });
      expectReport(await callWithOurClient(tlsServer.target, credentials,
        { channelOptions: { 'grpc.ssl_target_name_override': 'elsewhere.example.com' } }));
    });

    it('should still verify the chain when checkServerIdentity is given', async () => {
      const credentials = grpc.credentials.createSsl(certs.ca.cert, null, null, { checkServerIdentity: () => undefined });
      expectFailure(await callWithOurClient(untrustedServer.target, credentials), grpc.status.UNAVAILABLE,
        /certificate verify failed/);
    });

    it('should accept any server with rejectUnauthorized false', async () => {
      const credentials = grpc.credentials.createSsl(certs.ca.cert, null, null, { rejectUnauthorized: false });
      expectReport(await callWithOurClient(untrustedServer.target, credentials));
      expectReport(await callWithOurClient(expiredServer.target, credentials));
      expectReport(await callWithOurClient(tlsServer.target, credentials,
        { channelOptions: { 'grpc.ssl_target_name_override': 'elsewhere.example.com' } }));
    });

    it('should accept any server with rejectUnauthorized false and no root certificates', async () => {
      const credentials = grpc.credentials.createSsl(null, null, null, { rejectUnauthorized: false });
      expectReport(await callWithOurClient(untrustedServer.target, credentials));
    });
  });

  describe('channel options', () => {
    it('should check the certificate against grpc.ssl_target_name_override', async () => {
      const credentials = grpc.credentials.createSsl(certs.ca.cert);
      expectReport(await callWithOurClient(tlsServer.target, credentials,
        { channelOptions: { 'grpc.ssl_target_name_override': 'foo.test.example.com' } }));
      expectFailure(await callWithOurClient(tlsServer.target, credentials,
        { channelOptions: { 'grpc.ssl_target_name_override': 'wrong.example.com' } }),
      grpc.status.UNAVAILABLE, /Peer name wrong\.example\.com is not in peer certificate.*grpc\.ssl_target_name_override/);
    });

    it('should check the certificate against grpc.default_authority', async () => {
      const credentials = grpc.credentials.createSsl(certs.ca.cert);
      expectReport(await callWithOurClient(tlsServer.target, credentials,
        { channelOptions: { 'grpc.default_authority': 'foo.test.example.com' } }));
      expectFailure(await callWithOurClient(tlsServer.target, credentials,
        { channelOptions: { 'grpc.default_authority': 'wrong.example.com' } }),
      grpc.status.UNAVAILABLE, /Peer name wrong\.example\.com is not in peer certificate/);
    });
  });

  describe('sslChannelCredentials', () => {
    it('should make a mutual TLS call with the options object', async () => {
      const credentials = grpc.sslChannelCredentials({
        rootCertificates: certs.ca.cert.toString(),
        privateKey: certs.client.key.toString(),
        certificateChain: certs.client.cert.toString(),
      });
      assert.strictEqual(expectReport(await callWithOurClient(mutualTlsServer.target, credentials)).peerCommonName, 'client');
    });

    for (const [form, type] of [['PKCS#8', 'pkcs8'], ['traditional OpenSSL', 'sec1']] as const) {
      it(`should decrypt an encrypted ${form} key with privateKeyPassphrase`, async () => {
        const encrypted = crypto.createPrivateKey(certs.client.key).export({
          format: 'pem', type, cipher: 'aes-256-cbc', passphrase: 'secret',
        });
        const credentials = grpc.sslChannelCredentials({
          rootCertificates: certs.ca.cert,
          privateKey: encrypted,
          certificateChain: certs.client.cert,
          privateKeyPassphrase: 'secret',
        });
        expectReport(await callWithOurClient(mutualTlsServer.target, credentials));
      });
    }

    it('should reject a wrong passphrase', () => {
      assert.throws(() => grpc.sslChannelCredentials({
        privateKey: certs.server.keyEncrypted,
        certificateChain: certs.server.cert,
        privateKeyPassphrase: 'wrong',
      }), /sslChannelCredentials: privateKey could not be decrypted with the given passphrase/);
    });

    it('should reject options that are not an object', () => {
      assert.throws(() => grpc.sslChannelCredentials('ca.pem' as any), /sslChannelCredentials: options must be an object/);
    });
  });

  describe('credentials.createFromSecureContext', () => {
    it('should throw an error that says what to use instead', () => {
      assert.throws(() => grpc.credentials.createFromSecureContext({} as any),
        /not supported by grpc-native: TLS runs inside gRPC C-core.*credentials\.createSsl/);
    });
  });

  describe('default root certificates', () => {
    it('should not trust the test CA by default', async () => {
      const result = await runChild('default-roots', tlsServer.target, {
        GRPC_DEFAULT_SSL_ROOTS_FILE_PATH: '', NODE_EXTRA_CA_CERTS: '',
      });
      assert.strictEqual(result.code, grpc.status.UNAVAILABLE);
      assert.match(result.details, /certificate verify failed/);
    });

    it('should use GRPC_DEFAULT_SSL_ROOTS_FILE_PATH', async () => {
      const result = await runChild('default-roots', tlsServer.target, {
        GRPC_DEFAULT_SSL_ROOTS_FILE_PATH: certs.ca.certPath, NODE_EXTRA_CA_CERTS: '',
      });
      assert.strictEqual(result.code, 0, result.details);
    });

    it('should add NODE_EXTRA_CA_CERTS to Node\'s roots, as Node does', async () => {
      const result = await runChild('default-roots', tlsServer.target, {
        GRPC_DEFAULT_SSL_ROOTS_FILE_PATH: '', NODE_EXTRA_CA_CERTS: certs.ca.certPath,
      });
      assert.strictEqual(result.code, 0, result.details);
    });
  });

  describe('fileWatcherChannelCredentials', () => {
    it('should make a mutual TLS call with certificates from files', async () => {
      const credentials = grpc.fileWatcherChannelCredentials({
        rootCertificatesFile: certs.ca.certPath,
        privateKeyFile: certs.client.keyPath,
        certificateChainFile: certs.client.certPath,
      });
      assert.strictEqual(expectReport(await callWithOurClient(mutualTlsServer.target, credentials)).peerCommonName, 'client');
    });

    it('should honour checkServerIdentity', async () => {
      const credentials = grpc.fileWatcherChannelCredentials({
        rootCertificatesFile: certs.ca.certPath,
        checkServerIdentity: () => new Error('refused by the test'),
      });
      expectFailure(await callWithOurClient(tlsServer.target, credentials), grpc.status.UNAVAILABLE, /refused by the test/);
    });

    it('should reject missing files and half pairs, naming them', () => {
      assert.throws(() => grpc.fileWatcherChannelCredentials({ rootCertificatesFile: '/nonexistent/ca.pem' }),
        /rootCertificatesFile \/nonexistent\/ca\.pem could not be read/);
      assert.throws(() => grpc.fileWatcherChannelCredentials({ privateKeyFile: certs.client.keyPath }),
        /privateKeyFile and certificateChainFile must be given together/);
      assert.throws(() => grpc.fileWatcherChannelCredentials({ rootCertificatesFile: certs.client.keyPath }),
        /rootCertificatesFile .* is not PEM-encoded/);
      assert.throws(() => grpc.fileWatcherChannelCredentials({ rootCertificatesFile: certs.ca.certPath, refreshIntervalSeconds: 0 }),
        /refreshIntervalSeconds must be a number of seconds, at least 1/);
    });
  });

  describe('localChannelCredentials', () => {
    const socketDir = fs.mkdtempSync(path.join(os.tmpdir(), 'grpc-native-local-'));
    after(() => fs.rmSync(socketDir, { recursive: true, force: true }));

    it('should call over loopback TCP with LOCAL_TCP', async () => {
      const server = await startOurServer(grpc.localServerCredentials(grpc.LocalConnectionType.LOCAL_TCP));
      const report = expectReport(await callWithOurClient(server.target,
        grpc.localChannelCredentials(grpc.LocalConnectionType.LOCAL_TCP)));
      assert.strictEqual(report.transportSecurityType, 'local');
    });

    for (const form of ['unix:relative', 'unix:///absolute', 'unix-abstract:']) {
      it(`should call over a Unix socket with UDS and a ${form} target`, async () => {
        const file = path.join(socketDir, `${form.replace(/\W/g, '')}.sock`);
        let address: string;
        if (form === 'unix:relative') {
          address = `unix:${path.relative(process.cwd(), file)}`;
        } else if (form === 'unix:///absolute') {
          address = `unix://${file}`;
        } else {
          address = `unix-abstract:grpc-native-test-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
        }
        const server = await startOurServer(grpc.localServerCredentials(grpc.LocalConnectionType.UDS), address);
        const report = expectReport(await callWithOurClient(server.target, grpc.localChannelCredentials(grpc.LocalConnectionType.UDS)));
        assert.strictEqual(report.transportSecurityType, 'local');
      });
    }

    it('should reject an unknown connection type', () => {
      assert.throws(() => grpc.localChannelCredentials(7 as any),
        /localConnectType must be LocalConnectionType\.UDS or LocalConnectionType\.LOCAL_TCP, got 7/);
    });
  });

  describe('xdsChannelCredentials', () => {
    it('should use TLS fallback credentials for a non-xDS target', async () => {
      const credentials = grpc.xdsChannelCredentials(grpc.credentials.createSsl(certs.ca.cert, certs.client.key, certs.client.cert));
      assert.strictEqual(expectReport(await callWithOurClient(mutualTlsServer.target, credentials)).peerCommonName, 'client');
    });

    it('should use insecure fallback credentials for a non-xDS target', async () => {
      const server = await startGrpcJsServer(grpcJs.ServerCredentials.createInsecure());
      expectReport(await callWithOurClient(server.target, grpc.xdsChannelCredentials(grpc.credentials.createInsecure())));
    });

    it('should reject a fallback that is not channel credentials', () => {
      assert.throws(() => grpc.xdsChannelCredentials(undefined as any),
        /xdsChannelCredentials: fallbackCredentials must be a ChannelCredentials object/);
    });
  });

  describe('computeEngineChannelCredentials', () => {
    it('should build and compose without contacting anything', () => {
      const credentials = grpc.computeEngineChannelCredentials(grpc.computeEngineCallCredentials());
      assert.ok(credentials._isSecure());
      const composed = credentials.compose(grpc.accessTokenCallCredentials('extra'));
      assert.ok(composed instanceof grpc.ChannelCredentials);
    });

    it('should make a TLS call with its call credentials', async () => {
      // A fresh process, so that the test CA can be the default roots that these credentials use. The ipv4:
      // target needs no DNS, because these credentials turn on DNS SRV lookups.
      const tlsResult = await runChild('compute-engine', `ipv4:127.0.0.1:${tlsServer.port}`, {
        GRPC_DEFAULT_SSL_ROOTS_FILE_PATH: certs.ca.certPath,
      });
      assert.strictEqual(tlsResult.code, 0, tlsResult.details);
      assert.deepStrictEqual(tlsResult.report.metadata.authorization, ['Bearer ce-token']);
    });

    it('should reject call credentials of the wrong type', () => {
      assert.throws(() => grpc.computeEngineChannelCredentials({} as any),
        /computeEngineChannelCredentials: callCredentials must be a CallCredentials object/);
    });
  });

  describe('composition', () => {
    it('should refuse to compose call credentials onto insecure credentials, as grpc-js does', () => {
      assert.throws(() => grpc.credentials.createInsecure().compose(grpc.accessTokenCallCredentials('t')),
        /^Error: Cannot compose insecure credentials$/);
      assert.throws(() => grpc.credentials.combineChannelCredentials(grpc.credentials.createInsecure(),
        grpc.accessTokenCallCredentials('t')), /Cannot compose insecure credentials/);
    });

    it('should reject values that are not call credentials', () => {
      assert.throws(() => grpc.credentials.createSsl().compose('token' as any),
        /compose: callCredentials must be a CallCredentials object, got string/);
    });
  });
});
