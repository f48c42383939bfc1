/**
 * The long fuzz run behind `npm run fuzz`: runs run-cases.ts in child processes, a fresh seed each, until the
 * requested number of cases ran or the time limit passed. A child that crashes, hangs or reports failures is
 * recorded with its seed and the input of the case in progress, in test/fuzz/found/ (not committed), so that the
 * case can be replayed and, once fixed, moved to the regression corpus.
 *
 * Usage: npm run fuzz -- [--cases 200000] [--minutes 30] [--chunk 20000] [--seed N] [--families a,b]
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { runChild } from '../robustness/support';
import { FAMILIES, familyNamed, pickFamily } from './families';
import { Random } from './random';

const RUNNER = path.join(__dirname, 'run-cases.ts');
const FOUND = path.join(__dirname, 'found');

function parseArguments(argv: string[]) {
  const options = {
    cases: 200000, minutes: 30, chunk: 20000, seed: Math.floor(Math.random() * 2 ** 31),
    families: FAMILIES.map((family) => family.name).join(','),
  };
  for (let i = 0; i < argv.length; i += 2) {
    const [name, value] = [argv[i], argv[i + 1]];
    switch (name) {
      case '--cases': options.cases = Number(value); break;
      case '--minutes': options.minutes = Number(value); break;
      case '--chunk': options.chunk = Number(value); break;
      case '--seed': options.seed = Number(value); break;
      case '--families': options.families = value; break;
      default: throw new Error(`long-run: unknown argument ${name}; see the usage at the top of test/fuzz/long-run.ts`);
    }
  }
  return options;
}

/** Rebuilds the input of case `index` of a run, as run-cases.ts generated it. */
function inputOf(seed: number, index: number, families: string) {
  const random = Random.forCase(seed, index);
  return pickFamily(random, families.split(',').map(familyNamed)).generate(random);
}

function record(name: string, content: unknown): string {
  fs.mkdirSync(FOUND, { recursive: true });
  const file = path.join(FOUND, name);
  fs.writeFileSync(file, `${JSON.stringify(content, null, 2)}\n`);
  return file;
}

async function main(): Promise<void> {
  const options = parseArguments(process.argv.slice(2));
  const deadline = Date.now() + options.minutes * 60000;
  const progressFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'grpc-native-fuzz-')), 'progress');
  const totals = { cases: 0, accepted: 0, rejected: 0, children: 0, problems: 0, rssMaxMb: 0 };
  let seed = options.seed;

  while (totals.cases < options.cases && Date.now() < deadline) {
    const count = Math.min(options.chunk, options.cases - totals.cases);
    const minutesLeft = (deadline - Date.now()) / 60000;
    const args = ['--progress', progressFile, '--seed', String(seed), '--count', String(count),
      '--families', options.families, '--time-limit-seconds', String(Math.max(1, Math.floor(minutesLeft * 60)))];
    const result = await runChild(RUNNER, args, (minutesLeft + 5) * 60000);
    totals.children++;

    const lastLine = result.stdout.trim().split('\n').pop() ?? '';
    let summary: any = null;
    try {
      summary = JSON.parse(lastLine);
    } catch {
      // A crashed child prints no summary.
    }
    if (summary?.cases !== undefined) {
      totals.cases += summary.cases;
      totals.accepted += summary.accepted;
      totals.rejected += summary.rejected;
      totals.rssMaxMb = Math.max(totals.rssMaxMb, summary.rssAfterMb);
      for (const failure of summary.failures) {
        totals.problems++;
        const file = record(`seed-${seed}-case-${failure.index}.json`, { note: failure.message, input: failure.input });
        console.log(`failure in seed ${seed} case ${failure.index}: ${failure.message.split('\n')[0]} (${file})`);
      }
    }
    if (result.timedOut || result.signal !== null || result.status !== 0) {
      totals.problems++;
      const index = Number(fs.readFileSync(progressFile, 'utf8').trim());
      const how = result.timedOut ? 'hung' : `ended with ${result.signal ?? `status ${result.status}`}`;
      const file = record(`seed-${seed}-case-${index}.json`, {
        note: `the child ${how}; stderr tail: ${result.stderr.split('\n').slice(-5).join(' | ')}`,
        input: inputOf(seed, index, options.families),
      });
      console.log(`seed ${seed}: the child ${how} in case ${index} (${file})`);
      // The cases before the crash ran; the rest of this seed is skipped.
      totals.cases += Number.isFinite(index) ? index : 0;
    }
    console.log(`seed ${seed}: ${totals.cases} cases so far, ${totals.problems} problems`);
    seed = (seed + 1) >>> 0;
  }
  console.log(`fuzz run: ${JSON.stringify(totals)}`);
  process.exitCode = totals.problems === 0 ? 0 : 1;
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
