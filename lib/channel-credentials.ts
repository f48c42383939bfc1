/**
 * Channel credentials: what secures a channel's connections. A minimal first version; the security layer adds
 * every kind C-core has.
 */
import { binding, NativeChannelCredentials } from './native';

export abstract class ChannelCredentials {
  /** The C-core credentials this object stands for. */
  abstract _getNative(): NativeChannelCredentials;

  /** True when the credentials set up a secure transport, so call credentials may be composed onto them. */
  abstract _isSecure(): boolean;

  static createInsecure(): ChannelCredentials {
    return new InsecureChannelCredentials();
  }
}

class InsecureChannelCredentials extends ChannelCredentials {
  private native: NativeChannelCredentials | null = null;

  _getNative(): NativeChannelCredentials {
    this.native ??= binding.insecureChannelCredentials();
    return this.native;
  }

  _isSecure(): boolean {
    return false;
  }
}
