/**
 * Security interop with Python's grpcio (Debian's python3-grpcio on /usr/bin/python3): grpc-native clients against
 * grpcio servers and grpcio clients against grpc-native servers, over TLS, mutual TLS and local credentials, with
 * call credentials from both sides.
 */
import * as assert from 'assert';
import { ChildProcess, execFile, spawn } from 'child_process';
import * as path from 'path';
import * as grpc from '../lib/index';
import {
  callWithOurClient,
  certs,
  expectFailure,
  expectReport,
  Report,
  startOurServer,
  stopAllServers,
} from './helpers/security-harness';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { PYTHON, checkPythonGrpc } = require('./helpers/python-peer');

const PEER = path.join(__dirname, 'peers', 'python_security_peer.py');

interface PythonServer {
  target: string;
  stop(): Promise<void>;
}

const pythonServers: ChildProcess[] = [];

/** Starts the grpcio echo server with `args` and resolves once it listens. */
function startPythonServer(args: string[]): Promise<PythonServer> {
  const child = spawn(PYTHON, [PEER, 'server', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  pythonServers.push(child);
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk) => {
      stdout += chunk;
      const match = /listening on port (\d+)/.exec(stdout);
      if (match) {
        resolve({
          target: `127.0.0.1:${match[1]}`,
          stop: () => {
            child.stdin!.end();
            return exited;
          },
        });
      }
    });
    child.on('exit', (code) => reject(new Error(`the grpcio server exited with ${code} before listening: ${stderr}`)));
  });
}

/** Runs the grpcio client with `args` and returns its result line. */
function runPythonClient(args: string[]): Promise<{ code: number; details: string; report: Report | null }> {
  return new Promise((resolve, reject) => {
    execFile(PYTHON, [PEER, 'client', ...args], (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`the grpcio client failed: ${error.message}\n${stderr}`));
        return;
      }
      resolve(JSON.parse(stdout.trim().split('\n').pop()!));
    });
  });
}

const serverFiles = ['--cert', certs.server.certPath, '--key', certs.server.keyPath];
const clientFiles = ['--cert', certs.client.certPath, '--key', certs.client.keyPath];
const serverPair = { privateKey: certs.server.key, certificateChain: certs.server.cert };

