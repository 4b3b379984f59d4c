/** The T5 backbone: config, parameters, checkpoints, forward pass, loss and greedy decoding. */
export { t5ConfigFromJson, t5ConfigFromShape, t5ConfigToJson, type T5Config, type FeedForwardProj } from './config.js';
export {
  t5ParamSpecs,
  t5ParamCount,
  initT5Params,
  names as t5Names,
  LEGACY_CROSS_BIAS,
  type ParamSpec,
  type SpecOptions,
  type Stack,
} from './params.js';
export { T5Model, type T5ModelOptions } from './t5-model.js';
export { loadT5Checkpoint, readT5Config, t5ModelFromTensors, t5StateDict, saveT5Checkpoint, type LoadOptions } from './checkpoint.js';
export { encode, decode, decodeHidden, type ForwardOptions } from './forward.js';
export type { T5Hooks, ProjectionSite, SublayerSite } from './hooks.js';
export { seq2seqLoss, type LossOptions } from './loss.js';
export { greedyGenerate, greedyGenerateUncached, type GenerateOptions } from './generate.js';
export { linear, matMul2d, TransposeCache, type OpOptions } from './linear.js';
export { embeddingLookup, rmsNorm, geluNew, DropoutStream } from './ops.js';
