/**
 * The security of a call's connection and its peer: grpc-js's `getAuthContext()` shape, and
 * grpcio's `auth_context()`, `peer_identities()` and `peer_identity_key()` over C-core's auth context properties.
 */
import { X509Certificate } from 'crypto';
import type { DetailedPeerCertificate, PeerCertificate } from 'tls';
import { callAuthContext, NativeAuthContext } from './native-security';
import type { NativeCall } from './native';

/** The auth context of a call: grpc-js's two fields, and grpcio's methods over C-core's properties. */
export interface AuthContext {
  /** `ssl`, `local`, `alts`, `insecure`, ... as C-core names the transport security type. */
  transportSecurityType?: string;
  /** The peer's certificate in Node's `tls` shape, when the peer presented one over TLS. */
  sslPeerCertificate?: PeerCertificate;
  /** grpcio's `auth_context()`: every property by name, each with its values in C-core's order. */
  authContext(): Record<string, Buffer[]>;
  /** grpcio's `peer_identities()`: the values of the peer identity property, or null when unauthenticated. */
  peerIdentities(): Buffer[] | null;
  /** grpcio's `peer_identity_key()`: the name of the peer identity property, or null without one. */
  peerIdentityKey(): string | null;
  /** True when C-core authenticated the peer. */
  isPeerAuthenticated(): boolean;
}

/** Name of C-core's property with the transport security type. */
const TRANSPORT_SECURITY_TYPE = 'transport_security_type';
/** Name of C-core's property with the peer's leaf certificate in PEM. */
const PEER_CERTIFICATE_PEM = 'x509_pem_cert';
/** Name of C-core's property with the peer's certificate chain in PEM. */
const PEER_CERTIFICATE_CHAIN_PEM = 'x509_pem_cert_chain';

const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/**
 * Converts a PEM certificate, and optionally the chain it came with, to the object that Node's
 * `tlsSocket.getPeerCertificate(true)` returns. Each certificate's issuer is its `issuerCertificate`, and the last
 * one of the chain points to itself when it is self-signed, as in Node.
 */
export function peerCertificateFromPem(pem: string, chainPem = ''): DetailedPeerCertificate {
  const leaf = new X509Certificate(pem);
  const chain = (chainPem.match(CERTIFICATE_BLOCK) ?? []).map((block) => new X509Certificate(block));
  // The chain, when there is one, starts with the leaf itself.
  const issuers = chain.length > 0 && chain[0].fingerprint256 === leaf.fingerprint256 ? chain.slice(1) : chain;

  const certificates = [leaf, ...issuers];
  const objects = certificates.map((certificate) => certificate.toLegacyObject() as DetailedPeerCertificate);
  for (let i = 0; i < objects.length; i++) {
    if (i + 1 < objects.length) {
      objects[i].issuerCertificate = objects[i + 1];
    } else if (certificates[i].checkIssued(certificates[i])) {
      objects[i].issuerCertificate = objects[i];
    }
  }
  return objects[0];
}

/**
 * The auth context of one call. `transportSecurityType` and `sslPeerCertificate` are grpc-js's fields; the
 * methods are grpcio's, over C-core's properties (for example `x509_common_name`,
 * `x509_subject_alternative_name`, `x509_pem_cert`, `security_level`, `service_account` for ALTS).
 */
export class CallAuthContext implements AuthContext {
  readonly transportSecurityType?: string;
  readonly sslPeerCertificate?: PeerCertificate;
  private readonly native: NativeAuthContext;

  constructor(native: NativeAuthContext | null) {
    this.native = native ?? { peerIdentityPropertyName: null, peerIsAuthenticated: false, properties: [] };
    const type = this.firstValue(TRANSPORT_SECURITY_TYPE);
    if (type !== undefined) {
      this.transportSecurityType = type.toString();
    }
    const pem = this.firstValue(PEER_CERTIFICATE_PEM);
    if (pem !== undefined) {
      const chain = this.firstValue(PEER_CERTIFICATE_CHAIN_PEM)?.toString();
      this.sslPeerCertificate = peerCertificateFromPem(pem.toString(), chain);
    }
    // The raw context stays out of enumeration, so that the object spreads and prints as grpc-js's does.
    Object.defineProperty(this, 'native', { enumerable: false });
  }

  /** grpcio's `auth_context()`: every property by name, each with its values in C-core's order. */
  authContext(): Record<string, Buffer[]> {
    const properties: Record<string, Buffer[]> = {};
    for (const [name, value] of this.native.properties) {
      (properties[name] ??= []).push(value);
    }
    return properties;
  }

  /**
   * grpcio's `peer_identities()`: the values of the peer identity property (for TLS the subject alternative names,
   * or the common name without any), or null when the peer is not authenticated.
   */
  peerIdentities(): Buffer[] | null {
    const name = this.native.peerIdentityPropertyName;
    if (!this.native.peerIsAuthenticated || name === null) {
      return null;
    }
    return this.native.properties.filter(([key]) => key === name).map(([, value]) => value);
  }

  /** grpcio's `peer_identity_key()`: the name of the peer identity property, or null without one. */
  peerIdentityKey(): string | null {
    return this.native.peerIsAuthenticated ? this.native.peerIdentityPropertyName : null;
  }

  /** True when C-core authenticated the peer (it has a peer identity). */
  isPeerAuthenticated(): boolean {
    return this.native.peerIsAuthenticated;
  }

  private firstValue(name: string): Buffer | undefined {
    return this.native.properties.find(([key]) => key === name)?.[1];
  }
}

/** Reads the auth context of a native call, server or client side. */
export function authContextFromNativeCall(call: NativeCall): CallAuthContext {
  return new CallAuthContext(callAuthContext(call));
}
