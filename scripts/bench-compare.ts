/**
 * tfjs against PyTorch on this machine (issue 14): the same T5 shape and the same work, timed side
 * by side — `npm run bench:t5`'s groups (scripts/bench-t5.ts, wasm backend) and
 * scripts/bench-reference.py (plain PyTorch, eager, CPU) — in alternating child processes, round
 * after round, so drift and other load hit both alike. Prints each side's median and the ratio.
 *
 *   npm run build && npm run bench:compare -- [--shape small|tiny] [--groups train-frozen,decode]
 *        [--threads 2] [--rounds 3] [--steps 3] [--warmup 1]
 *
 * The reference needs python3 with torch (Debian: apt-get install python3-torch libopenblas0-pthread);
 * without it this says so and exits 0 having measured nothing.
 */
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const GROUPS = ['forward', 'train-full', 'train-frozen', 'train-hyperloader', 'decode'] as const;
const { values: args } = parseArgs({
  options: {
    shape: { type: 'string', default: 'small' },
    groups: { type: 'string', default: 'train-frozen,train-hyperloader,decode' },
    threads: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '3' },
    steps: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '1' },
  },
});

interface Row {
  backend: string;
  what: string;
  ms: number;
  cpuMs: number;
  note?: string;
}

const here = fileURLToPath(new URL('.', import.meta.url));
// Compiled to dist/scripts/; the Python file stays in scripts/ at the repository root.
const repo = join(here, '..', '..');
// $PYTHON, else the first of these that imports torch: a pyenv or venv python3 on PATH may not see
// Debian's python3-torch, which lives in the system interpreter.
const candidates = process.env.PYTHON ? [process.env.PYTHON] : ['python3', '/usr/bin/python3'];
let python = candidates[0]!;

function rowsOf(stdout: string): Row[] {
  return stdout.split('\n').filter((l) => l.startsWith('ROW ')).map((l) => JSON.parse(l.slice(4)) as Row);
}

function runTfjs(group: string): Row {
  const r = spawnSync(process.execPath, [join(here, 'bench-t5.js'), '--child', `wasm:${args.shape}:fast:${group}`, '--steps', args.steps!, '--warmup', args.warmup!, '--threads', args.threads!], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const row = rowsOf(r.stdout)[0];
  if (r.status !== 0 || !row) throw new Error(`tfjs ${group} failed (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-2).join(' | ')}`);
  return row;
}

function runTorch(group: string): Row {
  const r = spawnSync(python, [join(repo, 'scripts', 'bench-reference.py'), '--shape', args.shape!, '--group', group, '--steps', args.steps!, '--warmup', args.warmup!, '--threads', args.threads!], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const row = rowsOf(r.stdout)[0];
  if (r.status !== 0 || !row) throw new Error(`pytorch ${group} failed (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-2).join(' | ')}`);
  return row;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function main(): void {
  let probe = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  for (const c of candidates.slice(1)) {
    if (probe.status === 0) break;
    const next = spawnSync(c, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
    if (next.status === 0) [python, probe] = [c, next];
  }
  if (probe.status !== 0) {
    console.log(
      `reference unavailable: ${python} cannot import torch (${(probe.error?.message ?? probe.stderr.trim().split('\n').pop() ?? '').trim()}).\n` +
        'Install it to compare (Debian: apt-get install python3-torch libopenblas0-pthread); nothing was measured. `npm run bench:t5` times the tfjs side alone.',
    );
    return;
  }
  const groups = args.groups!.split(',');
  for (const g of groups) if (!(GROUPS as readonly string[]).includes(g)) throw new Error(`unknown group ${g}; known: ${GROUPS.join(', ')}`);
  const rounds = Number(args.rounds);
  console.log(
    `node ${process.version}, torch ${probe.stdout.trim()} (${python}), ${cpus().length} cores (${cpus()[0]?.model ?? '?'}); shape ${args.shape}, batch 8 × 64 source / 32 target tokens; ` +
      `${args.threads} thread(s) each; median of ${args.steps} steps per child after ${args.warmup} warm-up step(s), median over ${rounds} rounds, the two sides alternating`,
  );
  const table: string[][] = [];
  for (const g of groups) {
    const tf: Row[] = [];
    const pt: Row[] = [];
    for (let i = 0; i < rounds; i++) {
      if (i % 2 === 0) {
        tf.push(runTfjs(g));
        pt.push(runTorch(g));
      } else {
        pt.push(runTorch(g));
        tf.push(runTfjs(g));
      }
      console.log(`  ${g} round ${i + 1}: tfjs ${tf[i]!.ms.toFixed(0)} ms, pytorch ${pt[i]!.ms.toFixed(0)} ms`);
    }
    const a = median(tf.map((r) => r.ms));
    const b = median(pt.map((r) => r.ms));
    // Both sides report their trainable parameters where the step has a PEFT part: equal counts
    // are the check that the reference does the same work.
    const count = (r: Row) => /trainable (\d+)/.exec(r.note ?? '')?.[1];
    if (count(tf[0]!) && count(pt[0]!)) {
      const same = count(tf[0]!) === count(pt[0]!);
      console.log(`  ${g}: trainable parameters tfjs ${count(tf[0]!)}, pytorch ${count(pt[0]!)}${same ? ' (the same)' : ' — DIFFERENT: the two sides do not do the same work'}`);
    }
    table.push([g, tf[0]!.what, a.toFixed(1), b.toFixed(1), (a / b).toFixed(2)]);
  }
  const head = ['group', 'tfjs step', 'tfjs wasm ms', 'pytorch ms', 'tfjs / pytorch'];
  const all = [head, ...table];
  const w = head.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  console.log('');
  for (const r of all) console.log(r.map((x, i) => (i < 2 ? x.padEnd(w[i]!) : x.padStart(w[i]!))).join('  '));
}

main();
process.exit(0);
