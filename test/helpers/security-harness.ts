/**
 * Certificates and peers for the security tests: the certificates of certs.js, one more for SNI, and the echo
 * service of security-echo.ts.
 */
import { execFileSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

export * from './security-echo';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { getTestCerts } = require('./certs');

export interface TestCerts {
  dir: string;
  ca: { cert: Buffer; certPath: string; key: Buffer; keyPath: string };
  server: {
    cert: Buffer; certPath: string; key: Buffer; keyPath: string;
    keyEncrypted: Buffer; keyEncryptedPath: string; keyEncryptedTraditional: Buffer; passphrase: string;
  };
  client: { cert: Buffer; certPath: string; key: Buffer; keyPath: string };
  expiredServer: { cert: Buffer; certPath: string; key: Buffer; keyPath: string };
  otherCa: { cert: Buffer; certPath: string; key: Buffer; keyPath: string };
  otherServer: { cert: Buffer; certPath: string; key: Buffer; keyPath: string };
}

export const certs: TestCerts = getTestCerts();

/** A name that only the SNI certificate holds. */
export const SNI_NAME = 'sni.test.example.com';

let sniPair: { cert: Buffer; key: Buffer } | null = null;

/** Keeps openssl's progress lines out of the test output. */
const QUIET = { stdio: ['ignore', 'pipe', 'pipe'] as ('ignore' | 'pipe')[] };

/** Returns a server certificate for {@link SNI_NAME} only, signed by the test CA, made on the first call. */
export function sniCertificate(): { cert: Buffer; key: Buffer } {
  if (sniPair === null) {
    const dir = certs.dir;
    const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const keyPath = path.join(dir, 'sni.key');
    fs.writeFileSync(keyPath, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
    const csrPath = path.join(dir, 'sni.csr');
    execFileSync('openssl', ['req', '-new', '-key', keyPath, '-subj', `/CN=${SNI_NAME}`, '-out', csrPath], QUIET);
    const extPath = path.join(dir, 'sni.ext');
    fs.writeFileSync(extPath, `subjectAltName = DNS:${SNI_NAME}\nextendedKeyUsage = serverAuth\n`);
    const certPath = path.join(dir, 'sni.pem');
    execFileSync('openssl', ['x509', '-req', '-sha256', '-in', csrPath, '-CA', certs.ca.certPath, '-CAkey',
      certs.ca.keyPath, '-set_serial', '0x5e1', '-days', '30', '-extfile', extPath, '-out', certPath], QUIET);
    sniPair = { cert: fs.readFileSync(certPath), key: fs.readFileSync(keyPath) };
  }
  return sniPair;
}

