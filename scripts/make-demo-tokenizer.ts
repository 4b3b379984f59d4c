/**
 * Builds datasets/demo/tokenizer.json: a word-level tokenizer for the synthetic demo tasks (their
 * training words and Sentinel+Tag tag names, plus <pad> </s> <unk> and the 100 sentinels), so the
 * quickstart's randomly initialised T5 has a small output layer (hundreds of ids instead of T5's
 * 32,128) — most of a tiny model's step would otherwise go to the vocabulary projection.
 *
 *   node dist/scripts/make-demo-tokenizer.js [--out FILE]
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadDatasetSplits } from '../src/data/load.js';
import { getDataset } from '../src/data/registry.js';
import { bioToSbio } from '../src/data/sentinel.js';
import { buildWordLevelTokenizer, type WordLevelTokenizer } from '../src/tokenizer/word-level.js';

export const DEMO_TOKENIZER_TASKS = ['demo_slots', 'demo_ner'];

export async function buildDemoTokenizer(): Promise<WordLevelTokenizer> {
  const sentences: string[][] = [];
  for (const key of DEMO_TOKENIZER_TASKS) {
    const { train } = await loadDatasetSplits(getDataset(key), { cacheDir: 'datasets' });
    for (const s of train) {
      sentences.push(s.tokens);
      sentences.push(bioToSbio(s.tags));
    }
  }
  return buildWordLevelTokenizer(sentences);
}

const isMain = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  const i = process.argv.indexOf('--out');
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const out = i > 0 ? process.argv[i + 1] : join(root, 'datasets', 'demo', 'tokenizer.json');
  const tok = await buildDemoTokenizer();
  await tok.save(out);
  process.stdout.write(`${out}: ${tok.vocabSize} ids\n`);
}
