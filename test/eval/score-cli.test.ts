/**
 * Acceptance: `hyperloader score --json` on each seqeval fixture case written as a column file must
 * reproduce the real seqeval's numbers to 1e-9. Cases come from HYPERLOADER_SEQEVAL_CASES (a JSONL file
 * of the same layout) when set, else our copy of ../shared/fixtures/seqeval/random_cases.jsonl. Files
 * are scored several per CLI run (score takes many files and prints one JSON line each) to stay fast.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binPath, fixturesDir } from '../helpers/paths.js';
import { assertClose, parsePythonJson } from './pyjson.js';

type Pair = [string, string];
interface RandomCase {
  sentences: Pair[][];
  expected: Record<string, unknown> & { strict: { scheme?: string } };
}

const casesPath = process.env.HYPERLOADER_SEQEVAL_CASES ?? join(fixturesDir, 'seqeval', 'random_cases.jsonl');
const BATCH = 30;

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [binPath, ...args], { encoding: 'utf8', maxBuffer: 256 << 20 });
  assert.equal(r.status, 0, `hyperloader ${args.slice(0, 3).join(' ')} … failed:\n${r.stderr}`);
  return r.stdout;
}

/**
 * The case as conlleval input. Variants exercise the reader: a token column or not, a -DOCSTART- line,
 * tabs and CRLF. A column file cannot hold an empty sentence, so one is left out (it adds no tag).
 */
function writeCase(path: string, sentences: string[][][], variant: number): void {
  const eol = variant % 4 === 3 ? '\r\n' : '\n';
  const sep = variant % 4 === 2 ? '\t' : ' ';
  const blocks = sentences
    .filter((s) => s.length > 0)
    .map((s) => s.map(([g, p], i) => (variant % 2 === 0 ? [`w${i}`, g, p] : [g, p]).join(sep)).join(eol));
  const head = variant % 5 === 0 ? `-DOCSTART- -X- O O${eol}${eol}` : '';
  writeFileSync(path, head + blocks.join(eol + eol) + eol);
}

