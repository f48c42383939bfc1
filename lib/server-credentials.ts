/**
 * Server credentials: what secures a server's listening ports. A minimal first version; the security layer adds
 * every kind C-core has.
 */
import { binding, NativeServerCredentials } from './native';

export abstract class ServerCredentials {
  /** The C-core credentials this object stands for. */
  abstract _getNative(): NativeServerCredentials;

  abstract _isSecure(): boolean;

  static createInsecure(): ServerCredentials {
    return new InsecureServerCredentials();
  }
}

class InsecureServerCredentials extends ServerCredentials {
  private native: NativeServerCredentials | null = null;

  _getNative(): NativeServerCredentials {
    this.native ??= binding.insecureServerCredentials();
    return this.native;
  }

  _isSecure(): boolean {
    return false;
  }
}
