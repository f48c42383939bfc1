'use strict';
// The source fallback of the installed tarball: the messages when something it needs is missing, and a real
// build from source the way npm 11 allows it (the consumer approves the install script, then rebuilds).
//
// A missing libgrpc-dev is simulated by pointing pkg-config at an empty folder (PKG_CONFIG_LIBDIR), so that
// pkg-config finds no grpc.pc, exactly as on a machine without the package.
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const { cleanEnvironment, installTarball, makeTempDir, prepareConsumer, run, runNodeJson } =
  require('./helpers/packed-package');

function runInstallScript(packageDir, env) {
  return spawnSync(process.execPath, [path.join(packageDir, 'scripts', 'install.js')], {
    cwd: path.dirname(path.dirname(packageDir)),
    encoding: 'utf8',
    env: cleanEnvironment(env),
  });
}

describe('source fallback', function () {
  this.timeout(600000);

  let emptyPkgConfigDir;

  before(function () {
    emptyPkgConfigDir = makeTempDir('grpc-native-no-pkgconfig-');
  });

  describe('install script', function () {
    it('names libgrpc-dev when pkg-config finds no grpc', function () {
      const { packageDir } = installTarball();
      const result = runInstallScript(packageDir, {
        npm_config_build_from_source: 'true',
        PKG_CONFIG_LIBDIR: emptyPkgConfigDir,
        PKG_CONFIG_PATH: '',
      });

      assert.strictEqual(result.status, 1, `the install script did not fail:\n${result.stdout}${result.stderr}`);
      assert.match(result.stderr, /pkg-config module grpc\) were not found/);
      assert.match(result.stderr, /libgrpc-dev/);
      assert.ok(!fs.existsSync(path.join(packageDir, 'build')), 'the install script started a build');
    });

    it('names cmake-js and node-addon-api when they are missing', function () {
      const { packageDir } = installTarball();
      const result = runInstallScript(packageDir, { npm_config_build_from_source: 'true' });

      assert.strictEqual(result.status, 1, `the install script did not fail:\n${result.stdout}${result.stderr}`);
      assert.match(result.stderr, /npm install --save-dev cmake-js node-addon-api/);
    });

    it('keeps a prebuild that loads', function () {
      const { packageDir } = installTarball();
      const result = runInstallScript(packageDir, {});

      assert.strictEqual(result.status, 0, result.stderr);
      assert.match(result.stdout, /using prebuilds[\\/]linux-x64[\\/]grpc-native\.glibc\.node/);
    });
  });

  describe('loader', function () {
    it('explains a platform without prebuild or build', function () {
      const { projectDir, packageDir } = installTarball({ key: 'without-prebuilds' });
      fs.rmSync(path.join(packageDir, 'prebuilds'), { recursive: true, force: true });
      const result = spawnSync(process.execPath, ['-e', "require('grpc-native')"], {
        cwd: projectDir,
        encoding: 'utf8',
        env: cleanEnvironment(),
      });

      assert.notStrictEqual(result.status, 0);
      assert.match(result.stderr, /grpc-native: no native addon found for linux-/);
      assert.match(result.stderr, /libgrpc-dev/);
      assert.match(result.stderr, /npm install-scripts approve grpc-native && npm rebuild grpc-native/);
    });
  });

  describe('CMake', function () {
    it('names libgrpc-dev when pkg-config finds no grpc', function () {
      const { projectDir, packageDir } = installTarball({ extraPackages: ['cmake-js', 'node-addon-api'], key: 'tools' });
      const cmakeJs = path.join(projectDir, 'node_modules', 'cmake-js', 'bin', 'cmake-js');
      const buildDir = makeTempDir('grpc-native-cmake-');
      const result = spawnSync(process.execPath, [cmakeJs, 'configure', '--directory', packageDir, '--out', buildDir], {
        cwd: projectDir,
        encoding: 'utf8',
        env: cleanEnvironment({ PKG_CONFIG_LIBDIR: emptyPkgConfigDir, PKG_CONFIG_PATH: '' }),
      });
      const output = `${result.stdout}${result.stderr}`;

      assert.notStrictEqual(result.status, 0, `CMake configured without grpc:\n${output}`);
      assert.match(output.replace(/\s+/g, ' '), /Install the package libgrpc-dev/);
    });
  });

  describe('build after npm approval', function () {
    let projectDir;
    let packageDir;

    before(function () {
      ({ projectDir, packageDir } = installTarball({ extraPackages: ['cmake-js', 'node-addon-api'], key: 'tools' }));
      run('npm', ['install-scripts', 'approve', 'grpc-native'], { cwd: projectDir });
      run('npm', ['rebuild', 'grpc-native', '--build-from-source', '--foreground-scripts'], { cwd: projectDir });
    });

    it('builds the addon into build/Release', function () {
      assert.ok(fs.existsSync(path.join(packageDir, 'build', 'Release', 'grpc_native.node')));
    });

    it('makes a TLS call from the source build', function () {
      // The consumer scripts and certificates come from the default install and run here, in this project.
      const { certDir, projectDir: scriptsDir } = prepareConsumer();
      for (const name of ['echo.js', 'check-package.js']) {
        fs.copyFileSync(path.join(scriptsDir, name), path.join(projectDir, name));
      }
      const result = runNodeJson(path.join(projectDir, 'check-package.js'), {
        cwd: projectDir,
        env: { GRPC_NATIVE_TEST_CERT_DIR: certDir },
      });

      assert.strictEqual(result.tls, 'echo: tls');
      assert.deepStrictEqual(result.addon, [path.join(packageDir, 'build', 'Release', 'grpc_native.node')]);
    });
  });
});
