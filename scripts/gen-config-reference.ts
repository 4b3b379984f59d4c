/**
 * Regenerates the config reference in README.md from the schema:
 *   npx tsc -p . && node dist/scripts/gen-config-reference.js
 * With --check it only reports (exit 1) when README.md is out of date.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { replaceReference } from '../src/config/reference.js';
import { packageRoot } from '../src/runtime/paths.js';

const file = join(packageRoot(), 'README.md');
const before = readFileSync(file, 'utf8');
const after = replaceReference(before);
if (process.argv.includes('--check')) {
  if (before !== after) {
    process.stderr.write('README.md config reference is out of date: run node dist/scripts/gen-config-reference.js\n');
    process.exit(1);
  }
} else if (before !== after) {
  writeFileSync(file, after);
  process.stdout.write('README.md: config reference updated\n');
} else {
  process.stdout.write('README.md: config reference already current\n');
}
