'use strict';
// Mocha runs every test/**/*.test.js and *.test.ts file. ts-node is loaded only when a TypeScript test
// exists, so that JavaScript-only runs do not pay for it. It compiles without type checks:
// `npx tsc -p tsconfig.json --noEmit` does those.

const fs = require('node:fs');
const path = require('node:path');

const hasTypeScriptTests = fs.readdirSync(path.join(__dirname, 'test'), { recursive: true })
  .some((name) => String(name).endsWith('.test.ts'));

module.exports = {
  spec: ['test/**/*.test.{js,ts}'],
  timeout: 20000,
  require: hasTypeScriptTests ? ['ts-node/register/transpile-only'] : [],
  extension: ['js', 'ts'],
};
