'use strict';
// A minimal Debian root file system (debootstrap --variant=minbase) in which the package runs with no libgrpc,
// OpenSSL, abseil, re2 or c-ares shared objects within the loader's reach. Node's own binary is bind-mounted in,
// because Node's official Linux builds need only libc, libm, libdl, libpthread, libstdc++ and libgcc_s, which
// minbase contains (apt needs libstdc++).
//
// The root is made once and cached in ${XDG_CACHE_HOME:-~/.cache}/grpc-native/rootfs/<suite>-minbase; making it
// downloads about 40 MB of packages from the Debian mirror that apt uses and took 33 s on a 2-core machine.
// Delete the folder to make it again.
//
// Each run enters it with `unshare --mount --net` and chroot: the bind mounts live in a private mount namespace,
// so they disappear with the process and the cached root is never changed, and the private network namespace has
// only a loopback interface. Both need root (or CAP_SYS_ADMIN and CAP_SYS_CHROOT).
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const DEFAULT_MIRROR = 'http://deb.debian.org/debian';
const DEFAULT_SUITE = 'bookworm';

// Where the consumer project and Node's binary appear inside the root.
const CONSUMER_MOUNT = '/opt/consumer';
const NODE_MOUNT = '/usr/local/bin/node';

/** File names of the shared objects that the prebuild must not need: C-core and everything it links. */
const FORBIDDEN_LIBRARY = /^lib(grpc|gpr|upb|address_sorting|ssl|crypto|absl_\w+|re2|cares)[.-]/;

function cacheHome() {
  return process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
}

/** Reads the suite from /etc/os-release on Debian hosts; other hosts get bookworm. */
function hostSuite() {
  try {
    const release = fs.readFileSync('/etc/os-release', 'utf8');
    const id = /^ID=(.*)$/m.exec(release)?.[1]?.replace(/"/g, '');
    const codename = /^VERSION_CODENAME=(.*)$/m.exec(release)?.[1]?.replace(/"/g, '');
    return id === 'debian' && codename ? codename : DEFAULT_SUITE;
  } catch {
    return DEFAULT_SUITE;
  }
}

/** Returns the Debian archive URI from apt's sources, so debootstrap uses the same mirror as apt. */
function aptMirror() {
  const candidates = [];
  const sourcesDir = '/etc/apt/sources.list.d';
  const files = fs.existsSync(sourcesDir) ?
    fs.readdirSync(sourcesDir).map((name) => path.join(sourcesDir, name)) : [];
  for (const file of ['/etc/apt/sources.list', ...files]) {
    if (!fs.existsSync(file)) {
      continue;
    }
    const text = fs.readFileSync(file, 'utf8');
    candidates.push(...[...text.matchAll(/^URIs:\s*(\S+)/gm)].map((match) => match[1]));
    candidates.push(...[...text.matchAll(/^deb\s+(?:\[[^\]]*\]\s+)?(\S+)/gm)].map((match) => match[1]));
  }
  return candidates.find((uri) => /\/debian\/?$/.test(uri)) ?? DEFAULT_MIRROR;
}

function runOrThrow(command, args, description) {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error?.code === 'ENOENT') {
    throw new Error(`${command} not found. ${description}`);
  }
  if (result.error || result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${result.error?.message ?? `status ${result.status}`}):\n` +
      `${result.stdout}\n${result.stderr}`);
  }
  return result.stdout;
}

/** Returns the cached root's folder, making the root first when it is missing. */
function ensureMinimalRoot() {
  // `ip` brings up the loopback interface of each run's network namespace.
  runOrThrow('ip', ['-V'], 'Install iproute2 (scripts/setup.sh installs it).');

  const suite = hostSuite();
  const rootDir = path.join(cacheHome(), 'grpc-native', 'rootfs', `${suite}-minbase`);
  const stamp = path.join(rootDir, '.grpc-native-complete');
  if (fs.existsSync(stamp)) {
    return rootDir;
  }

  // A staging folder of this process's own, so that test processes started together do not debootstrap into
  // one folder. The first to finish keeps its root, and the others delete theirs.
  const staging = `${rootDir}.partial-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(rootDir), { recursive: true });
  const started = Date.now();
  runOrThrow('debootstrap', ['--variant=minbase', suite, staging, aptMirror()],
    'Install it (Debian: apt-get install debootstrap; scripts/setup.sh installs it).');

  // Mount points for the bind mounts of each run.
  fs.mkdirSync(path.join(staging, CONSUMER_MOUNT), { recursive: true });
  fs.mkdirSync(path.dirname(path.join(staging, NODE_MOUNT)), { recursive: true });
  fs.writeFileSync(path.join(staging, NODE_MOUNT), '');
  fs.writeFileSync(path.join(staging, '.grpc-native-complete'),
    `debootstrap --variant=minbase ${suite}, made in ${Math.round((Date.now() - started) / 1000)} s\n`);

  try {
    fs.renameSync(staging, rootDir);
  } catch (error) {
    if (!fs.existsSync(stamp)) {
      throw error;
    }
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return rootDir;
}

/** Lists the files under `rootDir` whose names match FORBIDDEN_LIBRARY, as paths inside the root. */
function findForbiddenLibraries(rootDir) {
  const found = [];
  const skipped = new Set(['proc', 'sys', 'dev'].map((name) => path.join(rootDir, name)));
  const pending = [rootDir];
  while (pending.length > 0) {
    const dir = pending.pop();
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory() && !skipped.has(full)) {
        pending.push(full);
      } else if (!entry.isDirectory() && FORBIDDEN_LIBRARY.test(entry.name)) {
        found.push(`/${path.relative(rootDir, full)}`);
      }
    }
  }
  return found.sort();
}

/**
 * Runs `node <script>` inside the root, with the folder `consumerDir` mounted at /opt/consumer and `script`
 * relative to it. Returns spawnSync's result.
 */
function runInMinimalRoot(rootDir, consumerDir, script, env = {}, timeout = 120000) {
  const shellScript = [
    'set -eu',
    'ip link set lo up',
    `mount --bind "$NODE_BINARY" "$ROOT${NODE_MOUNT}"`,
    `mount --bind "$CONSUMER_DIR" "$ROOT${CONSUMER_MOUNT}"`,
    'mount -t proc proc "$ROOT/proc"',
    'mount -t tmpfs tmpfs "$ROOT/tmp"',
    `exec chroot "$ROOT" ${NODE_MOUNT} "$SCRIPT"`,
  ].join('\n');
  const childEnv = {
    PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: '/tmp',
    ROOT: rootDir,
    NODE_BINARY: process.execPath,
    CONSUMER_DIR: consumerDir,
    SCRIPT: path.posix.join(CONSUMER_MOUNT, script),
    ...env,
  };
  return spawnSync('unshare', ['--mount', '--net', '--fork', '--', 'sh', '-c', shellScript], {
    cwd: '/',
    env: childEnv,
    encoding: 'utf8',
    timeout,
  });
}

module.exports = {
  CONSUMER_MOUNT,
  FORBIDDEN_LIBRARY,
  ensureMinimalRoot,
  findForbiddenLibraries,
  runInMinimalRoot,
};
