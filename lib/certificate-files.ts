/**
 * Certificate files for C-core's file watcher, which reads them again at an interval. They are read and validated
 * once when the credentials are made, so that a wrong path or a bad file fails there, with its name.
 */
import * as fs from 'fs';
import { describe, validateKeyCertPair, validateRootCertificates } from './pem';

/** The file options shared by the channel and server file watcher credentials. */
export interface CertificateFileOptions {
  rootCertificatesFile?: string;
  privateKeyFile?: string;
  certificateChainFile?: string;
}

const DEFAULT_REFRESH_INTERVAL_SECONDS = 60;

function readFile(path: unknown, name: string, where: string): string {
  if (typeof path !== 'string' || path === '') {
    throw new TypeError(`${where}: ${name} must be a file path, got ${describe(path)}`);
  }
  try {
    return fs.readFileSync(path, 'latin1');
  } catch (error) {
    throw new Error(`${where}: ${name} ${path} could not be read: ${(error as Error).message}`);
  }
}

/**
 * Validates the files that `options` names: the key and chain come together and match, and the roots parse.
 * `needsIdentity` requires a key and chain (servers do). Returns the paths that are set.
 */
export function readCertificateFiles(options: CertificateFileOptions, where: string,
  needsIdentity: boolean): CertificateFileOptions {
  const hasKey = options.privateKeyFile !== undefined;
  const hasChain = options.certificateChainFile !== undefined;
  if (hasKey !== hasChain) {
    throw new Error(`${where}: privateKeyFile and certificateChainFile must be given together`);
  }
  if (needsIdentity && !hasKey) {
    throw new Error(`${where}: privateKeyFile and certificateChainFile are required`);
  }
  if (!hasKey && options.rootCertificatesFile === undefined) {
    throw new Error(`${where}: give rootCertificatesFile, or privateKeyFile and certificateChainFile, or all three`);
  }

  if (options.rootCertificatesFile !== undefined) {
    const roots = readFile(options.rootCertificatesFile, 'rootCertificatesFile', where);
    validateRootCertificates(roots, `${where}: rootCertificatesFile ${options.rootCertificatesFile}`);
  }
  if (hasKey) {
    const key = readFile(options.privateKeyFile, 'privateKeyFile', where);
    const chain = readFile(options.certificateChainFile, 'certificateChainFile', where);
    validateKeyCertPair(key, chain, undefined, {
      where,
      key: `privateKeyFile ${options.privateKeyFile}`,
      chain: `certificateChainFile ${options.certificateChainFile}`,
      encryptedAdvice: 'C-core reads the key file itself and cannot decrypt it, so store the key unencrypted',
    });
  }
  return {
    rootCertificatesFile: options.rootCertificatesFile,
    privateKeyFile: options.privateKeyFile,
    certificateChainFile: options.certificateChainFile,
  };
}

/** Returns the refresh interval in whole seconds (default 60), or throws for anything but a positive number. */
export function validateRefreshInterval(value: unknown, where: string): number {
  if (value === undefined) {
    return DEFAULT_REFRESH_INTERVAL_SECONDS;
  }
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 1) {
    throw new TypeError(`${where}: refreshIntervalSeconds must be a number of seconds, at least 1,`
      + ` got ${String(value)}`);
  }
  return Math.floor(value);
}
