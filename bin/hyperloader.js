#!/usr/bin/env node
// The `hyperloader` executable: the compiled CLI lives in dist/ (built by `npm ci` via the prepare script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write('hyperloader: dist/ is missing; run `npm ci` (or `npm run build`) first.\n');
  process.exit(1);
}
// A reader that stops early (`hyperloader score … | head -1`) closes the pipe: that is the reader's
// choice, not an error, so end quietly as Unix tools do.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});
const { run } = await import(main.href);
process.exitCode = await run(process.argv.slice(2));