describe('security interop with grpcio', function () {
  this.timeout(30000);

  before(() => {
    checkPythonGrpc();
  });

  after(async () => {
    for (const child of pythonServers) {
      child.stdin!.end();
    }
    await stopAllServers();
  });

  describe('grpc-native client, grpcio server', () => {
    let tls: PythonServer;
    let mutualTls: PythonServer;

    before(async () => {
      tls = await startPythonServer(serverFiles);
      mutualTls = await startPythonServer([...serverFiles, '--client-ca', certs.ca.certPath]);
    });

    it('should call over TLS with an access token', async () => {
      const report = expectReport(await callWithOurClient(tls.target, grpc.credentials.createSsl(certs.ca.cert),
        { callCredentials: grpc.accessTokenCallCredentials('to-python') }));
      assert.strictEqual(report.transportSecurityType, 'ssl');
      assert.deepStrictEqual(report.metadata.authorization, ['Bearer to-python']);
    });

    it('should present a client certificate for mutual TLS', async () => {
      const report = expectReport(await callWithOurClient(mutualTls.target,
        grpc.sslChannelCredentials({ rootCertificates: certs.ca.cert, privateKey: certs.client.key, certificateChain: certs.client.cert })));
      assert.strictEqual(report.peerCommonName, 'client');
      assert.strictEqual(report.peerIdentityKey, 'x509_subject_alternative_name');
      assert.deepStrictEqual(report.peerIdentities, ['client', 'spiffe://test.example.com/client']);
    });

    it('should fail without a client certificate where one is required', async () => {
      expectFailure(await callWithOurClient(mutualTls.target, grpc.credentials.createSsl(certs.ca.cert)), grpc.status.UNAVAILABLE);
    });

    it('should send a metadata plugin\'s headers', async () => {
      const plugin = grpc.metadataCallCredentials((context, callback) => callback([['x-from-node', context.methodName]], null));
      const report = expectReport(await callWithOurClient(tls.target, grpc.credentials.createSsl(certs.ca.cert), { callCredentials: plugin }));
      assert.deepStrictEqual(report.metadata['x-from-node'], ['Report']);
    });

    it('should call over local TCP credentials', async () => {
      const local = await startPythonServer(['--security', 'local']);
      const report = expectReport(await callWithOurClient(local.target, grpc.localChannelCredentials(),
        { callCredentials: grpc.accessTokenCallCredentials('local') }));
      assert.strictEqual(report.transportSecurityType, 'local');
      assert.deepStrictEqual(report.metadata.authorization, ['Bearer local']);
    });
  });

  describe('grpcio client, grpc-native server', () => {
    it('should call over TLS with an access token and a metadata plugin', async () => {
      const server = await startOurServer(grpc.sslServerCredentials([serverPair]));
      const result = await runPythonClient(['--target', server.target, '--ca', certs.ca.certPath, '--token', 'from-python',
        '--plugin-header', 'x-from-python=plugin']);
      assert.strictEqual(result.code, 0, result.details);
      assert.strictEqual(result.report!.transportSecurityType, 'ssl');
      assert.deepStrictEqual(result.report!.metadata.authorization, ['Bearer from-python']);
      assert.deepStrictEqual(result.report!.metadata['x-from-python'], ['plugin']);
      assert.deepStrictEqual(result.report!.metadata['x-plugin-method'], ['Report']);
    });

    it('should authenticate a grpcio client certificate', async () => {
      const server = await startOurServer(grpc.sslServerCredentials([serverPair],
        { rootCertificates: certs.ca.cert, requireClientAuth: true }));
      const result = await runPythonClient(['--target', server.target, '--ca', certs.ca.certPath, ...clientFiles]);
      assert.strictEqual(result.code, 0, result.details);
      assert.strictEqual(result.report!.peerCommonName, 'client');
      assert.deepStrictEqual(result.report!.peerIdentities, ['client', 'spiffe://test.example.com/client']);

      const withoutCertificate = await runPythonClient(['--target', server.target, '--ca', certs.ca.certPath]);
      assert.strictEqual(withoutCertificate.code, grpc.status.UNAVAILABLE);
    });

    it('should serve the name a grpcio client overrides', async () => {
      const server = await startOurServer(grpc.ServerCredentials.createSsl(null, [{ private_key: certs.server.key, cert_chain: certs.server.cert }]));
      const right = await runPythonClient(['--target', server.target, '--ca', certs.ca.certPath,
        '--server_host_override', 'foo.test.example.com']);
      assert.strictEqual(right.code, 0, right.details);
      const wrong = await runPythonClient(['--target', server.target, '--ca', certs.ca.certPath,
        '--server_host_override', 'wrong.example.com']);
      assert.strictEqual(wrong.code, grpc.status.UNAVAILABLE);
    });

    it('should serve rotated certificates to a grpcio client', async () => {
      const credentials = grpc.dynamicSslServerCredentials(grpc.sslServerCertificateConfiguration([serverPair]), () => null);
      const server = await startOurServer(credentials);
      assert.strictEqual((await runPythonClient(['--target', server.target, '--ca', certs.ca.certPath])).code, 0);
      credentials.updateCertificateConfiguration(grpc.sslServerCertificateConfiguration(
        [{ privateKey: certs.otherServer.key, certificateChain: certs.otherServer.cert }]));
      const rotated = await runPythonClient(['--target', server.target, '--ca', certs.otherCa.certPath]);
      assert.strictEqual(rotated.code, 0, rotated.details);
    });

    it('should accept a grpcio client over local TCP credentials', async () => {
      const server = await startOurServer(grpc.localServerCredentials(grpc.LocalConnectionType.LOCAL_TCP));
      const result = await runPythonClient(['--security', 'local', '--target', server.target, '--token', 'local-python']);
      assert.strictEqual(result.code, 0, result.details);
      assert.strictEqual(result.report!.transportSecurityType, 'local');
      assert.deepStrictEqual(result.report!.metadata.authorization, ['Bearer local-python']);
    });
  });
});
