'use strict';
// The prebuilt binary that the tarball ships: how it is linked, and the newest C and C++ runtime versions it
// needs. docs/install.md and the loader's error message state those versions (glibc 2.34, libstdc++ of GCC 12),
// so a build machine with newer libraries fails here instead of shipping a binary that older systems cannot load.
const assert = require('node:assert');
const { execFileSync } = require('node:child_process');

const { ensurePrebuild } = require('./helpers/packed-package');

// The newest symbol version the prebuild may need from each runtime library.
const MAX_SYMBOL_VERSIONS = { GLIBC: '2.34', GLIBCXX: '3.4.30', CXXABI: '1.3.13' };

const NODE_API_ENTRY_POINTS = ['napi_register_module_v1', 'node_api_module_get_api_version_v1'];
const ALLOWED_NEEDED = [/^libc\.so\./, /^libm\.so\./, /^libstdc\+\+\.so\./, /^libgcc_s\.so\./, /^ld-linux[-\w]*\.so\./];

function compareVersions(left, right) {
  const a = left.split('.').map(Number);
  const b = right.split('.').map(Number);
  for (let index = 0; index < Math.max(a.length, b.length); index++) {
    const difference = (a[index] ?? 0) - (b[index] ?? 0);
    if (difference !== 0) {
      return difference;
    }
  }
  return 0;
}

/** Returns the newest version of each symbol version prefix (GLIBC, GLIBCXX, CXXABI) that `file` imports. */
function newestSymbolVersions(file) {
  const table = execFileSync('objdump', ['-T', file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const newest = {};
  for (const [, prefix, version] of table.matchAll(/\b(GLIBC|GLIBCXX|CXXABI)_([\d.]+)\b/g)) {
    if (newest[prefix] === undefined || compareVersions(version, newest[prefix]) > 0) {
      newest[prefix] = version;
    }
  }
  return newest;
}

describe('prebuilt binary', function () {
  this.timeout(300000);

  let prebuild;

  before(function () {
    if (process.platform !== 'linux') {
      this.skip();
    }
    prebuild = ensurePrebuild();
  });

  it('needs only the C and C++ runtime', function () {
    const dynamicSection = execFileSync('readelf', ['-d', prebuild], { encoding: 'utf8' });
    const needed = [...dynamicSection.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((match) => match[1]);
    const unexpected = needed.filter((name) => !ALLOWED_NEEDED.some((pattern) => pattern.test(name)));

    assert.deepStrictEqual(unexpected, [], `NEEDED lists ${needed.join(', ')}`);
  });

  it('exports only Node-API entry points', function () {
    const exported = execFileSync('nm', ['-D', '--defined-only', prebuild], { encoding: 'utf8' })
      .split('\n')
      .map((line) => line.trim().split(/\s+/).pop())
      .filter(Boolean);

    assert.deepStrictEqual(exported.sort(), [...NODE_API_ENTRY_POINTS].sort());
  });

  for (const [prefix, maximum] of Object.entries(MAX_SYMBOL_VERSIONS)) {
    it(`needs ${prefix} ${maximum} or older`, function () {
      const newest = newestSymbolVersions(prebuild)[prefix];

      assert.ok(newest !== undefined, `the prebuild imports no ${prefix} symbols, so objdump's output changed`);
      assert.ok(compareVersions(newest, maximum) <= 0, `the prebuild needs ${prefix}_${newest}, newer than ${maximum}`);
    });
  }
});
