/**
 * Sentinel+Tag over the real datasets in ../shared/datasets (skipped when absent): every
 * sentence round-trips BIO → target → BIO, and every entity type survives the T5 tokenizer
 * (encode → decode with special tokens skipped) after the tag codec. The files are scanned
 * inline, independently of src/data/readers, so this test does not depend on them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fromTargetText, MAX_SENTINEL_WORDS, toSentinelPair } from '../../src/data/sentinel.js';
import { makeTagCodec, type TagCodec } from '../../src/data/sentinel-codec.js';
import { repoRoot, sharedDatasets, sharedDir } from '../helpers/paths.js';

const shared = sharedDatasets();
const tokenizerJson = join(sharedDir, 't5-tokenizer', 'tokenizer.json');
const IOB = /^(O|[BI]-.+)$/;

interface Scanned {
  sentences: { file: string; tokens: string[]; tags: string[] }[];
  /** Types from span-annotated files (mTOD), which have no per-word tags here. */
  spanTypes: Set<string>;
}

/** IOB1 (CoNLL-2003) → IOB2: an I-X that does not continue an X entity opens one. */
function iob1ToIob2(tags: string[]): string[] {
  return tags.map((t, i) => {
    const prev = i > 0 ? tags[i - 1] : 'O';
    return t.startsWith('I-') && (prev === 'O' || prev.slice(2) !== t.slice(2)) ? `B-${t.slice(2)}` : t;
  });
}

function scan(dir: string): Scanned {
  const out: Scanned = { sentences: [], spanTypes: new Set() };
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else read(p, name);
    }
  };
  const read = (p: string, name: string) => {
    const text = readFileSync(p, 'utf8').replace(/\r/g, '');
    if (name === 'seq.out') {
      const words = readFileSync(p.replace(/seq\.out$/, 'seq.in'), 'utf8').split('\n');
      text.split('\n').forEach((line, i) => {
        if (line.trim()) out.sentences.push({ file: p, tokens: words[i].trim().split(/\s+/), tags: line.trim().split(/\s+/) });
      });
    } else if (/\.(bio|conll|annotated|train|testa|testb)$/.test(name)) {
      const iob1 = p.includes('conll2003');
      let tokens: string[] = [];
      let tags: string[] = [];
      const flush = () => {
        if (tokens.length) out.sentences.push({ file: p, tokens, tags: iob1 ? iob1ToIob2(tags) : tags });
        tokens = [];
        tags = [];
      };
      for (const line of text.split('\n')) {
        const cols = line.split(/[\t ]+/).filter(Boolean);
        if (cols.length < 2) {
          flush();
          continue;
        }
        if (cols[0] === '-DOCSTART-') continue;
        // MIT files are tag first; the others put the tag last.
        const tagFirst = IOB.test(cols[0]) && !IOB.test(cols[cols.length - 1]);
        tokens.push(tagFirst ? cols[1] : cols[0]);
        tags.push(tagFirst ? cols[0] : cols[cols.length - 1]);
      }
      flush();
    } else if (name.endsWith('.tsv')) {
      for (const line of text.split('\n')) {
        const slots = line.split('\t')[1];
        for (const s of slots ? slots.split(',') : []) out.spanTypes.add(s.replace(/^\d+:\d+:/, ''));
      }
    }
  };
  walk(dir);
  return out;
}

const data = shared.skip ? null : scan(shared.dir);
const allTypes = (): string[] => {
  const types = new Set(data!.spanTypes);
  for (const s of data!.sentences) for (const t of s.tags) if (t !== 'O') types.add(t.slice(2));
  return [...types].sort();
};

test('every dataset sentence round-trips BIO → Sentinel+Tag → BIO', { skip: shared.skip }, () => {
  const codec = makeTagCodec(allTypes());
  let n = 0;
  for (const s of data!.sentences) {
    assert.equal(s.tokens.length, s.tags.length, s.file);
    const { target } = toSentinelPair(s, codec);
    const back = fromTargetText(target.replace(/<extra_id_\d+>/g, ' '), codec);
    assert.deepEqual(back, s.tags.slice(0, MAX_SENTINEL_WORDS), `${s.file}: ${s.tokens.join(' ')}`);
    n++;
  }
  assert.ok(n > 70000, `only ${n} sentences scanned`);
});

