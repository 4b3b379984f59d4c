/**
 * Where a train step's time goes, by kernel (issue 14, item 5): one t5-small-shaped step (batch 8 ×
 * 64 source / 32 target, the shapes of bench:t5 and bench:compare) under tf.profile on the wasm
 * backend, kernel wall time summed by kernel name, largest first.
 *
 *   npm run build && node dist/scripts/bench-kernels.js [--full|--hyperloader] [--threads 2] [--top 15] [--by-shape]
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/runtime/backend.js';
import { t5ConfigFromShape } from '../src/model/config.js';
import { peftSchema, t5ShapeSchema } from '../src/config/schema.js';
import { T5Model } from '../src/model/t5-model.js';
import { encode, decode } from '../src/model/forward.js';
import { seq2seqLoss } from '../src/model/loss.js';
import { resolvePeftPlan } from '../src/peft/config.js';
import { PeftModel } from '../src/peft/model.js';

const { values: args } = parseArgs({ options: { full: { type: 'boolean', default: false }, hyperloader: { type: 'boolean', default: false }, threads: { type: 'string', default: '2' }, top: { type: 'string', default: '15' }, 'by-shape': { type: 'boolean', default: false } } });
await initBackend('wasm', { threads: Number(args.threads) });
const cfg = t5ConfigFromShape(t5ShapeSchema.parse({ vocab_size: 32128, d_model: 512, d_kv: 64, d_ff: 2048, num_layers: 6, num_heads: 8, dropout_rate: 0.1 }));
const model = T5Model.random(cfg, 1);
model.setTrainable(args.full ? true : (p) => p.endsWith('layer_norm.weight'));
// --hyperloader: HyperLoader's step on the frozen backbone (bench:compare's train-hyperloader).
const peft = args.hyperloader ? new PeftModel(model, resolvePeftPlan(peftSchema.parse({ variant: 'hyperloader' }), cfg, ['atis', 'snips']), { seed: 3 }) : null;
const vars = [...(peft ? peft.trainableVariables() : model.trainableVariables()).values()];
const ids = tf.randomUniformInt([8, 64], 2, cfg.vocab_size, 1) as tf.Tensor2D;
const mask = tf.ones([8, 64], 'int32') as tf.Tensor2D;
const dec = tf.randomUniformInt([8, 32], 2, cfg.vocab_size, 2) as tf.Tensor2D;
const labels = tf.randomUniformInt([8, 32], 2, cfg.vocab_size, 3) as tf.Tensor2D;
const step = (seed: number) => {
  const o = { training: true, dropoutSeed: seed, hooks: peft ? peft.hooks(peft.modules('atis')) : undefined };
  const { value, grads } = tf.variableGrads(() => seq2seqLoss(decode(model, dec, encode(model, ids, mask, o), mask, o), labels, { labelSmoothing: 0.1, reduction: 'sum' }), vars);
  value.dataSync();
  tf.dispose([value, ...Object.values(grads)]);
};
step(0); // warm-up: caches of frozen transposes, kernel setup
const t0 = performance.now();
const info = await tf.profile(() => step(1));
const wall = performance.now() - t0;
const by = new Map<string, { ms: number; n: number }>();
// Custom-gradient wrappers show up as "unnamed scope" spanning the kernels inside them: counting
// them would count those kernels twice.
for (const k of info.kernels.filter((x) => x.name !== 'unnamed scope' && !x.name.endsWith('__op'))) {
  const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
  // --by-shape splits each kernel by its input shapes (which matrix products cost what).
  const key = args['by-shape'] ? `${k.name} ${k.inputShapes.map((s) => `[${s?.join(',') ?? ''}]`).join(' ')}` : k.name;
  const e = by.get(key) ?? { ms: 0, n: 0 };
  by.set(key, { ms: e.ms + ms, n: e.n + 1 });
}
const total = [...by.values()].reduce((s, e) => s + e.ms, 0);
console.log(`t5-small ${args.full ? 'every weight trained' : args.hyperloader ? 'HyperLoader on the frozen backbone' : 'frozen backbone'} step (loss + gradients, no optimizer), wasm ${args.threads} thread(s): ${wall.toFixed(0)} ms under tf.profile, ${total.toFixed(0)} ms in kernels`);
for (const [name, e] of [...by].sort((a, b) => b[1].ms - a[1].ms).slice(0, Number(args.top))) {
  console.log(`${name.padEnd(args['by-shape'] ? 56 : 24)} ${e.ms.toFixed(0).padStart(7)} ms  ${((100 * e.ms) / total).toFixed(1).padStart(5)}%  ${String(e.n).padStart(5)} calls`);
}
process.exit(0);
