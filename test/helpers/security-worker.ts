/**
 * Worker thread for the security tests: makes one TLS call to `workerData.target` with a metadata plugin and an
 * auth check of its own, and posts `{code, details, report}` to the parent.
 */
import { parentPort, workerData } from 'worker_threads';
import * as grpc from '../../lib/index';
import { callWithOurClient } from './security-echo';

const plugin = grpc.metadataCallCredentials((context, callback) => {
  callback([['x-from-worker', context.methodName]], null);
});
const credentials = grpc.credentials.createSsl(Buffer.from(workerData.caPem), null, null, {
  checkServerIdentity: (_hostname, cert) => (cert.subject.CN === 'localhost' ? undefined : new Error('unexpected server')),
});

callWithOurClient(workerData.target, credentials, { callCredentials: plugin }).then((result) => {
  parentPort!.postMessage({
    code: result.error ? result.error.code : 0,
    details: result.error ? result.error.details : '',
    report: result.report,
  });
});
