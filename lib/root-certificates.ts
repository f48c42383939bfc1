/**
 * The default root certificates: what TLS channel credentials trust when they are given no roots.
 *
 * C-core looks for them once per process, in this order: the file that GRPC_DEFAULT_SSL_ROOTS_FILE_PATH names,
 * then the certificates that this module supplies, which are Node's default CA certificates, the ones grpc-js
 * trusts too. Node's set is its bundled Mozilla store plus the file that NODE_EXTRA_CA_CERTS names. On Node
 * versions that have `tls.getCACertificates`, it is that function's `default` set, which also follows
 * `--use-openssl-ca` and `--use-system-ca`.
 */
import * as fs from 'fs';
import * as tls from 'tls';
import { LogVerbosity } from './constants';
import { log } from './logging';
import { securityBinding } from './native-security';

let supplied = false;

type GetCaCertificates = (type: 'default') => string[];

/** Node's default CA certificates as one PEM bundle. */
export function nodeDefaultRootCertificates(): string {
  const getCaCertificates = (tls as unknown as { getCACertificates?: GetCaCertificates }).getCACertificates;
  if (typeof getCaCertificates === 'function') {
    return getCaCertificates('default').join('\n');
  }

  const certificates = [...tls.rootCertificates];
  const extraPath = process.env.NODE_EXTRA_CA_CERTS;
  if (extraPath) {
    try {
      certificates.push(fs.readFileSync(extraPath, 'latin1'));
    } catch (error) {
      // Node warns about the same file when it starts, so this line only adds what C-core will not trust.
      log(LogVerbosity.ERROR, `NODE_EXTRA_CA_CERTS=${extraPath} could not be read, so TLS channels do not trust`
        + ` its certificates: ${(error as Error).message}`);
    }
  }
  return certificates.join('\n');
}

/**
 * Hands Node's default CA certificates to C-core, once per process. Credentials factories call it before they
 * make credentials that may fall back to the default roots; C-core reads them at the first connection that needs
 * them.
 */
export function supplyDefaultRootCertificates(): void {
  if (supplied) {
    return;
  }
  supplied = true;
  securityBinding.setDefaultRootCertificates(nodeDefaultRootCertificates());
}
