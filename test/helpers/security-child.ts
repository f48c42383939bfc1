/**
 * Child process for security tests that need a fresh process: C-core reads the default root certificates once per
 * process, and a garbage collection test needs --expose-gc. Run as
 *   node -r ts-node/register/transpile-only test/helpers/security-child.ts <case> <target>
 * It makes one echo call and prints `{"code": ..., "details": ..., "report": ...}` as its last line.
 */
import * as grpc from '../../lib/index';
import { callWithOurClient, CallResult } from './security-echo';

async function run(testCase: string, target: string): Promise<CallResult> {
  switch (testCase) {
    case 'default-roots':
      return callWithOurClient(target, grpc.credentials.createSsl());
    case 'compute-engine':
      // The call credentials are an access token, so nothing contacts a metadata server.
      return callWithOurClient(target, grpc.computeEngineChannelCredentials(grpc.accessTokenCallCredentials('ce-token')),
        { channelOptions: { 'grpc.ssl_target_name_override': 'localhost' } });
    case 'dropped-plugin-callback': {
      // The plugin keeps no reference to its callback, and garbage collection runs while the call waits.
      const credentials = grpc.metadataCallCredentials((_context, _callback) => {
        setImmediate(() => (global as unknown as { gc: () => void }).gc());
      });
      return callWithOurClient(target, grpc.credentials.createSsl(Buffer.from(process.env.TEST_CA_PEM ?? '')),
        { callCredentials: credentials, timeoutMs: 60000 });
    }
    default:
      throw new Error(`unknown case ${testCase}`);
  }
}

run(process.argv[2], process.argv[3]).then((result) => {
  const error = result.error;
  console.log(JSON.stringify({ code: error ? error.code : 0, details: error ? error.details : '', report: result.report }));
}, (error) => {
  console.error(error);
  process.exitCode = 1;
});
