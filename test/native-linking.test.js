'use strict';
// Checks how the built addon is linked: C-core and everything under it must be inside the addon with hidden
// symbols, so that nothing binds to Node's own OpenSSL or to a system libgrpc.
const assert = require('assert');
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const ADDON_PATH = path.join(__dirname, '..', 'build', 'Release', 'grpc_native.node');

// The functions Node looks up in an addon built with node-addon-api.
const NODE_API_ENTRY_POINTS = ['napi_register_module_v1', 'node_api_module_get_api_version_v1'];

// Shared objects that every C++ addon on glibc needs.
const ALLOWED_NEEDED = [/^libc\.so\./, /^libm\.so\./, /^libstdc\+\+\.so\./, /^libgcc_s\.so\./, /^ld-linux[-\w]*\.so\./];

// Libraries that must be linked statically. abseil and re2 are listed apart because they need
// scripts/build-static-deps.sh, so that their failure message can name that fix.
const STATIC_CORE_LIBRARIES = /^lib(grpc|gpr|upb|address_sorting|ssl|crypto|cares|z)\b/;
const STATIC_DEPS_LIBRARIES = /^lib(absl_\w+|re2)\b/;

// OpenSSL's public prefixes. An undefined symbol with one of these would be resolved to Node's copy.
const OPENSSL_SYMBOL = /^(SSL|SSL_CTX|EVP|X509|CRYPTO|OPENSSL|BIO|ERR|PEM|RSA|EC|BN|ASN1)_/;

function runTool(tool, args) {
  try {
    return execFileSync(tool, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    if (error.code === 'ENOENT') {
      throw new Error(`${tool} not found: install binutils to run the linking checks`);
    }
    throw error;
  }
}

// Returns the names printed by `nm -D` with the given filter option.
function dynamicSymbols(filter) {
  return runTool('nm', ['-D', filter, ADDON_PATH])
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields.length >= 2 && fields[fields.length - 1] !== '')
    .map((fields) => fields[fields.length - 1]);
}

function neededLibraries() {
  const dynamicSection = runTool('readelf', ['-d', ADDON_PATH]);
  return [...dynamicSection.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((match) => match[1]);
}

describe('native addon linking', function () {
  this.timeout(60000);

  before(function () {
    assert.ok(fs.existsSync(ADDON_PATH), `addon not built: ${ADDON_PATH} is missing. Run npm run build:native.`);
  });

  it('exports only Node-API entry points', function () {
    const exported = dynamicSymbols('--defined-only');
    const unexpected = exported.filter((name) => !NODE_API_ENTRY_POINTS.includes(name));

    assert.ok(exported.includes('napi_register_module_v1'), `napi_register_module_v1 is not exported: ${exported}`);
    assert.deepStrictEqual(unexpected, [], `the addon exports symbols other than Node-API entry points`);
  });

  it('imports no OpenSSL symbols', function () {
    const imported = dynamicSymbols('--undefined-only');
    const fromOpenSsl = imported.filter((name) => OPENSSL_SYMBOL.test(name));

    assert.deepStrictEqual(fromOpenSsl, [], 'these OpenSSL symbols would be bound to the copy inside Node');
  });

  it('needs no shared C-core, OpenSSL, c-ares or zlib', function () {
    const shared = neededLibraries().filter((name) => STATIC_CORE_LIBRARIES.test(name));

    assert.deepStrictEqual(shared, [], 'these libraries must be linked statically (see cmake/GrpcCore.cmake)');
  });

  it('needs no shared abseil or re2', function () {
    const shared = neededLibraries().filter((name) => STATIC_DEPS_LIBRARIES.test(name));

    assert.deepStrictEqual(
      shared,
      [],
      `the static abseil and re2 are missing, so the addon needs ${shared.length} shared objects of them. ` +
        'Run scripts/build-static-deps.sh, then npm run build:native.',
    );
  });

  it('needs only libc, libm, libstdc++, libgcc_s and the loader', function () {
    const needed = neededLibraries();
    const unexpected = needed.filter((name) => !ALLOWED_NEEDED.some((pattern) => pattern.test(name)));

    assert.deepStrictEqual(unexpected, [], `unexpected shared objects in NEEDED: ${needed.join(', ')}`);
  });

  it('loads in a process that uses node:https', function () {
    // A separate process, so that an unresolved symbol fails here rather than in every later test.
    const script = [
      "const https = require('https');",
      'new https.Agent();',
      `const addon = require(${JSON.stringify(ADDON_PATH)});`,
      "process.stdout.write(typeof addon === 'object' ? 'loaded' : 'not an object');",
    ].join('\n');
    const output = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' });

    assert.strictEqual(output, 'loaded');
  });
});
