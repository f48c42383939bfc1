'use strict';
// Test certificates, generated once per process into a fresh temporary folder.
//
// Keys are ECDSA P-256, made with node:crypto. Certificates are signed with the `openssl` command-line tool
// because node:crypto cannot issue X.509 certificates. Nothing generated here is committed, and the folder
// is deleted when the process exits.

const crypto = require('node:crypto');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

/** Passphrase of the encrypted copies of the server key. */
const SERVER_KEY_PASSPHRASE = 'grpc-native test passphrase';

/** Names and addresses that the server certificates (valid, untrusted and expired) are issued for. */
const SERVER_DNS_NAMES = ['localhost', 'foo.test.example.com'];
const SERVER_IP_ADDRESSES = ['127.0.0.1', '::1'];

/** Subject alternative names of the client certificate, besides its common name `client`. */
const CLIENT_DNS_NAME = 'client';
const CLIENT_URI = 'spiffe://test.example.com/client';

/** Validity period of the expired server certificate. */
const EXPIRED_NOT_BEFORE = '20200101000000Z';
const EXPIRED_NOT_AFTER = '20200102000000Z';

const VALID_DAYS = 3650;

let cachedCerts = null;

function runOpenssl(args, cwd) {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const stderr = error.stderr ? error.stderr.toString().trim() : '';
    throw new Error(`openssl ${args.join(' ')} failed in ${cwd}: ${stderr || error.message}`);
  }
}

function writePrivateFile(dir, name, contents) {
  const filePath = path.join(dir, name);
  fs.writeFileSync(filePath, contents, { mode: 0o600 });
  return filePath;
}

/** Creates a P-256 key pair and writes its unencrypted PKCS#8 PEM to `<name>.key`. */
function createKey(dir, name) {
  const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' });
  return { keyObject: privateKey, key: Buffer.from(pem), keyPath: writePrivateFile(dir, `${name}.key`, pem) };
}

function randomSerial() {
  // A positive 64-bit serial: the top bit is cleared so that the DER integer stays positive.
  const bytes = crypto.randomBytes(8);
  bytes[0] &= 0x7f;
  return `0x${bytes.toString('hex')}`;
}

function createCa(dir, name, commonName) {
  const { key, keyPath } = createKey(dir, name);
  const certPath = path.join(dir, `${name}.pem`);
  runOpenssl([
    'req', '-x509', '-new', '-sha256',
    '-key', keyPath,
    '-subj', `/O=grpc-native tests/CN=${commonName}`,
    '-days', String(VALID_DAYS),
    '-set_serial', randomSerial(),
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    '-out', certPath,
  ], dir);
  return { cert: fs.readFileSync(certPath), certPath, key, keyPath };
}

/** Writes an openssl extension file for a leaf certificate and returns its path. */
function writeLeafExtensions(dir, name, extendedKeyUsage, subjectAltNames) {
  const lines = [
    'basicConstraints = critical, CA:FALSE',
    'keyUsage = critical, digitalSignature',
    `extendedKeyUsage = ${extendedKeyUsage}`,
    `subjectAltName = ${subjectAltNames.join(', ')}`,
    'subjectKeyIdentifier = hash',
    'authorityKeyIdentifier = keyid',
  ];
  return writePrivateFile(dir, `${name}.ext`, `${lines.join('\n')}\n`);
}

function createCsr(dir, name, keyPath, commonName) {
  const csrPath = path.join(dir, `${name}.csr`);
  runOpenssl(['req', '-new', '-sha256', '-key', keyPath, '-subj', `/O=grpc-native tests/CN=${commonName}`,
    '-out', csrPath], dir);
  return csrPath;
}

/**
 * Issues a leaf certificate signed by `ca`, valid from now for VALID_DAYS days.
 * `usage` is the extendedKeyUsage value (`serverAuth` or `clientAuth`).
 */
function createLeaf(dir, name, ca, { commonName, usage, subjectAltNames }) {
  const { keyObject, key, keyPath } = createKey(dir, name);
  const csrPath = createCsr(dir, name, keyPath, commonName);
  const extensionsPath = writeLeafExtensions(dir, name, usage, subjectAltNames);
  const certPath = path.join(dir, `${name}.pem`);
  runOpenssl([
    'x509', '-req', '-sha256',
    '-in', csrPath,
    '-CA', ca.certPath, '-CAkey', ca.keyPath,
    '-set_serial', randomSerial(),
    '-days', String(VALID_DAYS),
    '-extfile', extensionsPath,
    '-out', certPath,
  ], dir);
  return { keyObject, cert: fs.readFileSync(certPath), certPath, key, keyPath };
}

/**
 * Issues a server certificate signed by `ca` whose validity ended in 2020.
 * `openssl x509 -req` in OpenSSL 3.0 cannot set a past start date, so this uses `openssl ca`, which can.
 */
