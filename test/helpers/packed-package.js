'use strict';
// The package as users get it: the tarball from `npm pack`, installed into an empty project. Each step runs
// once per test process and is shared by the test/package-*.test.js files.
//
// npm commands here run with the parent's npm_* variables removed, so that settings of the `npm test` that
// started mocha (npm_config_*) do not leak into the install being tested.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { getTestCerts } = require('./certs');

const PROJECT_DIR = path.join(__dirname, '..', '..');
const PACKAGE_NAME = 'grpc-native';
const BUILT_ADDON = path.join(PROJECT_DIR, 'build', 'Release', 'grpc_native.node');
const PREBUILD_DIR = path.join(PROJECT_DIR, 'prebuilds', `${process.platform}-${process.arch}`);

let prebuild = null;
let packed = null;
const installs = new Map();

/** Returns process.env without npm's lifecycle and configuration variables. */
function cleanEnvironment(extra = {}) {
  const env = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(name)) {
      env[name] = value;
    }
  }
  return { ...env, ...extra };
}

/** Runs a command and returns its standard output, or throws an Error that includes its output. */
function run(command, args, options = {}) {
  const result = spawnSync(command, args, {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: cleanEnvironment(options.env),
    cwd: options.cwd ?? PROJECT_DIR,
    timeout: options.timeout,
  });
  if (result.error) {
    throw new Error(`${command} ${args.join(' ')} failed to start: ${result.error.message}`);
  }
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited with ${result.status ?? result.signal}\n` +
      `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
  }
  return result.stdout;
}

// Temporary folders to delete when the process exits, through one exit listener for all of them.
const tempDirs = new Set();

/** Creates a temporary folder that is deleted when the process exits. */
function makeTempDir(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  if (tempDirs.size === 0) {
    process.on('exit', () => {
      for (const tempDir of tempDirs) {
        fs.rmSync(tempDir, { recursive: true, force: true });
      }
    });
  }
  tempDirs.add(dir);
  return dir;
}

function findPrebuild() {
  if (!fs.existsSync(PREBUILD_DIR)) {
    return null;
  }
  const name = fs.readdirSync(PREBUILD_DIR).find((file) => file.endsWith('.node'));
  return name ? path.join(PREBUILD_DIR, name) : null;
}

/**
 * Returns the path of the prebuilt binary, running `npm run prebuild` first when it is missing or older than
 * build/Release, so that the tests check the addon as it is now.
 */
function ensurePrebuild() {
  if (prebuild !== null) {
    return prebuild;
  }
  const existing = findPrebuild();
  const stale = existing === null ||
    (fs.existsSync(BUILT_ADDON) && fs.statSync(BUILT_ADDON).mtimeMs > fs.statSync(existing).mtimeMs);
  if (stale) {
    run(process.execPath, [path.join(PROJECT_DIR, 'scripts', 'prebuild.js')]);
  }
  prebuild = findPrebuild();
  if (prebuild === null) {
    throw new Error(`npm run prebuild wrote no .node file into ${PREBUILD_DIR}`);
  }
  return prebuild;
}

// What `npm pack` needs from the working tree: the package's own files and what prepack compiles them with.
const STAGED_ENTRIES = ['package.json', 'tsconfig.json', 'lib', 'native', 'cmake', 'CMakeLists.txt', 'scripts',
  'README.md', 'LICENSE'];

/**
 * Copies the package's sources and the prebuild into a staging folder, with node_modules linked, and returns it.
 * Packing there keeps prepack's TypeScript build out of the working tree's dist/, which other test processes may
 * be reading at the same time.
 */
