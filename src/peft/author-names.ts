/**
 * The one place that knows the paper authors' state-dict key names (jgermanob/hyperformer on
 * transformers 3.5). Our hypernetwork parameters are stored under exactly these names, so the
 * authors' checkpoints load by name and ours stay loadable by their code; everything else in
 * src/ asks for a parameter by what the paper calls it. Some of their names say something else:
 *
 *   paper (SPEC §2)                      their key
 *   task embedding z_τ                   task_embedding_controller.task_to_embeddings.<task>
 *   layer embedding l_i                  <stack>.adapter_layers_hyper_net.layer_id_embeddings
 *   position embedding p_j               <stack>.adapter_layers_hyper_net.adapters_block_type
 *   task projector h (2-layer MLP)       <stack>.adapter_layers_hyper_net.task_hypernet.task_embeding_generator.{0,2}
 *   projector LayerNorm                  <stack>.adapter_layers_hyper_net.LayerNorm
 *   adapter generators W_down, W_up      …down_sampler_hyper_net / up_sampler_hyper_net (weight_generator.0, bias_generator.0)
 *   adapter LayerNorm generators         …post_layernorm_hypernet.{weight,bias}_generator
 *   LoRA generators A, B                 …lora_{a,b}_hyper_net[.<position>].weight_generator.0 (no bias)
 */
import type { Position, Stack } from './config.js';

/** A generator or projector linear: `<name>.weight` (+ `<name>.bias`). */
export type LinearName = string;

export const taskEmbeddingName = (task: string) => `task_embedding_controller.task_to_embeddings.${task}`;
export const hyperPrefix = (stack: Stack) => `${stack}.adapter_layers_hyper_net`;

export const layerEmbeddingName = (stack: Stack) => `${hyperPrefix(stack)}.layer_id_embeddings.weight`;
export const positionEmbeddingName = (stack: Stack) => `${hyperPrefix(stack)}.adapters_block_type.weight`;
/** The task projector's two linears: the hidden layer (before ReLU) and the output layer. */
export const taskProjectorName = (stack: Stack, layer: 'hidden' | 'out'): LinearName =>
  `${hyperPrefix(stack)}.task_hypernet.task_embeding_generator.${layer === 'hidden' ? 0 : 2}`;
export const projectorNormName = (stack: Stack, which: 'weight' | 'bias') => `${hyperPrefix(stack)}.LayerNorm.${which}`;

/** The adapter generators: W_down / W_up (weight and bias), and the adapter LayerNorm's γ / β. */
export function adapterGeneratorName(stack: Stack, what: 'down' | 'down_bias' | 'up' | 'up_bias' | 'ln_gamma' | 'ln_beta'): LinearName {
  const p = hyperPrefix(stack);
  switch (what) {
    case 'down':
      return `${p}.down_sampler_hyper_net.weight_generator.0`;
    case 'down_bias':
      return `${p}.down_sampler_hyper_net.bias_generator.0`;
    case 'up':
      return `${p}.up_sampler_hyper_net.weight_generator.0`;
    case 'up_bias':
      return `${p}.up_sampler_hyper_net.bias_generator.0`;
    case 'ln_gamma':
      return `${p}.post_layernorm_hypernet.weight_generator`;
    case 'ln_beta':
      return `${p}.post_layernorm_hypernet.bias_generator`;
  }
}

/** The LoRA generators (bias-free linears): one shared pair (the paper), or one pair per position. */
export function loraGeneratorName(stack: Stack, which: 'a' | 'b', position: Position | null): LinearName {
  const suffix = position === null ? '' : `.${position}`;
  return `${hyperPrefix(stack)}.lora_${which}_hyper_net${suffix}.weight_generator.0`;
}

/** Embedding tables are [rows, dim] in PyTorch as here; the authors' other 2-D tensors are nn.Linear [out, in]. */
export function isEmbeddingTable(name: string): boolean {
  return (['encoder', 'decoder'] as Stack[]).some((s) => name === layerEmbeddingName(s) || name === positionEmbeddingName(s));
}