function createExpiredLeaf(dir, name, ca, { commonName, usage, subjectAltNames }) {
  const { key, keyPath } = createKey(dir, name);
  const csrPath = createCsr(dir, name, keyPath, commonName);
  const extensionsPath = writeLeafExtensions(dir, name, usage, subjectAltNames);
  const caDir = fs.mkdtempSync(path.join(dir, `${name}-ca-`));
  fs.writeFileSync(path.join(caDir, 'index.txt'), '');
  fs.writeFileSync(path.join(caDir, 'serial'), `${randomSerial().slice(2)}\n`);
  const configPath = path.join(caDir, 'ca.cnf');
  fs.writeFileSync(configPath, [
    '[ ca ]',
    'default_ca = test_ca',
    '[ test_ca ]',
    `database = ${path.join(caDir, 'index.txt')}`,
    `serial = ${path.join(caDir, 'serial')}`,
    `new_certs_dir = ${caDir}`,
    'default_md = sha256',
    'policy = policy_any',
    'unique_subject = no',
    '[ policy_any ]',
    'organizationName = optional',
    'commonName = supplied',
    '',
  ].join('\n'));
  const certPath = path.join(dir, `${name}.pem`);
  runOpenssl([
    'ca', '-batch', '-notext',
    '-config', configPath,
    '-cert', ca.certPath, '-keyfile', ca.keyPath,
    '-in', csrPath,
    '-startdate', EXPIRED_NOT_BEFORE,
    '-enddate', EXPIRED_NOT_AFTER,
    '-extfile', extensionsPath,
    '-out', certPath,
  ], dir);
  return { cert: fs.readFileSync(certPath), certPath, key, keyPath };
}

function serverSubjectAltNames() {
  return [
    ...SERVER_DNS_NAMES.map((name) => `DNS:${name}`),
    ...SERVER_IP_ADDRESSES.map((address) => `IP:${address}`),
  ];
}

/** Writes passphrase-encrypted copies of `keyObject`: PKCS#8 and the traditional OpenSSL (SEC1) form. */
function encryptKey(dir, name, keyObject) {
  const pkcs8 = keyObject.export({
    format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: SERVER_KEY_PASSPHRASE,
  });
  const traditional = keyObject.export({
    format: 'pem', type: 'sec1', cipher: 'aes-256-cbc', passphrase: SERVER_KEY_PASSPHRASE,
  });
  return {
    keyEncrypted: Buffer.from(pkcs8),
    keyEncryptedPath: writePrivateFile(dir, `${name}.encrypted.key`, pkcs8),
    keyEncryptedTraditional: Buffer.from(traditional),
    keyEncryptedTraditionalPath: writePrivateFile(dir, `${name}.encrypted-traditional.key`, traditional),
    passphrase: SERVER_KEY_PASSPHRASE,
  };
}

/** Generates the test certificates into the existing folder `dir` and returns them, as getTestCerts does. */
function writeTestCerts(dir) {
  const serverOptions = { commonName: 'localhost', usage: 'serverAuth', subjectAltNames: serverSubjectAltNames() };

  const ca = createCa(dir, 'ca', 'grpc-native test CA');
  const { keyObject: serverKeyObject, ...server } = createLeaf(dir, 'server', ca, serverOptions);
  const { keyObject: _clientKeyObject, ...client } = createLeaf(dir, 'client', ca, {
    commonName: 'client',
    usage: 'clientAuth',
    subjectAltNames: [`DNS:${CLIENT_DNS_NAME}`, `URI:${CLIENT_URI}`],
  });
  const expiredServer = createExpiredLeaf(dir, 'expired-server', ca, serverOptions);

  const otherCa = createCa(dir, 'other-ca', 'grpc-native unrelated test CA');
  const { keyObject: _otherKeyObject, ...otherServer } = createLeaf(dir, 'other-server', otherCa, serverOptions);

  return {
    dir,
    ca,
    server: { ...server, ...encryptKey(dir, 'server', serverKeyObject) },
    client,
    expiredServer,
    otherCa,
    otherServer,
  };
}

/**
 * Returns the test certificates, generating them on the first call in this process.
 *
 * Each entry has `cert` and `key` (PEM Buffers) and `certPath` and `keyPath` (files in `dir`):
 * - `ca`: the test CA, which signs `server`, `client` and `expiredServer`.
 * - `server`: for DNS localhost and foo.test.example.com and IP 127.0.0.1 and ::1. It also has
 *   `keyEncrypted`/`keyEncryptedPath` (PKCS#8), `keyEncryptedTraditional`/`keyEncryptedTraditionalPath`
 *   (OpenSSL's `Proc-Type: 4,ENCRYPTED` form) and their `passphrase`.
 * - `client`: CN `client`, SANs DNS `client` and URI `spiffe://test.example.com/client`.
 * - `expiredServer`: the server names again, signed by `ca`, valid only on 2020-01-01.
 * - `otherCa` and `otherServer`: an unrelated CA and a server certificate for the same names signed by it.
 */
function getTestCerts() {
  if (cachedCerts === null) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'grpc-native-certs-'));
    process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
    cachedCerts = writeTestCerts(dir);
  }
  return cachedCerts;
}

module.exports = {
  getTestCerts,
  writeTestCerts,
  SERVER_KEY_PASSPHRASE,
  SERVER_DNS_NAMES,
  SERVER_IP_ADDRESSES,
  CLIENT_DNS_NAME,
  CLIENT_URI,
  EXPIRED_NOT_BEFORE,
  EXPIRED_NOT_AFTER,
};
