/**
 * Every parameter a PEFT plan adds: name, shape, initialiser and component, computed from shapes
 * alone (the `params` command and checkpoints use this without allocating anything).
 *
 * Hypernetwork names are the paper authors' state-dict keys (./author-names.ts, the one place that
 * spells them) so their checkpoints load by name; linear weights are stored [in, out] here (theirs are [out, in]) so the forward
 * pass is a plain x·W.
 */
import type { PeftPlan, Position, Stack } from './config.js';
import { STACKS } from './config.js';
import {
  adapterGeneratorName,
  layerEmbeddingName,
  loraGeneratorName,
  positionEmbeddingName,
  projectorNormName,
  taskEmbeddingName,
  taskProjectorName,
} from './author-names.js';

export type Init =
  | { kind: 'normal'; std: number }
  | { kind: 'zeros' }
  | { kind: 'ones' }
  | { kind: 'uniform'; limit: number };

export interface ParamSpec {
  name: string;
  shape: number[];
  init: Init;
  /** The row of the `params` table this parameter is counted in. */
  component: string;
}

const N01: Init = { kind: 'normal', std: 1 };
const GEN: Init = { kind: 'normal', std: 0.01 };
const ZEROS: Init = { kind: 'zeros' };

/** Width of the task projector's input: the concatenation [z_τ; l_i; p_j] minus what the conditioning leaves out. */
export function projectorInputDim(plan: PeftPlan): number {
  let d = plan.taskEmbeddingDim;
  if (plan.conditioning !== 'task') d += plan.layerEmbeddingDim;
  if (plan.conditioning === 'task+layer+position') d += plan.positionEmbeddingDim;
  return d;
}

function linear(name: string, inDim: number, outDim: number, w: Init, bias: boolean, component: string): ParamSpec[] {
  const out: ParamSpec[] = [{ name: `${name}.weight`, shape: [inDim, outDim], init: w, component }];
  if (bias) out.push({ name: `${name}.bias`, shape: [outDim], init: ZEROS, component });
  return out;
}

export function hypernetworkSpecs(plan: PeftPlan, stack: Stack): ParamSpec[] {
  const c = (what: string) => `${stack} ${what}`;
  const d = plan.dModel;
  const e = plan.projectedDim;
  const specs: ParamSpec[] = [];
  if (plan.conditioning !== 'task') {
    specs.push({ name: layerEmbeddingName(stack), shape: [plan.layers[stack], plan.layerEmbeddingDim], init: N01, component: c('layer-id embedding') });
  }
  if (plan.conditioning === 'task+layer+position') {
    specs.push({ name: positionEmbeddingName(stack), shape: [plan.embeddedPositions.length, plan.positionEmbeddingDim], init: N01, component: c('position embedding') });
  }
  specs.push(
    ...linear(taskProjectorName(stack, 'hidden'), projectorInputDim(plan), plan.projectorHiddenDim, GEN, true, c('task projector')),
    ...linear(taskProjectorName(stack, 'out'), plan.projectorHiddenDim, e, GEN, true, c('task projector')),
    { name: projectorNormName(stack, 'weight'), shape: [e], init: { kind: 'ones' }, component: c('task projector LayerNorm') },
    { name: projectorNormName(stack, 'bias'), shape: [e], init: ZEROS, component: c('task projector LayerNorm') },
  );
  if (plan.adapterPositions.length > 0) {
    const m = plan.bottleneck;
    specs.push(
      ...linear(adapterGeneratorName(stack, 'up'), e, d * m, GEN, true, c('adapter up generator')),
      ...linear(adapterGeneratorName(stack, 'up_bias'), e, d, GEN, true, c('adapter up generator')),
      ...linear(adapterGeneratorName(stack, 'down'), e, m * d, GEN, true, c('adapter down generator')),
      ...linear(adapterGeneratorName(stack, 'down_bias'), e, m, GEN, true, c('adapter down generator')),
      // Generated LayerNorm γ and β start near 0 with these inits, so each adapter starts ≈ identity (SPEC §3).
      ...linear(adapterGeneratorName(stack, 'ln_gamma'), e, d, GEN, true, c('adapter LayerNorm generator')),
      ...linear(adapterGeneratorName(stack, 'ln_beta'), e, d, GEN, true, c('adapter LayerNorm generator')),
    );
  }
  if (plan.loraPositions.length > 0) {
    const r = plan.loraRank;
    // kaiming_uniform(a=√5) on a fan-in of e gives U(−1/√e, 1/√e); B starts at zero so LoRA starts at exactly 0.
    const aInit: Init = { kind: 'uniform', limit: 1 / Math.sqrt(e) };
    // The author's separate-generator variant keeps four pairs in both stacks (the encoder's cross pairs unused).
    const owners: (Position | null)[] = plan.separateLoraGenerators
      ? (['lora_self_q', 'lora_self_v', 'lora_cross_q', 'lora_cross_v'] as Position[]).filter((q) => plan.embeddedPositions.includes(q))
      : [null];
    for (const owner of owners) {
      specs.push({ name: `${loraGeneratorName(stack, 'a', owner)}.weight`, shape: [e, r * d], init: aInit, component: c('LoRA A generator') });
      specs.push({ name: `${loraGeneratorName(stack, 'b', owner)}.weight`, shape: [e, plan.inner * r], init: ZEROS, component: c('LoRA B generator') });
    }
  }
  return specs;
}

