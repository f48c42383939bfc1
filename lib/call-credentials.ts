/**
 * Call credentials: metadata added to each call, such as an access token. A minimal first version; the security
 * layer fills it in.
 */
import type { NativeCallCredentials } from './native';

export abstract class CallCredentials {
  /** The C-core credentials this object stands for. */
  abstract _getNative(): NativeCallCredentials;
}
