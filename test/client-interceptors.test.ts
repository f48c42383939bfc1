// Ordering rules of the interceptor stack, checked on one InterceptingCall over a layer that records what reaches
// it. The whole stack over C-core is tested in client.test.ts.
import * as assert from 'assert';
import { Metadata } from '../lib/metadata';
import { Status } from '../lib/constants';
import type { StatusObject } from '../lib/call-interface';
import {
  getInterceptingCall,
  InterceptingCall,
  InterceptingCallInterface,
  InterceptingListener,
  InterceptorConfigurationError,
  ListenerBuilder,
  RequesterBuilder,
} from '../lib/client-interceptors';

/** The layer below the interceptor under test: records each operation and keeps the listener it was given. */
class RecordingLayer implements InterceptingCallInterface {
  readonly operations: string[] = [];
  listener: InterceptingListener | null = null;

  cancelWithStatus(status: Status, details: string): void {
    this.operations.push(`cancel ${status} ${details}`);
  }
  getPeer(): string {
    return 'recorded-peer';
  }
  start(metadata: Metadata, listener?: Partial<InterceptingListener>): void {
    this.operations.push(`start ${metadata.get('k').join(',')}`);
    this.listener = listener as InterceptingListener;
  }
  sendMessageWithContext(_context: object, message: any): void {
    this.operations.push(`message ${message}`);
  }
  sendMessage(message: any): void {
    this.sendMessageWithContext({}, message);
  }
  startRead(): void {
    this.operations.push('read');
  }
  halfClose(): void {
    this.operations.push('halfClose');
  }
  getAuthContext() {
    return null;
  }
}

function okStatus(): StatusObject {
  return { code: Status.OK, details: 'done', metadata: new Metadata() };
}

/** Returns a listener for the top of the stack that records each event. */
function recordingListener(events: string[]): InterceptingListener {
  return {
    onReceiveMetadata: (metadata) => events.push(`metadata ${metadata.get('k').join(',')}`),
    onReceiveMessage: (message) => events.push(`message ${message}`),
    onReceiveStatus: (status) => events.push(`status ${status.details}`),
  };
}

function metadataWith(value: string): Metadata {
  const metadata = new Metadata();
  metadata.set('k', value);
  return metadata;
}

describe('InterceptingCall', () => {
  it('passes every operation through without a requester', () => {
    const layer = new RecordingLayer();
    const call = new InterceptingCall(layer);
    call.start(metadataWith('v'), {});
    call.sendMessage('m1');
    call.startRead();
    call.halfClose();
    call.cancelWithStatus(Status.CANCELLED, 'bye');
    assert.deepStrictEqual(layer.operations, ['start v', 'message m1', 'read', 'halfClose', 'cancel 1 bye']);
    assert.strictEqual(call.getPeer(), 'recorded-peer');
  });

  it('holds messages and half-close until a delayed start continues', () => {
    const layer = new RecordingLayer();
    let continueStart: (() => void) | null = null;
    const call = new InterceptingCall(layer, {
      start(metadata, listener, next) {
        continueStart = () => next(metadataWith('changed'), listener);
      },
    });
    call.start(metadataWith('v'), {});
    call.sendMessage('m1');
    call.halfClose();
    assert.deepStrictEqual(layer.operations, []);
    continueStart!();
    assert.deepStrictEqual(layer.operations, ['start changed', 'message m1', 'halfClose']);
  });

  it('holds half-close until a delayed message continues', () => {
    const layer = new RecordingLayer();
    let continueMessage: (() => void) | null = null;
    const call = new InterceptingCall(layer, {
      sendMessage(message, next) {
        continueMessage = () => next(`${message}!`);
      },
    });
    call.start(metadataWith('v'), {});
    call.sendMessage('m1');
    call.halfClose();
    assert.deepStrictEqual(layer.operations, ['start v']);
    continueMessage!();
    assert.deepStrictEqual(layer.operations, ['start v', 'message m1!', 'halfClose']);
  });

  it('a cancel requester may swallow the cancellation', () => {
    const layer = new RecordingLayer();
    const call = new InterceptingCall(layer, new RequesterBuilder().withCancel(() => {}).build());
    call.start(metadataWith('v'), {});
    call.cancelWithStatus(Status.CANCELLED, 'ignored');
    assert.deepStrictEqual(layer.operations, ['start v']);
  });

  describe('listener', () => {
    it('keeps event order while metadata is delayed', () => {
      const layer = new RecordingLayer();
      const events: string[] = [];
      let continueMetadata: (() => void) | null = null;
      const call = new InterceptingCall(layer, {
        start(metadata, listener, next) {
          next(metadata, {
            onReceiveMetadata(received, nextMetadata) {
              continueMetadata = () => nextMetadata(received);
            },
          });
        },
      });
      call.start(metadataWith('v'), recordingListener(events));
      layer.listener!.onReceiveMetadata(metadataWith('header'));
      layer.listener!.onReceiveMessage('r1');
      layer.listener!.onReceiveStatus(okStatus());
      assert.deepStrictEqual(events, []);
      continueMetadata!();
      assert.deepStrictEqual(events, ['metadata header', 'message r1', 'status done']);
    });

    it('holds the status while a message is delayed', () => {
      const layer = new RecordingLayer();
      const events: string[] = [];
      let continueMessage: (() => void) | null = null;
      const call = new InterceptingCall(layer, {
        start(metadata, listener, next) {
          next(metadata, new ListenerBuilder()
            .withOnReceiveMessage((message, nextMessage) => {
              continueMessage = () => nextMessage(`${message} changed`);
            })
            .build());
        },
      });
      call.start(metadataWith('v'), recordingListener(events));
      layer.listener!.onReceiveMetadata(metadataWith('header'));
      layer.listener!.onReceiveMessage('r1');
      layer.listener!.onReceiveStatus(okStatus());
      assert.deepStrictEqual(events, ['metadata header']);
      continueMessage!();
      assert.deepStrictEqual(events, ['metadata header', 'message r1 changed', 'status done']);
    });

    it('takes a one-argument listener as is', () => {
      const layer = new RecordingLayer();
      const events: string[] = [];
      const replacement = recordingListener(events);
      const call = new InterceptingCall(layer, {
        start(metadata, _listener, next) {
          next(metadata, replacement);
        },
      });
      call.start(metadataWith('v'), recordingListener([]));
      assert.strictEqual(layer.listener, replacement);
    });

    it('delivers events to zero-argument handlers', () => {
      const layer = new RecordingLayer();
      const events: string[] = [];
      const call = new InterceptingCall(layer);
      call.start(metadataWith('v'), {
        onReceiveMetadata: () => events.push('metadata'),
        onReceiveStatus: () => events.push('status'),
      });
      layer.listener!.onReceiveMetadata(metadataWith('header'));
      layer.listener!.onReceiveMessage('r1');
      layer.listener!.onReceiveStatus(okStatus());
      assert.deepStrictEqual(events, ['metadata', 'status']);
    });

    it('a status listener may replace the status', () => {
      const layer = new RecordingLayer();
      const events: string[] = [];
      const call = new InterceptingCall(layer, {
        start(metadata, listener, next) {
          next(metadata, {
            onReceiveStatus(status, nextStatus) {
              nextStatus({ ...status, details: 'replaced' });
            },
          });
        },
      });
      call.start(metadataWith('v'), recordingListener(events));
      layer.listener!.onReceiveStatus(okStatus());
      assert.deepStrictEqual(events, ['status replaced']);
    });
  });
});

