/**
 * What a call knows about the security of its connection and its peer. grpc-js's `getAuthContext()` shape, with
 * C-core's properties kept as they are for grpcio's `authContext()`.
 */
import type { PeerCertificate } from 'tls';

export interface AuthContext {
  /** `ssl`, `local`, `alts`, `insecure`, ... as C-core names the transport security type. */
  transportSecurityType?: string;
  /** The peer's certificate in Node's `tls` shape, when the peer presented one. */
  sslPeerCertificate?: PeerCertificate;
}
