/**
 * Validation of PEM certificates and private keys with node:crypto, so that credentials fail when they are made,
 * with an error that names the argument, rather than at the first handshake with a TLS library message.
 */
import * as crypto from 'crypto';

/** Certificates and keys may be given as Buffers (grpc-js) or strings (grpcio's bytes map to both). */
export type PemInput = Buffer | string;

const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** Returns `value` as a string, or throws a TypeError naming `name` when it is neither a Buffer nor a string. */
export function pemToString(value: unknown, name: string): string {
  if (Buffer.isBuffer(value)) {
    return value.toString('latin1');
  }
  if (typeof value === 'string') {
    return value;
  }
  throw new TypeError(`${name} must be a Buffer or a string of PEM data, got ${describe(value)}`);
}

/** True for undefined and null, the "not given" of optional PEM arguments. */
export function isAbsent(value: unknown): value is undefined | null {
  return value === undefined || value === null;
}

/**
 * Parses every certificate of a PEM bundle. Throws an Error naming `name` when there is none or one cannot be
 * parsed. Returns the certificates in order.
 */
export function parseCertificates(pem: string, name: string): crypto.X509Certificate[] {
  const blocks = pem.match(CERTIFICATE_BLOCK);
  if (blocks === null) {
    throw new Error(`${name} is not PEM-encoded: no "-----BEGIN CERTIFICATE-----" block found`);
  }
  return blocks.map((block, index) => {
    try {
      return new crypto.X509Certificate(block);
    } catch (error) {
      const position = blocks.length > 1 ? ` (certificate ${index + 1} of ${blocks.length})` : '';
      throw new Error(`${name}${position} is not a valid certificate: ${(error as Error).message}`);
    }
  });
}

function isEncryptedKey(pem: string): boolean {
  return pem.includes('-----BEGIN ENCRYPTED PRIVATE KEY-----') || /Proc-Type:\s*4,ENCRYPTED/.test(pem);
}

/** A private key checked by node:crypto, with the PEM text that C-core gets. */
export interface ParsedPrivateKey {
  keyObject: crypto.KeyObject;
  /** Unencrypted PEM. For an encrypted input, the decrypted key in PKCS#8 form. */
  pem: string;
}

/**
 * Parses a PEM private key, decrypting it with `passphrase` when it is encrypted. Throws an Error naming `name`
 * when it is not a PEM private key, when it is encrypted and no passphrase was given (the message ends with
 * `encryptedAdvice`, which tells what to do), or when the passphrase is wrong.
 */
export function parsePrivateKey(pem: string, name: string, passphrase: string | undefined,
  encryptedAdvice: string): ParsedPrivateKey {
  if (!pem.includes('-----BEGIN')) {
    throw new Error(`${name} is not PEM-encoded: no "-----BEGIN ... PRIVATE KEY-----" block found`);
  }
  const encrypted = isEncryptedKey(pem);
  if (encrypted && passphrase === undefined) {
    throw new Error(`${name} is encrypted, and no passphrase was given: ${encryptedAdvice}`);
  }

  let keyObject: crypto.KeyObject;
  try {
    keyObject = crypto.createPrivateKey({ key: pem, format: 'pem', passphrase: encrypted ? passphrase : undefined });
  } catch (error) {
    const message = (error as Error).message;
    if (encrypted) {
      throw new Error(`${name} could not be decrypted with the given passphrase: ${message}`);
    }
    throw new Error(`${name} is not a valid private key: ${message}`);
  }

  const decrypted = encrypted ? (keyObject.export({ format: 'pem', type: 'pkcs8' }) as string) : pem;
  return { keyObject, pem: decrypted };
}

/**
 * Throws an Error naming both arguments when the key does not belong to the first certificate of the chain.
 * `where` prefixes the message, usually with the function's name.
 */
export function checkKeyMatchesCertificate(key: ParsedPrivateKey, chain: crypto.X509Certificate[], where: string,
  keyName: string, chainName: string): void {
  if (!chain[0].checkPrivateKey(key.keyObject)) {
    const subject = chain[0].subject.replace(/\n/g, ', ');
    throw new Error(`${where}: ${keyName} does not match the first certificate of ${chainName} (subject ${subject})`);
  }
}

/** A validated private key and certificate chain, as strings for C-core. */
export interface ValidatedKeyCertPair {
  privateKey: string;
  certificateChain: string;
}

/**
 * Validates a private key and its certificate chain: both PEM, the key decryptable, and the key belonging to the
 * chain's first certificate. Errors start with `names.where` and name the arguments `names.key` and
 * `names.chain`; `encryptedAdvice` ends the error for an encrypted key without a passphrase.
 */
export function validateKeyCertPair(privateKey: unknown, certificateChain: unknown, passphrase: string | undefined,
  names: { where: string; key: string; chain: string; encryptedAdvice: string }): ValidatedKeyCertPair {
  const keyName = `${names.where}: ${names.key}`;
  const chainName = `${names.where}: ${names.chain}`;
  const chainPem = pemToString(certificateChain, chainName);
  const keyPem = pemToString(privateKey, keyName);
  const chain = parseCertificates(chainPem, chainName);
  const key = parsePrivateKey(keyPem, keyName, passphrase, names.encryptedAdvice);
  checkKeyMatchesCertificate(key, chain, names.where, names.key, names.chain);
  return { privateKey: key.pem, certificateChain: chainPem };
}

/** Validates a PEM bundle of root certificates and returns it as a string. */
export function validateRootCertificates(value: unknown, name: string): string {
  const pem = pemToString(value, name);
  parseCertificates(pem, name);
  return pem;
}

/** Validates an optional passphrase option. */
export function validatePassphrase(value: unknown, name: string): string | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (typeof value !== 'string') {
    throw new TypeError(`${name} must be a string, got ${describe(value)}`);
  }
  return value;
}

/** Names a value's type for error messages. */
export function describe(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  if (Array.isArray(value)) {
    return 'an array';
  }
  return typeof value === 'object' ? `an object (${value.constructor?.name ?? 'no prototype'})` : typeof value;
}
