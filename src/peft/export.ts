/**
 * Serving one task without the hypernetwork: materialise its generated LoRA as a Hugging Face
 * PEFT LoRA adapter (adapter_config.json + adapter_model.safetensors with PEFT's names), and the
 * generated adapters plus the trained T5 layer-norm scales as plain tensors beside it.
 *
 * PEFT wraps nn.Linear modules; targeting `q` and `v` wraps SelfAttention.q/v in both stacks and
 * EncDecAttention.q/v in the decoder — exactly our LoRA positions, and PEFT's EncDecAttention.v
 * sees the encoder output as ours does. PEFT stores lora_A as [r, in] and lora_B as [out, r], the
 * authors' A and B layouts; ours are their transposes.
 */
import { mkdir } from 'node:fs/promises';
import { writeFileAtomic } from '../runtime/fs.js';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { LoraPosition, PeftPlan } from './config.js';
import { STACKS } from './config.js';
import type { Modules } from './modules.js';
import { writeSafetensors } from '../model/safetensors.js';

const LORA_MODULE: Record<LoraPosition, { layer: number; attn: string; proj: string }> = {
  lora_self_q: { layer: 0, attn: 'SelfAttention', proj: 'q' },
  lora_self_v: { layer: 0, attn: 'SelfAttention', proj: 'v' },
  lora_cross_q: { layer: 1, attn: 'EncDecAttention', proj: 'q' },
  lora_cross_v: { layer: 1, attn: 'EncDecAttention', proj: 'v' },
};

type HostTensors = Record<string, { shape: number[]; data: Float32Array }>;

function host(t: tf.Tensor, transpose: boolean): { shape: number[]; data: Float32Array } {
  const x = transpose ? tf.transpose(t) : t;
  const out = { shape: [...x.shape], data: x.dataSync() as Float32Array };
  if (x !== t) x.dispose();
  return out;
}

/** PEFT-named LoRA tensors of one task's modules. */
export function peftLoraTensors(modules: Modules): HostTensors {
  const out: HostTensors = {};
  for (const stack of STACKS) {
    modules[stack].forEach((layer, i) => {
      for (const [pos, w] of Object.entries(layer.lora)) {
        if (!w) continue;
        const { layer: sub, attn, proj } = LORA_MODULE[pos as LoraPosition];
        const base = `base_model.model.${stack}.block.${i}.layer.${sub}.${attn}.${proj}`;
        out[`${base}.lora_A.weight`] = host(w.a, true);
        out[`${base}.lora_B.weight`] = host(w.b, true);
      }
    });
  }
  return out;
}

/** PEFT's target_modules: the plain list when every q and v is targeted, else a full-match regex. */
export function peftTargetModules(plan: PeftPlan): string[] | string {
  const all = ['lora_self_q', 'lora_self_v', 'lora_cross_q', 'lora_cross_v'];
  if (all.every((p) => plan.loraPositions.includes(p as LoraPosition))) return ['q', 'v'];
  const alts = plan.loraPositions.map((p) => `${LORA_MODULE[p].attn}\\.${LORA_MODULE[p].proj}`);
  return `.*\\.(${alts.join('|')})`;
}

export interface ExportOptions {
  outDir: string;
  task: string;
  /** What PEFT records as base_model_name_or_path (the checkpoint the run used). */
  baseModel: string;
  /** Trained T5 layer-norm scales (HF names) to ship beside the adapter. */
  layerNorms?: HostTensors;
}

/** Writes adapter_config.json, adapter_model.safetensors and adapters.safetensors into outDir. */
export async function exportPeftAdapter(modules: Modules, plan: PeftPlan, opts: ExportOptions): Promise<string[]> {
  await mkdir(opts.outDir, { recursive: true });
  const written: string[] = [];
  if (plan.loraPositions.length > 0) {
    const config = {
      peft_type: 'LORA',
      task_type: 'SEQ_2_SEQ_LM',
      base_model_name_or_path: opts.baseModel,
      r: plan.loraRank,
      lora_alpha: plan.loraScale * plan.loraRank,
      lora_dropout: 0.0,
      target_modules: peftTargetModules(plan),
      bias: 'none',
      fan_in_fan_out: false,
      inference_mode: true,
      modules_to_save: null,
    };
    const cfgPath = join(opts.outDir, 'adapter_config.json');
    await writeFileAtomic(cfgPath, JSON.stringify(config, null, 2) + '\n');
    const weights = join(opts.outDir, 'adapter_model.safetensors');
    await writeSafetensors(weights, peftLoraTensors(modules), { format: 'pt', hyperloader_task: opts.task });
    written.push(cfgPath, weights);
  }
  const plain: HostTensors = { ...(opts.layerNorms ?? {}) };
  for (const stack of STACKS) {
    modules[stack].forEach((layer, i) => {
      for (const [pos, w] of Object.entries(layer.adapters)) {
        if (!w) continue;
        // The authors' layouts: W_down [m, d], W_up [d, m]; F.linear semantics.
        const p = `${stack}.block.${i}.${pos}`;
        plain[`${p}.down.weight`] = host(w.down, true);
        plain[`${p}.down.bias`] = host(w.downBias, false);
        plain[`${p}.up.weight`] = host(w.up, true);
        plain[`${p}.up.bias`] = host(w.upBias, false);
        plain[`${p}.layer_norm.weight`] = host(w.gamma, false);
        plain[`${p}.layer_norm.bias`] = host(w.beta, false);
      }
    });
  }
  if (Object.keys(plain).length > 0) {
    const file = join(opts.outDir, 'adapters.safetensors');
    await writeSafetensors(file, plain, {
      format: 'pt',
      hyperloader_task: opts.task,
      adapter: 'y = LayerNorm(up(gelu_tanh(down(x))); eps=1e-5) + x, after the self-attention output and the FFN output, before the residual',
    });
    written.push(file);
  }
  return written;
}
