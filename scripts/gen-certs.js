#!/usr/bin/env node
'use strict';
// Writes the test certificates and keys that the test suites generate for themselves into a folder, for
// running the interop peers by hand. Usage: node scripts/gen-certs.js DIR
// The keys are for tests only: keep them out of the repository.

const fs = require('node:fs');
const path = require('node:path');
const { writeTestCerts } = require('../test/helpers/certs');

function main(argv) {
  if (argv.length !== 1 || argv[0].startsWith('-')) {
    console.error('usage: node scripts/gen-certs.js DIR\n'
      + 'Writes the test CA, server, client, expired and untrusted certificates and their keys into DIR,'
      + ' which is created if missing.');
    return 2;
  }
  const dir = path.resolve(argv[0]);
  fs.mkdirSync(dir, { recursive: true });
  const certs = writeTestCerts(dir);
  for (const name of ['ca', 'server', 'client', 'expiredServer', 'otherCa', 'otherServer']) {
    console.log(`${name}: ${certs[name].certPath} ${certs[name].keyPath}`);
  }
  console.log(`encrypted server keys: ${certs.server.keyEncryptedPath} ${certs.server.keyEncryptedTraditionalPath}`);
  console.log(`server key passphrase: ${certs.server.passphrase}`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
