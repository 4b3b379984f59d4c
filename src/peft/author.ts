/**
 * Interoperability with the paper authors' PyTorch code (jgermanob/hyperformer): their state dict
 * uses the same names as ours for every hypernetwork parameter (./author-names.ts), with nn.Linear
 * weights stored [out, in]; ours are [in, out]. Embedding tables, LayerNorms and task embeddings
 * have the same layout in both.
 */
import { HyperloaderError } from '../errors.js';
import type { ParamSpec } from './specs.js';
import { isEmbeddingTable } from './author-names.js';

export interface HostTensor {
  shape: number[];
  data: Float32Array;
}

/** Embedding tables are [rows, dim] in PyTorch too; every other 2-D hypernetwork weight is a Linear. */
function isLinearWeight(spec: ParamSpec): boolean {
  return spec.shape.length === 2 && !isEmbeddingTable(spec.name);
}

function transpose2d(t: HostTensor): HostTensor {
  const [rows, cols] = t.shape;
  const out = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = t.data[i * cols + j];
  return { shape: [cols, rows], data: out };
}

/**
 * Picks and converts the PEFT parameters of `specs` from an author state dict. Every spec must be
 * present with the PyTorch shape; anything missing or misshapen is an error naming the tensor.
 */
export function peftParamsFromAuthor(state: ReadonlyMap<string, HostTensor>, specs: ParamSpec[], file: string): Map<string, HostTensor> {
  const out = new Map<string, HostTensor>();
  const problems: string[] = [];
  for (const spec of specs) {
    const t = state.get(spec.name);
    const linear = isLinearWeight(spec);
    const expected = linear ? [spec.shape[1], spec.shape[0]] : spec.shape;
    if (!t) {
      problems.push(`missing tensor ${spec.name} (expected shape [${expected.join(', ')}])`);
      continue;
    }
    if (t.shape.join() !== expected.join()) {
      problems.push(`tensor ${spec.name} has shape [${t.shape.join(', ')}], expected [${expected.join(', ')}]`);
      continue;
    }
    out.set(spec.name, linear ? transpose2d(t) : { shape: [...t.shape], data: t.data });
  }
  if (problems.length > 0) {
    throw new HyperloaderError(
      `${file}: not a HyperLoader state dict for this configuration:\n  ${problems.join('\n  ')}\n` +
        'Check that peft.* (variant, lora.rank, adapter.reduction_factor, hypernetwork sizes) and data.tasks match the run that saved it.',
      { exitCode: 2 },
    );
  }
  return out;
}