test(`score --json reproduces seqeval on every case of ${casesPath}`, () => {
  const cases = readFileSync(casesPath, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => parsePythonJson(l) as RandomCase);
  assert.ok(cases.length > 0, `no cases in ${casesPath}`);
  const dir = mkdtempSync(join(tmpdir(), 'hl-seqeval-'));
  try {
    // Strict mode's scheme is part of each case; score files of one scheme together.
    const byScheme = new Map<string, number[]>();
    cases.forEach((c, i) => {
      writeCase(join(dir, `case${i}.txt`), c.sentences, i);
      const scheme = c.expected.strict.scheme ?? 'IOB2';
      byScheme.set(scheme, [...(byScheme.get(scheme) ?? []), i]);
    });
    let checked = 0;
    for (const [scheme, ids] of byScheme) {
      for (let b = 0; b < ids.length; b += BATCH) {
        const batch = ids.slice(b, b + BATCH);
        const files = batch.map((i) => join(dir, `case${i}.txt`));
        const lines = cli(['score', ...files, '--json', '--scheme', scheme]).trim().split('\n');
        assert.equal(lines.length, batch.length);
        batch.forEach((i, k) => {
          const c = cases[i] as RandomCase;
          const expected = { ...c.expected, n_sentences: c.sentences.filter((s) => s.length > 0).length };
          assertClose(JSON.parse(lines[k] as string), expected, 1e-9, `case ${i + 1}`);
          checked++;
        });
      }
    }
    assert.equal(checked, cases.length);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

interface EdgeCase {
  name: string;
  gold: string[][];
  pred: string[][];
  accuracy: number;
  default: { counts: Record<string, number>; micro_f1: number; macro_f1: number };
  strict_iob2: { counts: Record<string, number>; micro_f1: number } | { error: string };
  conlleval: { counts: { tp: number; n_pred: number; n_gold: number }; accuracy_pct: number };
}

const edgeCases = parsePythonJson(readFileSync(join(fixturesDir, 'seqeval', 'edge_cases.json'), 'utf8')) as EdgeCase[];

function writeEdgeCases(dir: string): string[] {
  return edgeCases.map((c, i) => {
    const path = join(dir, `${c.name}.txt`);
    const zipped = c.gold.map((g, s) => g.map((tag, t) => [tag, (c.pred[s] as string[])[t] as string]));
    writeCase(path, zipped, i);
    return path;
  });
}

test('score --json matches seqeval on every edge case (accuracy, counts, micro/macro F1, strict errors)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hl-seqeval-edge-'));
  try {
    const files = writeEdgeCases(dir);
    const lines = cli(['score', ...files, '--json']).trim().split('\n');
    assert.equal(lines.length, edgeCases.length);
    edgeCases.forEach((c, i) => {
      const got = JSON.parse(lines[i] as string);
      assertClose(got.accuracy, c.accuracy, 1e-9, `${c.name}.accuracy`);
      assertClose(got.default.counts, c.default.counts, 0, `${c.name}.default.counts`);
      assertClose(got.default.micro.f1, c.default.micro_f1, 1e-9, `${c.name}.default.micro.f1`);
      assertClose(got.default.macro.f1, c.default.macro_f1, 1e-9, `${c.name}.default.macro.f1`);
      if ('error' in c.strict_iob2) {
        assert.deepEqual(got.strict, { error: c.strict_iob2.error }, c.name);
      } else {
        assertClose(got.strict.counts, c.strict_iob2.counts, 0, `${c.name}.strict.counts`);
        assertClose(got.strict.micro.f1, c.strict_iob2.micro_f1, 1e-9, `${c.name}.strict.micro.f1`);
      }
    });
    // One case alone, as a user would run it: the single-file output is one pretty-printed object.
    const single = JSON.parse(cli(['score', files[0] as string, '--json']));
    assertClose(single.default.counts, (edgeCases[0] as EdgeCase).default.counts, 0, 'single file');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("score's text output is conlleval's: its counts and accuracy on every edge case", () => {
  const dir = mkdtempSync(join(tmpdir(), 'hl-seqeval-conll-'));
  try {
    const files = writeEdgeCases(dir);
    const out = cli(['score', ...files]);
    const sections = out.split(/^==> .* <==\n/m).slice(1);
    assert.equal(sections.length, edgeCases.length);
    edgeCases.forEach((c, i) => {
      const text = sections[i] as string;
      const m = /^processed (\d+) tokens with (\d+) phrases; found: (\d+) phrases; correct: (\d+)\.$/m.exec(text);
      assert.ok(m, `${c.name}: no conlleval header in\n${text}`);
      const tokens = c.gold.reduce((n, s) => n + s.length, 0);
      assert.deepEqual(
        [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])],
        [tokens, c.conlleval.counts.n_gold, c.conlleval.counts.n_pred, c.conlleval.counts.tp],
        c.name,
      );
      const acc = /^accuracy: +([\d.]+)%;/m.exec(text);
      assert.ok(acc, `${c.name}: no accuracy line`);
      assert.ok(Math.abs(Number(acc[1]) - c.conlleval.accuracy_pct) < 0.0051, `${c.name}: accuracy ${acc[1]} vs ${c.conlleval.accuracy_pct}`);
      assert.match(text, /seqeval, default mode:\n +precision +recall +f1-score +support\n/, c.name);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('score reports bad input as a user error naming the file and line, without a stack trace', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hl-seqeval-bad-'));
  try {
    const short = join(dir, 'short.txt');
    writeFileSync(short, 'a B-PER B-PER\nb I-PER\n');
    let r = spawnSync(process.execPath, [binPath, 'score', short, '--json'], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, new RegExp(`${short.replace(/[.\\/]/g, '\\$&')}:2: 2 columns, but line 1 has 3`));
    assert.doesNotMatch(r.stderr, /\n\s+at /);

    const one = join(dir, 'one.txt');
    writeFileSync(one, 'B-PER\n');
    r = spawnSync(process.execPath, [binPath, 'score', one], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /one\.txt:1: expected at least 2 whitespace-separated columns/);

    r = spawnSync(process.execPath, [binPath, 'score', join(dir, 'missing.txt')], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /missing\.txt: cannot read the file to score \(no such file\)/);

    // --mode strict on tags the scheme does not allow: an error that says what to do.
    const iobes = join(dir, 'iobes.txt');
    writeFileSync(iobes, 'a S-PER S-PER\n');
    r = spawnSync(process.execPath, [binPath, 'score', iobes, '--mode', 'strict'], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /Invalid token is found: S-PER\. Allowed prefixes are: I\|O\|B\..*--scheme/s);
    r = spawnSync(process.execPath, [binPath, 'score', iobes, '--mode', 'strict', '--scheme', 'IOBES', '--digits', '4'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /seqeval, strict mode \(IOBES\):[\s\S]*PER +1\.0000 +1\.0000 +1\.0000 +1\n/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a reader that stops early (`score … | head -c 10`) ends hyperloader quietly with exit 0', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hl-epipe-'));
  const file = join(dir, 'p.txt');
  writeFileSync(file, 'Austin B-PER B-PER\nBerg I-PER I-PER\njoined O O\n\nAcme B-ORG O\n');
  // Hundreds of reports: far more than a pipe buffer, so writes continue after head has gone.
  const files = new Array(400).fill(`'${file}'`).join(' ');
  const r = spawnSync('bash', ['-c', `'${process.execPath}' '${binPath}' score ${files} 2>'${join(dir, 'err')}' | head -c 10 >/dev/null; echo \${PIPESTATUS[0]}`], { encoding: 'utf8' });
  assert.equal(r.stdout.trim(), '0');
  assert.equal(readFileSync(join(dir, 'err'), 'utf8'), '');
  rmSync(dir, { recursive: true, force: true });
});
