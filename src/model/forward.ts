/**
 * The full (teacher-forced) T5 forward pass: encode a source batch, decode a target batch to
 * logits. Activations stay 2-D [batch·positions, d_model] between sublayers so every projection
 * is one plain matMul.
 */
import * as tf from '@tensorflow/tfjs';
import {
  crossAttention,
  crossKV,
  feedForward,
  finalNorm,
  lmHead,
  makeCtx,
  selfAttention,
  drop,
  type Ctx,
  type ForwardOptions,
} from './blocks.js';
import { embeddingLookup } from './ops.js';
import { names, LEGACY_CROSS_BIAS } from './params.js';
import { causalMask, paddingMask, positionBias } from './position-bias.js';
import type { T5Model } from './t5-model.js';

export type { ForwardOptions } from './blocks.js';

/** Seed offsets so the encoder and decoder draw different dropout masks from one dropoutSeed. */
const ENCODER_STREAM = 1;
const DECODER_STREAM = 2;

function embed(ctx: Ctx, ids: tf.Tensor2D): tf.Tensor2D {
  const flat = tf.reshape(tf.cast(ids, 'int32'), [-1]) as tf.Tensor1D;
  const table = ctx.model.p(names.shared) as unknown as tf.Tensor2D;
  return drop(ctx, embeddingLookup(table, flat, { naive: ctx.opts.naive }));
}

/** Encoder: input ids [B, S] and 0/1 attention mask [B, S] → final hidden states [B, S, d_model]. */
export function encode(model: T5Model, inputIds: tf.Tensor2D, attentionMask: tf.Tensor2D, opts: ForwardOptions = {}): tf.Tensor3D {
  return tf.tidy(() => {
    const [b, s] = inputIds.shape;
    const ctx = makeCtx(model, opts, b, ENCODER_STREAM);
    const bias = tf.add(
      positionBias(model.p(names.relBias('encoder')) as unknown as tf.Tensor2D, 0, s, s, true, model.cfg.relative_attention_max_distance, opts),
      paddingMask(attentionMask),
    );
    let h = embed(ctx, inputIds);
    for (let i = 0; i < model.cfg.num_layers; i++) {
      h = selfAttention(ctx, h, 'encoder', i, bias).h;
      h = feedForward(ctx, h, 'encoder', i);
    }
    return tf.reshape(finalNorm(ctx, h, 'encoder'), [b, s, model.cfg.d_model]) as tf.Tensor3D;
  });
}

/**
 * Cross-attention bias [B or 1, H, T, S] for decoder positions [tStart, tStart+tLen): the padding
 * mask, plus the legacy (transformers 3.x, bidirectional-bucket) position bias when it is on.
 */
export function crossBias(model: T5Model, encoderMask: tf.Tensor2D, tStart: number, tLen: number, opts: ForwardOptions): tf.Tensor {
  return tf.tidy(() => {
    const mask = paddingMask(encoderMask);
    if (!model.legacyCrossBias) return mask;
    const s = encoderMask.shape[1];
    const table = model.p(LEGACY_CROSS_BIAS) as unknown as tf.Tensor2D;
    return tf.add(positionBias(table, tStart, tLen, s, true, model.cfg.relative_attention_max_distance, opts), mask);
  });
}

/** Decoder states after the final norm, [B·T, d_model], for teacher-forced decoder inputs. */
export function decodeHidden(
  model: T5Model,
  decoderInputIds: tf.Tensor2D,
  encoderHidden: tf.Tensor3D,
  encoderMask: tf.Tensor2D,
  opts: ForwardOptions = {},
): tf.Tensor2D {
  return tf.tidy(() => {
    const [b, t] = decoderInputIds.shape;
    const ctx = makeCtx(model, opts, b, DECODER_STREAM);
    const selfBias = tf.add(
      positionBias(model.p(names.relBias('decoder')) as unknown as tf.Tensor2D, 0, t, t, false, model.cfg.relative_attention_max_distance, opts),
      causalMask(t),
    );
    const xBias = crossBias(model, encoderMask, 0, t, opts);
    const enc2d = tf.reshape(encoderHidden, [-1, model.cfg.d_model]) as tf.Tensor2D;
    let h = embed(ctx, decoderInputIds);
    for (let i = 0; i < model.cfg.num_decoder_layers; i++) {
      h = selfAttention(ctx, h, 'decoder', i, selfBias).h;
      h = crossAttention(ctx, h, i, crossKV(ctx, enc2d, i), xBias);
      h = feedForward(ctx, h, 'decoder', i);
    }
    return finalNorm(ctx, h, 'decoder');
  });
}

/** Decoder: teacher-forced decoder input ids [B, T] → logits [B, T, vocab]. */
export function decode(
  model: T5Model,
  decoderInputIds: tf.Tensor2D,
  encoderHidden: tf.Tensor3D,
  encoderMask: tf.Tensor2D,
  opts: ForwardOptions = {},
): tf.Tensor3D {
  return tf.tidy(() => {
    const [b, t] = decoderInputIds.shape;
    const h = decodeHidden(model, decoderInputIds, encoderHidden, encoderMask, opts);
    // The head has no dropout, so a context without it suffices.
    const logits = lmHead(makeCtx(model, { ...opts, training: false }, b), h);
    return tf.reshape(logits, [b, t, model.cfg.vocab_size]) as tf.Tensor3D;
  });
}
