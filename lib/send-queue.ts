/**
 * The JavaScript side of a call's native send queue (`NativeCall.queueMessage`). Messages go to the native queue at
 * once, and a message's callback runs when the queue has room for the next one. So a Node.js Writable on top sends
 * while earlier messages are still on their way, and buffers in JavaScript once the queue is full.
 */
import type { NativeCall } from './native';

export class SendQueue {
  // Callbacks of messages that found the queue full. They run once it has room.
  private waitingForRoom: Array<() => void> = [];
  private drainCallbacks: Array<(error: Error | null) => void> = [];
  private used = false;
  private waiting = false;
  private failure: Error | null = null;

  constructor(private readonly native: NativeCall) {}

  /**
   * Queues a serialized message; with `initialMetadata`, empty response headers go out ahead of it. `callback`
   * runs when the queue has room for the next message: on the next tick when it has, as a Node.js Writable
   * expects of a write that did not finish at once. It never runs once a send failed: then the call is over.
   * Throws what `queueMessage` throws, for a released call.
   */
  send(message: Buffer, flags: number, initialMetadata: boolean, callback: () => void): void {
    this.used = true;
    const hasRoom = this.native.queueMessage(message, flags, initialMetadata);
    if (this.failure !== null) {
      return;
    }
    if (hasRoom && this.waitingForRoom.length === 0) {
      process.nextTick(callback);
      return;
    }
    this.waitingForRoom.push(callback);
    this.wait();
  }

  /**
   * Returns true when every queued message was sent. Otherwise returns false and calls `callback` once they
   * were, or with the Error of a send that failed.
   */
  whenDrained(callback: (error: Error | null) => void): boolean {
    if (!this.used) {
      return true;
    }
    if (this.failure !== null) {
      process.nextTick(callback, this.failure);
      return false;
    }
    if (this.waiting || this.waitingForRoom.length > 0) {
      // The notification already requested is followed by one for the empty queue.
      this.drainCallbacks.push(callback);
      return false;
    }
    const result = this.native.waitForSends(true, (error) => {
      this.waiting = false;
      this.settle(error, true);
    });
    if (result === null) {
      return true;
    }
    this.drainCallbacks.push(callback);
    if (result === undefined) {
      this.waiting = true;
    } else {
      this.settle(result, true);
    }
    return false;
  }

  // Requests one notification from the native queue: when it has room if callbacks wait for room, else when it is
  // empty.
  private wait(): void {
    if (this.waiting || this.failure !== null) {
      return;
    }
    if (this.waitingForRoom.length === 0 && this.drainCallbacks.length === 0) {
      return;
    }
    const untilEmpty = this.waitingForRoom.length === 0;
    const result = this.native.waitForSends(untilEmpty, (error) => {
      this.waiting = false;
      this.settle(error, untilEmpty);
    });
    if (result === undefined) {
      this.waiting = true;
    } else {
      this.settle(result, untilEmpty);
    }
  }

  private settle(error: Error | null, empty: boolean): void {
    if (error !== null) {
      this.failure = error;
      this.waitingForRoom = [];
      const drained = this.drainCallbacks;
      this.drainCallbacks = [];
      for (const callback of drained) {
        callback(error);
      }
      return;
    }

    const released = this.waitingForRoom;
    this.waitingForRoom = [];
    for (const callback of released) {
      callback();
    }
    if (empty && this.waitingForRoom.length === 0) {
      const drained = this.drainCallbacks;
      this.drainCallbacks = [];
      for (const callback of drained) {
        callback(null);
      }
    }
    this.wait();
  }
}