/** Directly-trained module weights for the `static` (per task) and `shared` baselines. */
export const staticPrefix = (owner: string, stack: Stack, layer: number, position: Position) =>
  `peft.${owner}.${stack}.${layer}.${position}`;

function staticSpecs(plan: PeftPlan, owner: string): ParamSpec[] {
  const specs: ParamSpec[] = [];
  const d = plan.dModel;
  const m = plan.bottleneck;
  const r = plan.loraRank;
  for (const stack of STACKS) {
    for (let layer = 0; layer < plan.layers[stack]; layer++) {
      for (const pos of plan.adapterPositions) {
        const p = staticPrefix(owner, stack, layer, pos);
        const comp = `${stack} adapters (${plan.source})`;
        specs.push(
          { name: `${p}.down`, shape: [d, m], init: GEN, component: comp },
          { name: `${p}.down_bias`, shape: [m], init: ZEROS, component: comp },
          { name: `${p}.up`, shape: [m, d], init: GEN, component: comp },
          { name: `${p}.up_bias`, shape: [d], init: ZEROS, component: comp },
          // γ = 1, β = 0: the authors' baseline without a hypernetwork is HyperFormer's
          // AdapterController, whose post-adapter LayerNorm is a torch.nn.LayerNorm with PyTorch's
          // default init. So a static adapter does NOT start near the identity (LN output has unit
          // variance) while a generated one does (γ ≈ 0); kept, to compare with the baseline the
          // paper compares with. A near-identity static start would be γ = 0 here.
          { name: `${p}.ln_gamma`, shape: [d], init: { kind: 'ones' }, component: comp },
          { name: `${p}.ln_beta`, shape: [d], init: ZEROS, component: comp },
        );
      }
      const lora = stack === 'encoder' ? plan.loraPositions.filter((q) => !q.startsWith('lora_cross')) : plan.loraPositions;
      for (const pos of lora) {
        const p = staticPrefix(owner, stack, layer, pos);
        const comp = `${stack} LoRA (${plan.source})`;
        specs.push(
          { name: `${p}.lora_A`, shape: [d, r], init: { kind: 'uniform', limit: 1 / Math.sqrt(d) }, component: comp },
          { name: `${p}.lora_B`, shape: [r, plan.inner], init: ZEROS, component: comp },
        );
      }
    }
  }
  return specs;
}

/** Every parameter the plan adds to the backbone (all of them trainable). */
export function peftParamSpecs(plan: PeftPlan): ParamSpec[] {
  switch (plan.source) {
    case 'none':
      return [];
    case 'static':
      return plan.tasks.flatMap((t) => staticSpecs(plan, `task.${t}`));
    case 'shared':
      return staticSpecs(plan, 'shared');
    case 'hypernetwork':
      return [
        ...plan.tasks.map((t): ParamSpec => ({ name: taskEmbeddingName(t), shape: [plan.taskEmbeddingDim], init: N01, component: 'task embeddings' })),
        ...STACKS.flatMap((s) => hypernetworkSpecs(plan, s)),
      ];
  }
}

export const numel = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
