/**
 * Finds and loads the native addon. When node-gyp-build finds no addon, or the addon fails to load, the error
 * names what to install or run.
 *
 * node-gyp-build looks in build/Release, then build/Debug, then prebuilds/<platform>-<arch>/. With PREBUILDS_ONLY
 * set it looks in prebuilds/ only. A published package has no build/ folder unless its install script built one,
 * which happens only where no prebuild fits, so users get the prebuild wherever one exists.
 */
import * as fs from 'fs';
import * as path from 'path';

interface NodeGypBuild {
  (dir: string): unknown;
  /** Returns the path of the addon that `load` would require, or throws when there is none. */
  resolve(dir: string): string;
}

// eslint-disable-next-line @typescript-eslint/no-var-requires
const nodeGypBuild: NodeGypBuild = require('node-gyp-build');

const BUILD_FROM_SOURCE_STEPS = [
  "1. Install gRPC C-core's development files: on Debian and Ubuntu the package libgrpc-dev",
  '   (with libssl-dev libc-ares-dev zlib1g-dev libre2-dev libabsl-dev pkg-config cmake g++).',
  '2. Add the build tools to your project: npm install --save-dev cmake-js node-addon-api',
  '3. Allow the install script and run it: npm install-scripts approve grpc-native && npm rebuild grpc-native',
  '   (npm 11 and later skip install scripts of dependencies until they are approved).',
].join('\n');

/** Lists the platforms that the package has prebuilt binaries for, for example `linux-x64`. */
function prebuiltPlatforms(packageRoot: string): string[] {
  try {
    return fs.readdirSync(path.join(packageRoot, 'prebuilds'));
  } catch {
    return [];
  }
}

function describeRuntime(): string {
  const libc = process.platform === 'linux' && fs.existsSync('/etc/alpine-release') ? 'musl' : 'glibc';
  const system = process.platform === 'linux' ? `${process.platform}-${process.arch} (${libc})` :
    `${process.platform}-${process.arch}`;
  return `${system}, Node ${process.versions.node}`;
}

function missingAddonError(packageRoot: string, cause: unknown): Error {
  const platforms = prebuiltPlatforms(packageRoot);
  const prebuilt = platforms.length > 0 ? `prebuilt binaries exist for ${platforms.join(', ')} only` :
    'this copy has no prebuilt binaries';
  const message = [
    `grpc-native: no native addon found for ${describeRuntime()} in ${packageRoot}. ` +
      `The package's ${prebuilt}; elsewhere it is built from source at install time, and that build has not run.`,
    'To build it:',
    BUILD_FROM_SOURCE_STEPS,
  ].join('\n');
  return new Error(message, { cause });
}

function loadFailedError(file: string, cause: unknown): Error {
  const reason = cause instanceof Error ? cause.message : String(cause);
  const lines = [`grpc-native: failed to load the native addon ${file}: ${reason}`];
  if (/GLIBC|GLIBCXX|CXXABI/.test(reason)) {
    lines.push('The prebuilt binary needs glibc 2.34 or later and the C++ runtime of GCC 12 or later. ' +
      'On an older system build the addon from source instead:');
    lines.push(BUILD_FROM_SOURCE_STEPS);
    lines.push('   Run the rebuild as: npm rebuild grpc-native --build-from-source');
  }
  return new Error(lines.join('\n'), { cause });
}

/** Loads the addon of the package whose root folder is `packageRoot`. */
export function loadBinding(packageRoot: string): unknown {
  let file: string;
  try {
    file = nodeGypBuild.resolve(packageRoot);
  } catch (error) {
    throw missingAddonError(packageRoot, error);
  }

  try {
    return require(file);
  } catch (error) {
    throw loadFailedError(file, error);
  }
}
