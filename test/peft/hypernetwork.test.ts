import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { fixturesDir, fixtureDirsFromEnv } from '../helpers/paths.js';
import { generateModules } from '../../src/peft/hypernetwork.js';
import { loadHlFixture, maxAbsDiff, transposed, type JsonTensor } from './fixture.js';

const dirs = fixtureDirsFromEnv('HYPERLOADER_HL_FIXTURES', [join(fixturesDir, 'hyperloader-tiny'), join(fixturesDir, 'hyperloader-tiny-rf8')]);

for (const dir of dirs) {
  test(`generated adapter and LoRA weights match the authors' hypernetwork (${dir})`, async () => {
    await tf.setBackend('cpu');
    const fx = await loadHlFixture(dir);
    const generated = JSON.parse(readFileSync(join(dir, 'generated.json'), 'utf8'));
    let checked = 0;
    for (const perTask of generated.per_task) {
      tf.tidy(() => {
        const mods = generateModules(fx.peft, fx.plan, perTask.task);
        for (const stack of ['encoder', 'decoder'] as const) {
          perTask.stacks[stack].forEach((layer: any, i: number) => {
            const at = `${perTask.task} ${stack} layer ${i}`;
            for (const pos of ['ff_adapter', 'self_attn_adapter'] as const) {
              const ours = mods[stack][i].adapters[pos === 'ff_adapter' ? 'ffn_adapter' : 'self_attn_adapter']!;
              const ref = layer[pos];
              const close = (t: tf.Tensor, expected: ArrayLike<number>, what: string) => {
                const d = maxAbsDiff(t.dataSync(), expected);
                assert.ok(d < 1e-5, `${at} ${pos}.${what}: max |Δ| = ${d}`);
                checked++;
              };
              close(ours.down, transposed(ref.W_down as JsonTensor), 'W_down');
              close(ours.downBias, ref.b_down.data, 'b_down');
              close(ours.up, transposed(ref.W_up as JsonTensor), 'W_up');
              close(ours.upBias, ref.b_up.data, 'b_up');
              close(ours.gamma, ref.gamma.data, 'gamma');
              close(ours.beta, ref.beta.data, 'beta');
            }
            const loraHere = stack === 'encoder' ? ['lora_self_q', 'lora_self_v'] : ['lora_self_q', 'lora_self_v', 'lora_cross_q', 'lora_cross_v'];
            for (const pos of loraHere) {
              const ours = (mods[stack][i].lora as any)[pos];
              const ref = layer[pos];
              const da = maxAbsDiff(ours.a.dataSync(), transposed(ref.A));
              const db = maxAbsDiff(ours.b.dataSync(), transposed(ref.B));
              assert.ok(da < 1e-5 && db < 1e-5, `${at} ${pos}: max |ΔA| = ${da}, |ΔB| = ${db}`);
              checked += 2;
            }
          });
        }
      });
    }
    assert.ok(checked > 100, `checked ${checked} tensors`);
  });
}
