/** Runs a test's inline script in a child Node process, for checks of process exit. */
import * as childProcess from 'child_process';
import * as path from 'path';

/**
 * Runs `script` with `node -e`, with ts-node loaded, in a child process whose working directory is the repository
 * root. Resolves with the exit code and the stdout once the child exits. The child's stderr goes to this process's
 * stderr.
 */
export function runScriptInChild(script: string): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = childProcess.spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
      cwd: path.join(__dirname, '..', '..'),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', chunk => {
      stdout += chunk;
    });
    child.on('error', reject);
    child.on('exit', code => resolve({ code, stdout }));
  });
}
