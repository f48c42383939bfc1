/**
 * Arguments of the public Channel class that were accepted and then misbehaved: a watch without a callback threw
 * an uncaught TypeError from inside the library once the state changed, and an invalid Date or NaN deadline made a
 * call or watch without any deadline.
 */
import * as assert from 'assert';

import { Channel } from '../../lib/channel';
import { ChannelCredentials } from '../../lib/channel-credentials';
import { ConnectivityState } from '../../lib/constants';

describe('Channel arguments', () => {
  let channel: Channel;

  beforeEach(() => {
    // Nothing listens on port 1, and nothing here connects: the checks run before any call starts.
    channel = new Channel('127.0.0.1:1', ChannelCredentials.createInsecure());
  });

  afterEach(() => {
    channel.close();
  });

  it('rejects a watch without a callback', () => {
    assert.throws(() => (channel as any).watchConnectivityState(ConnectivityState.IDLE, Date.now() + 1000),
      { name: 'TypeError', message: /callback must be a function/ });
  });

  for (const [name, deadline] of [['an invalid Date', new Date(NaN)], ['NaN', NaN], ['a string', 'soon']]) {
    it(`rejects ${name} as a watch deadline`, () => {
      assert.throws(() => channel.watchConnectivityState(ConnectivityState.IDLE, deadline as any, () => {}),
        { name: 'TypeError', message: /watchConnectivityState: deadline must be a Date or a number/ });
    });

    it(`rejects ${name} as a call deadline`, () => {
      assert.throws(() => channel.createCall('/regressions.Echo/Echo', deadline as any, null, null, null),
        { name: 'TypeError', message: /createCall: deadline must be a Date or a number/ });
    });
  }

  it('accepts a Date, a number, Infinity and null as deadlines', () => {
    for (const deadline of [new Date(Date.now() + 1000), Date.now() + 1000, Infinity, null]) {
      const call = channel.createCall('/regressions.Echo/Echo', deadline, null, null, null);
      call.cancelWithStatus(1, 'not needed');
    }
  });
});
