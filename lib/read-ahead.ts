/**
 * The JavaScript side of a call's read-ahead (`NativeCall.readMessages`): it keeps the messages that one native
 * delivery handed over until the call's reader takes them, one per `startRead`. The client call and the server
 * call use it for their message reads.
 */
import type { NativeCall, NativeReadResult } from './native';

/** A received message, `null` at the end of the stream, or the Error of a receive that failed. */
export type ReadItem = Buffer | null | Error;

export class ReadAheadBuffer {
  private readonly messages: Buffer[] = [];
  // The `null` or Error that ended the stream, once received. It is returned to every take after the messages.
  private end: null | Error | undefined = undefined;
  private started = false;
  private waiting = false;

  /**
   * `onAvailable` runs, from a native callback, when items arrive that an earlier call found missing. It returns
   * false when it queued a send that has not started yet. The native layer then starts its next receive only on
   * the next take, after that send, so that C-core's flow-control update goes out in the same write.
   */
  constructor(private readonly native: NativeCall, private readonly onAvailable: () => boolean,
    private readonly expectReplies: () => boolean) {}

  /**
   * Returns the next item, or undefined when none has arrived yet; `onAvailable` then runs once it has. After the
   * end, every call returns the end again.
   */
  take(): ReadItem | undefined {
    if (this.messages.length === 0) {
      this.fetch();
    }
    if (this.messages.length > 0) {
      return this.messages.shift();
    }
    return this.end;
  }

  /**
   * Starts the native read-ahead before the reader asks for a message. C-core withholds the status while received
   * messages wait unread in it, so a call whose reader never reads would otherwise never learn that it failed.
   * NOTE: read-ahead stops at its bound (256 KiB), so a status behind more unread messages still waits for reads.
   */
  start(): void {
    this.fetch();
  }

  /** Returns whether a take, isDrained or start started the native read-ahead. */
  isStarted(): boolean {
    return this.started;
  }

  /**
   * Returns whether every message received so far was taken and the stream ended, or reading never started.
   * Returns false while a message may still arrive; `onAvailable` runs when that is settled.
   */
  isDrained(): boolean {
    if (!this.started) {
      return true;
    }
    if (this.messages.length === 0) {
      this.fetch();
    }
    return this.messages.length === 0 && this.end !== undefined;
  }

  private fetch(): void {
    if (this.waiting || this.end !== undefined) {
      return;
    }
    this.started = true;
    let result: NativeReadResult | undefined;
    try {
      result = this.native.readMessages((delivered) => {
        this.waiting = false;
        this.store(delivered);
        return this.onAvailable();
      }, this.expectReplies());
    } catch (error) {
      // The native call was released because the environment is closing.
      result = [error as Error];
    }
    if (result === undefined) {
      this.waiting = true;
    } else {
      this.store(result);
    }
  }

  private store(items: NativeReadResult): void {
    for (const item of items) {
      if (Buffer.isBuffer(item)) {
        this.messages.push(item);
      } else {
        this.end = item;
      }
    }
  }
}
