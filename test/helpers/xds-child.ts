/**
 * Child process for the xDS tests, because C-core reads the xDS bootstrap once per process. It starts backends and
 * a control plane, calls `xds:///` targets with xDS channel credentials, and prints one JSON line that maps each
 * scenario to `{code, details, report}`. Run as
 *   node -r ts-node/register/transpile-only test/helpers/xds-child.ts
 */
import * as grpc from '../../lib/index';
import { callWithOurClient, CallResult, certs, startOurServer, stopAllServers } from './security-harness';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { startXdsControlPlane } = require('./xds-control-plane');

function summarize(result: CallResult): { code: number; details: string; report: unknown } {
  return {
    code: result.error ? result.error.code : 0,
    details: result.error ? result.error.details : '',
    report: result.report,
  };
}

async function main(): Promise<void> {
  const pair = { privateKey: certs.server.key, certificateChain: certs.server.cert };
  const plaintextBackend = await startOurServer(grpc.insecureServerCredentials());
  const tlsBackend = await startOurServer(grpc.sslServerCredentials([pair]));
  const plane = await startXdsControlPlane({
    services: [
      { name: 'plaintext.test', backendPort: plaintextBackend.port },
      { name: 'fallback-tls.test', backendPort: tlsBackend.port },
      { name: 'xds-tls.test', backendPort: tlsBackend.port, caCertificateFile: certs.ca.certPath },
      { name: 'xds-tls-untrusted.test', backendPort: tlsBackend.port, caCertificateFile: certs.otherCa.certPath },
    ],
  });
  // C-core reads the bootstrap when the first xds: channel is made.
  process.env.GRPC_XDS_BOOTSTRAP_CONFIG = plane.bootstrap;

  const insecureFallback = grpc.xdsChannelCredentials(grpc.credentials.createInsecure());
  const tlsFallback = grpc.xdsChannelCredentials(grpc.credentials.createSsl(certs.ca.cert));
  const results = {
    insecureFallback: summarize(await callWithOurClient('xds:///plaintext.test', insecureFallback)),
    tlsFallback: summarize(await callWithOurClient('xds:///fallback-tls.test', tlsFallback,
      { channelOptions: { 'grpc.ssl_target_name_override': 'localhost' } })),
    tlsFromControlPlane: summarize(await callWithOurClient('xds:///xds-tls.test', insecureFallback)),
    untrustedFromControlPlane: summarize(await callWithOurClient('xds:///xds-tls-untrusted.test', insecureFallback,
      { timeoutMs: 5000 })),
    requestedTypes: [...new Set(plane.requests)],
  };
  console.log(JSON.stringify(results));

  await stopAllServers();
  await plane.stop();
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
