/**
 * ALTS end to end on one machine: grpc-native's ALTS channel and server credentials, pointed at a test-only
 * handshaker service (test/helpers/alts-handshaker.js) that runs in this process on @grpc/grpc-js.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as grpc from '../lib/index';
import { callWithOurClient, expectFailure, expectReport, RunningServer, startOurServer, stopAllServers } from './helpers/security-harness';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { startAltsHandshakerService } = require('./helpers/alts-handshaker');

/** True where C-core's own check would find Google Compute Engine (it reads the same file). */
function onGoogleCloud(): boolean {
  try {
    return /Google/.test(fs.readFileSync('/sys/class/dmi/id/product_name', 'utf8'));
  } catch {
    return false;
  }
}

describe('ALTS credentials', () => {
  let handshaker: { address: string; log: Array<{ side: string; targetAccounts?: string[] }>; stop(): Promise<void> };
  let server: RunningServer;

  before(async () => {
    handshaker = await startAltsHandshakerService({ clientServiceAccount: 'client@alts.test', serverServiceAccount: 'server@alts.test' });
    server = await startOurServer(grpc.altsServerCredentials({ handshakerServiceAddress: handshaker.address }));
  });

  after(async () => {
    await stopAllServers();
    await handshaker.stop();
  });

  it('should make a call through the handshaker service', async () => {
    const credentials = grpc.altsChannelCredentials({ handshakerServiceAddress: handshaker.address });
    const report = expectReport(await callWithOurClient(server.target, credentials));
    assert.strictEqual(report.transportSecurityType, 'alts');
    assert.strictEqual(report.peerIdentityKey, 'service_account');
    assert.deepStrictEqual(report.peerIdentities, ['client@alts.test']);
    assert.ok(report.authContextKeys!.includes('alts_context'));
    assert.ok(handshaker.log.some((entry) => entry.side === 'client'));
    assert.ok(handshaker.log.some((entry) => entry.side === 'server'));
  });

  it('should accept a server whose service account is a target', async () => {
    const credentials = grpc.altsChannelCredentials({
      serviceAccounts: ['someone@alts.test', 'server@alts.test'],
      handshakerServiceAddress: handshaker.address,
    });
    expectReport(await callWithOurClient(server.target, credentials));
    // C-core keeps the accounts in a list that it builds by prepending, so their order is not kept.
    assert.deepStrictEqual([...handshaker.log.filter((entry) => entry.side === 'client').pop()!.targetAccounts!].sort(),
      ['server@alts.test', 'someone@alts.test']);
  });

  it('should refuse a server whose service account is not a target', async () => {
    const credentials = grpc.altsChannelCredentials({
      serviceAccounts: ['someone@alts.test'],
      handshakerServiceAddress: handshaker.address,
    });
    expectFailure(await callWithOurClient(server.target, credentials), grpc.status.UNAVAILABLE,
      /server@alts\.test is not one of the target service accounts/);
  });

  it('should send call credentials over ALTS', async () => {
    const credentials = grpc.compositeChannelCredentials(
      grpc.altsChannelCredentials({ handshakerServiceAddress: handshaker.address }), grpc.accessTokenCallCredentials('over-alts'));
    const report = expectReport(await callWithOurClient(server.target, credentials));
    assert.deepStrictEqual(report.metadata.authorization, ['Bearer over-alts']);
  });

  it('should fail a call when the handshaker service is unreachable', async () => {
    // A port that was free a moment ago: nothing listens there.
    const unused = await startOurServer(grpc.insecureServerCredentials());
    await unused.stop();
    const credentials = grpc.altsChannelCredentials({ handshakerServiceAddress: unused.target });
    expectFailure(await callWithOurClient(server.target, credentials, { timeoutMs: 5000 }), grpc.status.UNAVAILABLE);
  });

  (onGoogleCloud() ? it.skip : it)('should say that ALTS needs Google Cloud without a handshaker address', () => {
    assert.throws(() => grpc.altsChannelCredentials(), /ALTS credentials are available only on Google Cloud.*handshakerServiceAddress/);
    assert.throws(() => grpc.altsServerCredentials(), /ALTS credentials are available only on Google Cloud/);
  });

  it('should reject bad options, naming them', () => {
    assert.throws(() => grpc.altsChannelCredentials(['a@b'] as any), /altsChannelCredentials: options must be an object such as \{serviceAccounts/);
    assert.throws(() => grpc.altsChannelCredentials({ serviceAccounts: 'a@b' as any }), /serviceAccounts must be an array of non-empty strings/);
    assert.throws(() => grpc.altsServerCredentials({ handshakerServiceAddress: '' }), /handshakerServiceAddress must be a non-empty string/);
  });
});