function stagePackage() {
  const stagingDir = makeTempDir('grpc-native-stage-');
  for (const entry of STAGED_ENTRIES) {
    const source = path.join(PROJECT_DIR, entry);
    if (fs.existsSync(source)) {
      fs.cpSync(source, path.join(stagingDir, entry), { recursive: true });
    }
  }
  const prebuildFile = ensurePrebuild();
  const stagedPrebuild = path.join(stagingDir, path.relative(PROJECT_DIR, prebuildFile));
  fs.mkdirSync(path.dirname(stagedPrebuild), { recursive: true });
  fs.copyFileSync(prebuildFile, stagedPrebuild);
  fs.symlinkSync(path.join(PROJECT_DIR, 'node_modules'), path.join(stagingDir, 'node_modules'), 'dir');
  return stagingDir;
}

/**
 * Packs the package once from a staging copy of the working tree (npm runs prepack, which compiles the
 * TypeScript) and returns the tarball's path and files.
 */
function packTarball() {
  if (packed !== null) {
    return packed;
  }
  const stagingDir = stagePackage();
  const destination = makeTempDir('grpc-native-pack-');
  const output = run('npm', ['pack', '--json', '--pack-destination', destination], { cwd: stagingDir });
  // prepack's own output comes before the JSON report.
  const report = JSON.parse(output.slice(output.indexOf('[')));
  packed = {
    tarball: path.join(destination, report[0].filename),
    files: report[0].files.map((file) => file.path),
  };
  return packed;
}

/**
 * Installs the tarball into a new, empty project with `--ignore-scripts`. The tarball is a local file, and with
 * `--prefer-offline` the dependencies (node-gyp-build, and `extraPackages` installed beside it) come from npm's
 * cache when it has them. A cache filled by `npm ci` may lack the registry metadata that resolving a version
 * range needs, and then npm fetches that metadata from the registry. Returns the project folder and the
 * installed package's folder.
 */
function installTarball({ extraPackages = [], key = 'default' } = {}) {
  if (installs.has(key)) {
    return installs.get(key);
  }
  const { tarball } = packTarball();
  const projectDir = makeTempDir('grpc-native-consumer-');
  fs.writeFileSync(path.join(projectDir, 'package.json'),
    JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }, null, 2));
  run('npm', ['install', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', tarball, ...extraPackages],
    { cwd: projectDir });
  const install = { projectDir, packageDir: path.join(projectDir, 'node_modules', PACKAGE_NAME) };
  installs.set(key, install);
  return install;
}

const CONSUMER_FIXTURES = path.join(__dirname, '..', 'fixtures', 'package-consumer');
let consumer = null;

/**
 * Returns the default install of the tarball with the scripts of test/fixtures/package-consumer copied into its
 * project folder and the test CA, server key and server certificate in its certs/ folder.
 */
function prepareConsumer() {
  if (consumer !== null) {
    return consumer;
  }
  const install = installTarball();
  for (const name of fs.readdirSync(CONSUMER_FIXTURES)) {
    fs.copyFileSync(path.join(CONSUMER_FIXTURES, name), path.join(install.projectDir, name));
  }
  const certs = getTestCerts();
  const certDir = path.join(install.projectDir, 'certs');
  fs.mkdirSync(certDir, { recursive: true });
  fs.copyFileSync(certs.ca.certPath, path.join(certDir, 'ca.pem'));
  fs.copyFileSync(certs.server.keyPath, path.join(certDir, 'server.key'));
  fs.copyFileSync(certs.server.certPath, path.join(certDir, 'server.pem'));
  consumer = { ...install, certDir };
  return consumer;
}

/** Runs a Node script file with the given environment and returns its standard output parsed as JSON. */
function runNodeJson(script, { cwd, env = {}, timeout = 60000 } = {}) {
  const output = run(process.execPath, [script], { cwd, env, timeout });
  const lastLine = output.trim().split('\n').pop();
  try {
    return JSON.parse(lastLine);
  } catch {
    throw new Error(`${script} printed no JSON result; its output was:\n${output}`);
  }
}

module.exports = {
  PROJECT_DIR,
  PACKAGE_NAME,
  cleanEnvironment,
  ensurePrebuild,
  installTarball,
  makeTempDir,
  packTarball,
  prepareConsumer,
  run,
  runNodeJson,
};
