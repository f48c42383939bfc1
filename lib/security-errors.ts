/**
 * Hints for C-core's security failures. C-core reports a failed TLS handshake with the TLS library's terse text,
 * for example "certificate verify failed" for both an untrusted and an expired certificate, and a server that
 * rejects the client's certificate only closes the connection. These hints name the usual causes and what to
 * change. They are appended to the status details of failed calls, which keep C-core's text in front.
 */
import { Status } from './constants';

interface Hint {
  pattern: RegExp;
  hint: (match: RegExpMatchArray) => string;
}

const HINTS: Hint[] = [
  {
    pattern: /certificate verify failed/,
    hint: () => 'the server\'s certificate could not be verified: it is not signed by a CA in the channel\'s root'
      + ' certificates, or it has expired or is not valid yet',
  },
  {
    pattern: /Peer name (\S+) is not in peer certificate/,
    hint: (match) => `the server's certificate is not issued for ${match[1]}: connect to a name the certificate`
      + ' holds, or set the channel option grpc.ssl_target_name_override to one',
  },
  {
    pattern: /Custom verification check failed/,
    hint: () => 'the channel credentials\' checkServerIdentity rejected the server\'s certificate',
  },
  {
    pattern: /Established channel does not have a sufficient security level to transfer call credential/,
    hint: () => 'call credentials are sent only over TLS, ALTS or local credentials, never in plaintext: use secure'
      + ' channel credentials for this call',
  },
  {
    pattern: /Handshake read failed|Socket closed|Endpoint read failed|Connection reset by peer/,
    hint: () => 'the server closed the connection; if it is a TLS server that requires client certificates, the'
      + ' channel credentials need a private key and certificate chain that it trusts',
  },
];

/**
 * Returns `details` with a hint appended when they match a known security failure of a call that ended with
 * `code`, and unchanged otherwise.
 */
export function addSecurityHint(code: Status, details: string): string {
  if (code !== Status.UNAVAILABLE && code !== Status.UNAUTHENTICATED) {
    return details;
  }
  for (const { pattern, hint } of HINTS) {
    const match = details.match(pattern);
    if (match !== null) {
      return `${details} (${hint(match)})`;
    }
  }
  return details;
}
