/**
 * A channel: a virtual connection to a target, on which calls are made. It wraps a C-core channel; C-core does
 * name resolution, load balancing, connection management and retries.
 */
import type { Call } from './call-interface';
import { ChannelCredentials } from './channel-credentials';
import { ChannelOptions, channelOptionsToNative } from './channel-options';
import { ConnectivityState, Propagate } from './constants';
import type { Deadline } from './deadline';
import { trace } from './logging';
import { LogVerbosity } from './constants';
import { binding, NativeCall, NativeChannel } from './native';
import { NativeClientCall } from './native-call';

const TRACER = 'channel';

/** A server call that can be the parent of a client call, for deadline and cancellation propagation. */
export interface ParentCall {
  _getNativeCall(): NativeCall;
}

/**
 * Converts a deadline to milliseconds since the epoch, with Infinity for none. Throws a TypeError naming `name` for
 * NaN, an invalid Date or a value of another type: C-core would read NaN as no deadline at all.
 */
export function deadlineToMillis(deadline: Deadline | null | undefined, name = 'deadline'): number {
  if (deadline === undefined || deadline === null) {
    return Infinity;
  }
  const millis: unknown = deadline instanceof Date ? deadline.getTime() : deadline;
  if (typeof millis !== 'number' || Number.isNaN(millis)) {
    throw new TypeError(`${name} must be a Date or a number of milliseconds since the epoch, got ${String(deadline)}`);
  }
  return millis;
}

export class Channel {
  private readonly native: NativeChannel;
  private readonly target: string;
  private closed = false;
  /**
   * Calls made on this channel whose status has not arrived yet. A call that is never started stays here until the
   * channel closes.
   */
  private readonly callsInFlight = new Set<NativeClientCall>();

  constructor(target: string, credentials: ChannelCredentials, options: ChannelOptions = {}) {
    if (typeof target !== 'string') {
      throw new TypeError('Channel target must be a string');
    }
    if (target.trim() === '') {
      throw new Error(`Could not parse target name "${target}": a channel needs a host:port or a URI`);
    }
    if (!(credentials instanceof ChannelCredentials)) {
      throw new TypeError('Channel credentials must be a ChannelCredentials object');
    }
    if (options !== undefined && (options === null || typeof options !== 'object')) {
      throw new TypeError('Channel options must be an object');
    }

    this.target = target;
    this.native = new binding.Channel(target, credentials._getNative(), channelOptionsToNative(options));
    trace(LogVerbosity.DEBUG, TRACER, `created channel to ${target}`);
  }

  /**
   * Closes the channel. New calls fail. Calls that the server already received run to their end; calls still waiting
   * for the channel to connect end with UNAVAILABLE, as in grpc-js. Closing twice is harmless.
   */
  close(): void {
    if (this.closed) {
      return;
    }
    this.closed = true;

    // C-core 1.51 never ends three kinds of calls when it destroys a channel. The first kind waits for the first name
    // resolution, the second is a wait-for-ready call that waits for a connection, and the third sends its first
    // batch after the destroy (sends are merged until the end of the tick). The first two kinds exist only while the
    // channel is not READY, and then no call without a response has reached a server on this channel.
    const ready = this.native.getConnectivityState(false) === ConnectivityState.READY;
    for (const call of this.callsInFlight) {
      if (!ready || !call.isStartedInCore()) {
        call.cancelIfUnanswered('Channel closed before call started');
      }
    }
    this.callsInFlight.clear();
    this.native.close();
    trace(LogVerbosity.DEBUG, TRACER, `closed channel to ${this.target}`);
  }

  getTarget(): string {
    return this.target;
  }

  getConnectivityState(tryToConnect: boolean): ConnectivityState {
    if (this.closed) {
      return ConnectivityState.SHUTDOWN;
    }
    return this.native.getConnectivityState(Boolean(tryToConnect));
  }

  /**
   * Calls back once the state differs from `currentState`, or with an error once `deadline` passes first.
   * Waiting does not keep the process alive, as in grpc-js.
   */
  watchConnectivityState(currentState: ConnectivityState, deadline: Deadline,
    callback: (error?: Error) => void): void {
    if (typeof callback !== 'function') {
      throw new TypeError('Channel.watchConnectivityState: callback must be a function');
    }
    if (this.closed) {
      throw new Error('Channel has been shut down');
    }
    const deadlineMillis = deadlineToMillis(deadline, 'Channel.watchConnectivityState: deadline');
    if (deadlineMillis <= Date.now()) {
      process.nextTick(callback, new Error('Deadline passed without connectivity state change'));
      return;
    }
    this.native.watchConnectivityState(currentState, deadlineMillis, (changed) => {
      callback(changed ? undefined : new Error('Deadline passed without connectivity state change'));
    });
  }

  /**
   * Creates a call. `host` overrides the call's `:authority`; `parentCall` (a server call) passes on its deadline
   * and cancellation as `propagateFlags` say.
   */
  createCall(method: string, deadline: Deadline | null | undefined, host: string | null | undefined,
    parentCall: ParentCall | null | undefined, propagateFlags: number | null | undefined): Call {
    if (typeof method !== 'string') {
      throw new TypeError('Channel.createCall: method must be a string');
    }
    if (this.closed) {
      throw new Error('Channel has been shut down');
    }

    const parent = parentCall ? parentCall._getNativeCall() : null;
    const flags = propagateFlags ?? Propagate.DEFAULTS;
    const deadlineMillis = deadlineToMillis(deadline, 'Channel.createCall: deadline');
    const native = this.native.createCall(method, deadlineMillis, host ?? null, parent, flags);
    return new NativeClientCall(native, method, this.callsInFlight);
  }
}
