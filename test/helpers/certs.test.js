'use strict';
// Checks the generated test certificates: their names, issuers, validity and keys, and that real TLS peers
// (grpc-js and Python grpcio) reject the untrusted and expired ones.

const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const grpc = require('@grpc/grpc-js');

const {
  getTestCerts, SERVER_DNS_NAMES, SERVER_IP_ADDRESSES, CLIENT_DNS_NAME, CLIENT_URI,
} = require('./certs');
const { runPythonInteropClient } = require('./python-peer');
const { runInteropCase } = require('../interop/client-cases');
const { createTestServiceClient } = require('../interop/protos');
const { startInteropServer } = require('../interop/test-service');

function x509(pem) {
  return new crypto.X509Certificate(pem);
}

describe('test certificates', () => {
  let certs;

  before(() => {
    certs = getTestCerts();
  });

  it('are generated once per process', () => {
    assert.equal(getTestCerts(), certs);
  });

  it('live in a temporary folder', () => {
    assert.ok(certs.dir.startsWith(os.tmpdir() + path.sep), `${certs.dir} is not under ${os.tmpdir()}`);
    for (const name of ['ca', 'server', 'client', 'expiredServer', 'otherCa', 'otherServer']) {
      assert.deepEqual(fs.readFileSync(certs[name].certPath), certs[name].cert, `${name}.certPath`);
      assert.deepEqual(fs.readFileSync(certs[name].keyPath), certs[name].key, `${name}.keyPath`);
    }
  });

  it('server certificate names', () => {
    const server = x509(certs.server.cert);
    for (const name of SERVER_DNS_NAMES) {
      assert.equal(server.checkHost(name, { subject: 'never' }), name);
    }
    for (const address of SERVER_IP_ADDRESSES) {
      assert.equal(server.checkIP(address), address);
    }
    assert.equal(server.checkHost('other.example.com'), undefined);
  });

  it('client certificate names', () => {
    const client = x509(certs.client.cert);
    assert.match(client.subject, /^CN=client$/m);
    assert.equal(client.subjectAltName, `DNS:${CLIENT_DNS_NAME}, URI:${CLIENT_URI}`);
  });

  it('issuers', () => {
    const ca = x509(certs.ca.cert);
    const otherCa = x509(certs.otherCa.cert);
    assert.ok(ca.ca);
    assert.ok(otherCa.ca);
    for (const name of ['server', 'client', 'expiredServer']) {
      assert.ok(x509(certs[name].cert).verify(ca.publicKey), `${name} is not signed by ca`);
      assert.ok(!x509(certs[name].cert).verify(otherCa.publicKey), `${name} is signed by otherCa`);
    }
    assert.ok(x509(certs.otherServer.cert).verify(otherCa.publicKey));
    assert.ok(!x509(certs.otherServer.cert).verify(ca.publicKey));
  });

  it('validity', () => {
    const now = Date.now();
    for (const name of ['ca', 'server', 'client', 'otherCa', 'otherServer']) {
      const certificate = x509(certs[name].cert);
      assert.ok(Date.parse(certificate.validFrom) <= now, `${name} is not valid yet`);
      assert.ok(Date.parse(certificate.validTo) > now, `${name} has expired`);
    }
    assert.ok(Date.parse(x509(certs.expiredServer.cert).validTo) < now, 'expiredServer has not expired');
  });

  it('keys match their certificates', () => {
    for (const name of ['ca', 'server', 'client', 'expiredServer', 'otherCa', 'otherServer']) {
      assert.ok(x509(certs[name].cert).checkPrivateKey(crypto.createPrivateKey(certs[name].key)), name);
    }
  });

  it('encrypted server keys need the passphrase', () => {
    const plain = crypto.createPrivateKey(certs.server.key).export({ format: 'der', type: 'pkcs8' });
    for (const encrypted of [certs.server.keyEncrypted, certs.server.keyEncryptedTraditional]) {
      assert.throws(() => crypto.createPrivateKey(encrypted));
      const decrypted = crypto.createPrivateKey({ key: encrypted, passphrase: certs.server.passphrase });
      assert.deepEqual(decrypted.export({ format: 'der', type: 'pkcs8' }), plain);
    }
    assert.match(certs.server.keyEncrypted.toString(), /^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    assert.match(certs.server.keyEncryptedTraditional.toString(), /^Proc-Type: 4,ENCRYPTED$/m);
    assert.deepEqual(fs.readFileSync(certs.server.keyEncryptedPath), certs.server.keyEncrypted);
    assert.deepEqual(fs.readFileSync(certs.server.keyEncryptedTraditionalPath),
      certs.server.keyEncryptedTraditional);
  });
});

describe('test certificates with TLS peers', () => {
  const servers = {};

  function serverCredentials(identity, clientCa) {
    const keyCertPairs = [{ private_key: identity.key, cert_chain: identity.cert }];
    return grpc.ServerCredentials.createSsl(clientCa || null, keyCertPairs, Boolean(clientCa));
  }

  before(async () => {
    const certs = getTestCerts();
    servers.untrusted = await startInteropServer(grpc, { credentials: serverCredentials(certs.otherServer) });
    servers.expired = await startInteropServer(grpc, { credentials: serverCredentials(certs.expiredServer) });
    servers.mutual = await startInteropServer(grpc, { credentials: serverCredentials(certs.server, certs.ca.cert) });
  });

  after(() => {
    for (const server of Object.values(servers)) {
      server.stop();
    }
  });

  async function expectGrpcJsUnavailable(server, channelCredentials, options) {
    const client = createTestServiceClient(grpc, server.target, channelCredentials, options);
    try {
      await assert.rejects(runInteropCase('empty_unary', client, grpc),
        { message: /^empty_unary: EmptyCall failed: status UNAVAILABLE \(14\)/ });
    } finally {
      client.close();
    }
  }

  it('grpc-js rejects a server of another CA', async () => {
    await expectGrpcJsUnavailable(servers.untrusted, grpc.credentials.createSsl(getTestCerts().ca.cert));
  });

  it('grpc-js rejects an expired server', async () => {
    await expectGrpcJsUnavailable(servers.expired, grpc.credentials.createSsl(getTestCerts().ca.cert));
  });

  it('grpc-js rejects a wrong host name', async () => {
    // The certificate is valid and trusted but not issued for this name.
    const certs = getTestCerts();
    const credentials = grpc.credentials.createSsl(certs.ca.cert, certs.client.key, certs.client.cert);
    await expectGrpcJsUnavailable(servers.mutual, credentials,
      { 'grpc.ssl_target_name_override': 'wrong.example.com' });
  });

  it('mutual TLS server rejects a client without certificate', async () => {
    await expectGrpcJsUnavailable(servers.mutual, grpc.credentials.createSsl(getTestCerts().ca.cert));
  });

  it('mutual TLS server accepts the client certificate', async () => {
    const certs = getTestCerts();
    const client = createTestServiceClient(grpc, servers.mutual.target,
      grpc.credentials.createSsl(certs.ca.cert, certs.client.key, certs.client.cert));
    try {
      await runInteropCase('empty_unary', client, grpc);
    } finally {
      client.close();
    }
  });

  describe('Python grpcio client', () => {
    async function expectPythonUnavailable(server, tls) {
      const run = await runPythonInteropClient({ port: server.port, testCases: ['empty_unary'], tls });
      assert.equal(run.exitCode, 1, run.stdout + run.stderr);
      assert.equal(run.results.empty_unary.passed, false);
      assert.match(run.results.empty_unary.reason, /^unexpected status UNAVAILABLE/);
    }

    it('rejects a server of another CA', async () => {
      await expectPythonUnavailable(servers.untrusted, { caPath: getTestCerts().ca.certPath });
    });

    it('rejects an expired server', async () => {
      await expectPythonUnavailable(servers.expired, { caPath: getTestCerts().ca.certPath });
    });

    it('rejects a wrong host name', async () => {
      const certs = getTestCerts();
      await expectPythonUnavailable(servers.mutual, {
        caPath: certs.ca.certPath,
        certPath: certs.client.certPath,
        keyPath: certs.client.keyPath,
        serverHostOverride: 'wrong.example.com',
      });
    });

    it('is rejected without client certificate', async () => {
      await expectPythonUnavailable(servers.mutual, { caPath: getTestCerts().ca.certPath });
    });
  });
});
