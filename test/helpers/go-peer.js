'use strict';
// Builds and starts the grpc-go interop peer (test/peers/go_interop_peer) from Node.js tests.
//
// The peer builds offline in GOPATH mode against Debian's packages: golang-go (Go 1.19),
// golang-google-grpc-dev (grpc-go 1.33) and golang-goprotobuf-dev (protoc-gen-go with its grpc plugin).
// The binary is cached in the temporary folder under a hash of its sources, the protos and `go version`,
// so only the first run after a change builds it.

const { execFile, spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { promisify } = require('node:util');

const { startPeerServer, runPeerClient, assertPeerCasePassed } = require('./peer-process');
const { PROTO_ROOT, PROTO_FILES } = require('../interop/protos');

const SOURCE_DIR = path.join(__dirname, '..', 'peers', 'go_interop_peer');
const DEBIAN_GOPATH = '/usr/share/gocode';
const GRPC_GO_DIR = path.join(DEBIAN_GOPATH, 'src', 'google.golang.org', 'grpc');
/** Import path of the generated grpc.testing package, as main.go imports it. */
const GENERATED_PACKAGE_DIR = path.join('src', 'grpcnative');
const PEER_PACKAGE = 'grpcnative/go_interop_peer';
const INSTALL_HINT = 'Install golang-go, golang-google-grpc-dev and golang-goprotobuf-dev from Debian.';

const execFileAsync = promisify(execFile);

let goVersion = null;
let binaryPromise = null;

/** Returns whether an executable `name` is on PATH. protoc-gen-go has no --version to probe it with. */
function findOnPath(name) {
  return (process.env.PATH || '').split(path.delimiter).filter(Boolean).some((dir) => {
    try {
      fs.accessSync(path.join(dir, name), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * Checks that the Go toolchain, grpc-go sources and protoc-gen-go are installed and returns `go version`.
 * Throws an Error that names what is missing.
 */
function checkGoToolchain() {
  if (goVersion !== null) {
    return goVersion;
  }
  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.error || go.status !== 0) {
    throw new Error(`cannot run go for the Go interop peer: ${go.error ? go.error.message : go.stderr.trim()}.`
      + ` ${INSTALL_HINT}`);
  }
  if (!fs.existsSync(GRPC_GO_DIR)) {
    throw new Error(`grpc-go sources not found in ${GRPC_GO_DIR}. ${INSTALL_HINT}`);
  }
  if (!findOnPath('protoc-gen-go')) {
    throw new Error(`protoc-gen-go not found on PATH. ${INSTALL_HINT}`);
  }
  goVersion = go.stdout.trim();
  return goVersion;
}

/** Returns a hash of everything the binary is built from. */
function hashBuildInputs() {
  const hash = crypto.createHash('sha256');
  hash.update(checkGoToolchain());
  const sources = fs.readdirSync(SOURCE_DIR).filter((name) => name.endsWith('.go')).sort();
  for (const file of [...sources.map((name) => path.join(SOURCE_DIR, name)), ...PROTO_FILES]) {
    hash.update(file);
    hash.update(fs.readFileSync(file));
  }
  return hash.digest('hex').slice(0, 16);
}

async function runBuildStep(command, args, options) {
  try {
    await execFileAsync(command, args, options);
  } catch (error) {
    throw new Error(`building the Go interop peer failed: ${command} ${args.join(' ')}: `
      + `${(error.stderr || error.message).trim()}`);
  }
}

async function buildBinary(binaryPath) {
  const gopath = fs.mkdtempSync(path.join(os.tmpdir(), 'grpc-native-go-peer-build-'));
  try {
    const generatedDir = path.join(gopath, GENERATED_PACKAGE_DIR);
    const packageDir = path.join(gopath, 'src', PEER_PACKAGE);
    fs.mkdirSync(packageDir, { recursive: true });
    await runBuildStep('protoc', [`--proto_path=${PROTO_ROOT}`,
      `--go_out=plugins=grpc,paths=source_relative:${generatedDir}`, ...PROTO_FILES], {});
    for (const name of fs.readdirSync(SOURCE_DIR).filter((file) => file.endsWith('.go'))) {
      fs.copyFileSync(path.join(SOURCE_DIR, name), path.join(packageDir, name));
    }

    const env = {
      ...process.env,
      GO111MODULE: 'off',
      GOPATH: `${gopath}${path.delimiter}${DEBIAN_GOPATH}`,
      GOPROXY: 'off',
      GOFLAGS: '',
      GOCACHE: process.env.GOCACHE || path.join(os.tmpdir(), 'grpc-native-go-build-cache'),
    };
    // Build beside the final path, then rename, so that a concurrent test process never runs a partial file.
    const partialPath = `${binaryPath}.${process.pid}.partial`;
    await runBuildStep('go', ['build', '-o', partialPath, PEER_PACKAGE], { env, cwd: gopath });
    fs.renameSync(partialPath, binaryPath);
  } finally {
    fs.rmSync(gopath, { recursive: true, force: true });
  }
}

/** Resolves to the path of the Go interop peer binary, building it if no cached build matches. */
function buildGoInteropPeer() {
  if (binaryPromise === null) {
    binaryPromise = (async () => {
      const cacheDir = path.join(os.tmpdir(), `grpc-native-go-peer-${hashBuildInputs()}`);
      const binaryPath = path.join(cacheDir, 'go_interop_peer');
      if (!fs.existsSync(binaryPath)) {
        fs.mkdirSync(cacheDir, { recursive: true });
        await buildBinary(binaryPath);
      }
      return binaryPath;
    })();
  }
  return binaryPromise;
}

/**
 * Starts the Go interop server on 127.0.0.1 and a free port. `tls` is as for startPythonInteropServer:
 * `{ certPath, keyPath, clientCaPath }`. Resolves to `{ port, target, stop }` once the server listens.
 */
async function startGoInteropServer({ tls } = {}) {
  return startPeerServer({
    name: 'Go interop server',
    command: await buildGoInteropPeer(),
    args: ['server'],
    tls,
  });
}

/**
 * Runs the Go interop client, with the arguments and result of runPythonInteropClient:
 * `{ port, host, testCases, tls: { caPath, certPath, keyPath, serverHostOverride }, callTimeoutSeconds }`.
 */
async function runGoInteropClient({ port, host, testCases, tls, callTimeoutSeconds } = {}) {
  return runPeerClient({
    name: 'Go interop client',
    command: await buildGoInteropPeer(),
    args: ['client'],
    port,
    host,
    testCases,
    tls,
    callTimeoutSeconds,
  });
}

/** Throws unless `run` (from runGoInteropClient) reports that `caseName` passed. */
function assertGoCasePassed(run, caseName) {
  assertPeerCasePassed('Go interop client', run, caseName);
}

module.exports = {
  checkGoToolchain,
  buildGoInteropPeer,
  startGoInteropServer,
  runGoInteropClient,
  assertGoCasePassed,
};
