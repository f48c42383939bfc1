/**
 * xDS channel credentials on `xds:///` targets, against a control plane that runs on this machine
 * (test/helpers/xds-control-plane.js): fallback credentials where the control plane sends no security
 * configuration, and TLS where its cluster requires it. C-core reads the xDS bootstrap once per process, so the
 * calls run in a child process (test/helpers/xds-child.ts).
 */
import * as assert from 'assert';
import { execFile } from 'child_process';
import * as path from 'path';
import * as grpc from '../lib/index';

interface ScenarioResult {
  code: number;
  details: string;
  report: { transportSecurityType?: string } | null;
}

describe('xDS credentials on xds: targets', function () {
  this.timeout(60000);
  let results: Record<string, ScenarioResult> & { requestedTypes: string[] };

  before(async () => {
    const stdout = await new Promise<string>((resolve, reject) => {
      const args = ['-r', 'ts-node/register/transpile-only', 'test/helpers/xds-child.ts'];
      execFile(process.execPath, args, { cwd: path.join(__dirname, '..') }, (error, out, stderr) => {
        if (error) {
          reject(new Error(`the xDS child failed: ${error.message}\n${stderr}`));
        } else {
          resolve(out);
        }
      });
    });
    results = JSON.parse(stdout.trim().split('\n').pop()!);
  });

  it('should fetch listener, cluster and endpoints', () => {
    assert.deepStrictEqual(results.requestedTypes, [
      'type.googleapis.com/envoy.config.listener.v3.Listener',
      'type.googleapis.com/envoy.config.cluster.v3.Cluster',
      'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
    ]);
  });

  it('should use insecure fallback credentials', () => {
    assert.strictEqual(results.insecureFallback.code, 0, results.insecureFallback.details);
    assert.strictEqual(results.insecureFallback.report!.transportSecurityType, 'insecure');
  });

  it('should use TLS fallback credentials', () => {
    assert.strictEqual(results.tlsFallback.code, 0, results.tlsFallback.details);
    assert.strictEqual(results.tlsFallback.report!.transportSecurityType, 'ssl');
  });

  it('should use TLS when the control plane asks for it', () => {
    // The fallback is insecure, so TLS can only come from the cluster's security configuration.
    assert.strictEqual(results.tlsFromControlPlane.code, 0, results.tlsFromControlPlane.details);
    assert.strictEqual(results.tlsFromControlPlane.report!.transportSecurityType, 'ssl');
  });

  it('should verify against the control plane\'s CA', () => {
    assert.strictEqual(results.untrustedFromControlPlane.code, grpc.status.UNAVAILABLE);
    assert.match(results.untrustedFromControlPlane.details, /certificate verify failed/);
  });
});
