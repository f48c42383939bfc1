'use strict';
// The line protocol between the benchmark runner and its Node.js children; bench/peers/bench_common.py speaks
// the same one.
//
// A child gets its configuration as one JSON argument and writes one JSON object per line on stdout:
// - `{"event":"listening","port":N}` from a server once it listens;
// - `{"event":"sync","name":...}` from a client, which then waits until the runner writes one line to its stdin,
//   so that the runner can sample CPU time or memory at that moment;
// - `{"event":"result",...}` when a client is done.
// Errors go to stderr with a non-zero exit code.

const readline = require('node:readline');

let stdinLines = null;
let unclaimedLines = 0;
const waitingForLine = [];

// Resolves on the next line of stdin. A line that arrives before anyone waits is kept for the next waiter.
function readStdinLine() {
  if (stdinLines === null) {
    stdinLines = readline.createInterface({ input: process.stdin });
    stdinLines.on('line', () => {
      const resolve = waitingForLine.shift();
      if (resolve) {
        resolve();
      } else {
        unclaimedLines++;
      }
    });
  }
  if (unclaimedLines > 0) {
    unclaimedLines--;
    return Promise.resolve();
  }
  return new Promise((resolve) => waitingForLine.push(resolve));
}

function emit(event, fields = {}) {
  process.stdout.write(`${JSON.stringify({ event, ...fields })}\n`);
}

/** Tells the runner that the client reached `name` and resolves once the runner acknowledged it. */
async function sync(name) {
  const acknowledged = readStdinLine();
  emit('sync', { name });
  await acknowledged;
}

/** Parses the JSON configuration in argv[2] and checks that it names every field in `required`. */
function readConfig(required) {
  const text = process.argv[2];
  if (text === undefined) {
    throw new Error('missing configuration: pass one JSON object as the first argument');
  }
  const config = JSON.parse(text);
  for (const field of required) {
    if (config[field] === undefined) {
      throw new Error(`configuration is missing "${field}"`);
    }
  }
  return config;
}

/** Runs `main`, and on failure prints the error and exits with code 1. */
function runChild(main) {
  main().catch((error) => {
    process.stderr.write(`${error && error.stack ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}

module.exports = { emit, sync, readConfig, runChild };