/** Every type, written in a target with an I and an O after it, comes back through the tokenizer. */
function checkTokenizerRoundTrip(types: string[], codec: TagCodec, encode: (s: string) => number[], decode: (ids: number[]) => string) {
  const failures: string[] = [];
  for (const type of types) {
    const { target } = toSentinelPair({ tokens: ['a', 'b', 'c'], tags: [`B-${type}`, `I-${type}`, 'O'] }, codec);
    const back = fromTargetText(decode(encode(target)), codec);
    if (JSON.stringify(back) !== JSON.stringify([`B-${type}`, `I-${type}`, 'O'])) failures.push(`${type} → ${JSON.stringify(back)}`);
  }
  assert.deepEqual(failures, []);
}

// Types that would break without the codec, to show it is needed and works.
const HOSTILE = ['I', 'O', 'time zone', 'a{b}', 'x~y', 'ｆｕｌｌ', 'café', '😀', '<extra_id_5>', '</s>', "n't", 'esc.x'];

test('every dataset tag type survives the Hugging Face tokenizers.js T5 tokenizer', { skip: shared.skip || (!existsSync(tokenizerJson) && `no ${tokenizerJson}`) }, async () => {
  // @huggingface/tokenizers is an independent implementation of tokenizer.json (the project's
  // own tokenizer is checked in the next test).
  const { Tokenizer } = await import('@huggingface/tokenizers');
  const dir = join(sharedDir, 't5-tokenizer');
  const tok = new Tokenizer(JSON.parse(readFileSync(tokenizerJson, 'utf8')), JSON.parse(readFileSync(join(dir, 'tokenizer_config.json'), 'utf8')));
  const types = allTypes();
  assert.ok(types.length > 150, `${types.length} types`);
  const codec = makeTagCodec([...types, ...HOSTILE]);
  assert.deepEqual([...codec.renamed.keys()].sort(), [...HOSTILE].sort(), 'only the hostile names are renamed');
  const encode = (s: string) => tok.encode(s).ids;
  const decode = (ids: number[]) => tok.decode(ids, { skip_special_tokens: true });
  checkTokenizerRoundTrip([...types, ...HOSTILE], codec, encode, decode);
  // Without the codec several hostile names do not come back.
  const identity: TagCodec = { encode: (t) => t, decode: (t) => t };
  assert.throws(() => checkTokenizerRoundTrip(['a{b}', 'time zone', 'I'], identity, encode, decode));
});

test("every dataset tag type survives the project's T5Tokenizer", { skip: shared.skip }, async (t) => {
  // src/tokenizer is built in parallel: find a module exporting T5Tokenizer, else skip.
  const dir = join(repoRoot, 'dist', 'src', 'tokenizer');
  let T5Tokenizer: { default(): unknown } | undefined;
  for (const f of existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.js')) : []) {
    const m = (await import(pathToFileURL(join(dir, f)).href)) as Record<string, unknown>;
    if (m.T5Tokenizer) T5Tokenizer = m.T5Tokenizer as typeof T5Tokenizer;
  }
  if (!T5Tokenizer) {
    t.skip('src/tokenizer has no T5Tokenizer yet');
    return;
  }
  type Tok = { encode(s: string): number[] | { ids: number[] }; decode(ids: number[], o?: object): string };
  const tok = (await T5Tokenizer.default()) as Tok;
  const encode = (s: string) => {
    const e = tok.encode(s);
    return Array.isArray(e) ? e : e.ids;
  };
  const decode = (ids: number[]) => tok.decode(ids, { skipSpecialTokens: true });
  const types = allTypes();
  checkTokenizerRoundTrip([...types, ...HOSTILE], makeTagCodec([...types, ...HOSTILE]), encode, decode);
});