describe('ListenerBuilder and RequesterBuilder', () => {
  it('build objects with the given handlers', () => {
    const onMetadata = (metadata: Metadata, next: (m: Metadata) => void) => next(metadata);
    const listener = new ListenerBuilder().withOnReceiveMetadata(onMetadata).build();
    assert.strictEqual(listener.onReceiveMetadata, onMetadata);
    assert.strictEqual(listener.onReceiveMessage, undefined);

    const halfClose = (next: () => void) => next();
    const requester = new RequesterBuilder().withHalfClose(halfClose).build();
    assert.strictEqual(requester.halfClose, halfClose);
    assert.strictEqual(requester.start, undefined);
  });
});

describe('getInterceptingCall', () => {
  const definition = {
    path: '/test.Test/Echo',
    requestStream: false,
    responseStream: false,
    requestSerialize: (value: Buffer) => value,
    responseDeserialize: (value: Buffer) => value,
  };
  const passThrough = (options: any, nextCall: any) => new InterceptingCall(nextCall(options));
  const noChannel = null as any;

  function args(overrides: object) {
    return {
      clientInterceptors: [],
      clientInterceptorProviders: [],
      callInterceptors: [],
      callInterceptorProviders: [],
      ...overrides,
    };
  }

  it('rejects client interceptors with providers', () => {
    const both = args({ clientInterceptors: [passThrough], clientInterceptorProviders: [() => passThrough] });
    assert.throws(() => getInterceptingCall(both, definition, {}, noChannel), InterceptorConfigurationError);
  });

  it('rejects call interceptors with providers', () => {
    const both = args({ callInterceptors: [passThrough], callInterceptorProviders: [() => passThrough] });
    assert.throws(() => getInterceptingCall(both, definition, {}, noChannel), /passed as call options/);
  });

  it('rejects an interceptor that is not a function', () => {
    const bad = args({ callInterceptors: ['nope'] });
    assert.throws(() => getInterceptingCall(bad, definition, {}, noChannel), /Each interceptor must be a function/);
  });

  it('gives interceptors the options and method definition', () => {
    let received: any = null;
    const capture = (options: any) => {
      received = options;
      return new InterceptingCall(new RecordingLayer());
    };
    getInterceptingCall(args({ callInterceptors: [capture] }), definition, { host: 'example' }, noChannel);
    assert.strictEqual(received.host, 'example');
    assert.strictEqual(received.method_definition, definition);
  });
});
