#!/usr/bin/env python3
"""The PyTorch side of `npm run bench:compare` (issue 14): the same T5 shape and the same work as
`npm run bench:t5` (scripts/bench-t5.ts), in plain PyTorch (eager, CPU), so the two can be timed
side by side on one machine.

Shapes: tiny (vocab 1024, d_model 64, d_kv 16, d_ff 128, 2+2 layers, 4 heads) and small (the
t5-small shape: vocab 32128, d_model 512, d_kv 64, d_ff 2048, 6+6 layers, 8 heads); T5 v1.0 (ReLU
feed-forward, tied embeddings scaled by d_model^-0.5 before the LM head, relative position buckets
32 / max distance 128), dropout 0.1 in training. Batch 8 x 64 source / 32 target tokens of random
ids; label-smoothed (0.1) summed cross-entropy; AdamW (betas 0.9/0.999, eps 1e-8, no weight decay).

Groups (one per invocation, like bench-t5's child processes):
  forward       forward + loss, no gradients
  train-full    loss + backward + AdamW, every weight trainable
  train-frozen  the same with only the RMSNorm scales trainable (the frozen backbone)
  train-hyperloader  HyperLoader on the frozen backbone (SPEC §2-3): each step the two
                hypernetworks generate every adapter and LoRA factor for the batch's task, then
                loss + backward + global-norm clipping (1.0) + AdamW over the task embeddings,
                hypernetworks and RMSNorm scales; bottleneck d_model/32, LoRA rank 8 on self q, v
                and cross q, v
  decode        greedy decoding of 32 tokens with a key/value cache

    python3 scripts/bench-reference.py --shape small --group train-frozen --steps 3 --threads 2

Prints one line `ROW {json}` with the median wall and process CPU time in ms (after --warmup runs, default 1).
Needs only torch (Debian: python3-torch with libopenblas0-pthread).
"""
import argparse
import json
import math
import statistics
import time

import torch
import torch.nn.functional as F

SHAPES = {
    "tiny": dict(vocab=1024, d_model=64, d_kv=16, d_ff=128, layers=2, heads=4),
    "small": dict(vocab=32128, d_model=512, d_kv=64, d_ff=2048, layers=6, heads=8),
}
BATCH, SRC, TGT = 8, 64, 32
BUCKETS, MAX_DISTANCE, EPS = 32, 128, 1e-6


def bucket(relative, bidirectional):
    """T5's relative position bucket (as in the T5 paper's code)."""
    n = BUCKETS
    ret = torch.zeros_like(relative)
    if bidirectional:
        n //= 2
        ret += (relative > 0).long() * n
        relative = relative.abs()
    else:
        relative = -torch.clamp(relative, max=0)
    exact = n // 2
    small = relative < exact
    large = exact + (
        torch.log(relative.float().clamp(min=1) / exact) / math.log(MAX_DISTANCE / exact) * (n - exact)
    ).long()
    large = torch.clamp(large, max=n - 1)
    return ret + torch.where(small, relative, large)


class RMSNorm(torch.nn.Module):
    def __init__(self, d):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.ones(d))

    def forward(self, x):
        return self.weight * x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + EPS)


class Attention(torch.nn.Module):
    def __init__(self, s, has_bias, bidirectional):
        super().__init__()
        inner = s["heads"] * s["d_kv"]
        self.h, self.dk = s["heads"], s["d_kv"]
        self.q = torch.nn.Linear(s["d_model"], inner, bias=False)
        self.k = torch.nn.Linear(s["d_model"], inner, bias=False)
        self.v = torch.nn.Linear(s["d_model"], inner, bias=False)
        self.o = torch.nn.Linear(inner, s["d_model"], bias=False)
        self.bidirectional = bidirectional
        self.rel = torch.nn.Embedding(BUCKETS, self.h) if has_bias else None
        self.lora_q = self.lora_v = None  # (A [r, d], B [d, r]) set per step by HyperLoader

    def split(self, x):
        b, n, _ = x.shape
        return x.view(b, n, self.h, self.dk).transpose(1, 2)

    def bias(self, qlen, klen, offset=0):
        ctx = torch.arange(offset, offset + qlen)[:, None]
        mem = torch.arange(klen)[None, :]
        return self.rel(bucket(mem - ctx, self.bidirectional)).permute(2, 0, 1)[None]

    @staticmethod
    def lora(x, ab):
        return 0 if ab is None else (x @ ab[0].t()) @ ab[1].t()  # scale alpha / r = 1

    def forward(self, x, kv=None, bias=None, mask=None, past=None):
        q = self.split(self.q(x) + self.lora(x, self.lora_q))
        src = x if kv is None else kv
        if past is not None and kv is not None:
            k, v = past  # cross-attention: keys/values of the encoder output, computed once
        else:
            k, v = self.split(self.k(src)), self.split(self.v(src) + self.lora(src, self.lora_v))
            if past is not None:
                k, v = torch.cat([past[0], k], 2), torch.cat([past[1], v], 2)
        scores = q @ k.transpose(-1, -2)  # T5: no 1/sqrt(d) scaling
        if bias is not None:
            scores = scores + bias
        if mask is not None:
            scores = scores + mask
        w = F.dropout(scores.float().softmax(-1), p=0.1, training=self.training)
        out = (w @ v).transpose(1, 2).reshape(x.shape[0], x.shape[1], -1)
        return self.o(out), (k, v)


class FFN(torch.nn.Module):
    def __init__(self, s):
        super().__init__()
        self.wi = torch.nn.Linear(s["d_model"], s["d_ff"], bias=False)
        self.wo = torch.nn.Linear(s["d_ff"], s["d_model"], bias=False)

    def forward(self, x):
        return self.wo(F.dropout(F.relu(self.wi(x)), p=0.1, training=self.training))


class Block(torch.nn.Module):
    def __init__(self, s, first, decoder):
        super().__init__()
        self.ln_self, self.self_attn = RMSNorm(s["d_model"]), Attention(s, first, not decoder)
        self.decoder = decoder
        if decoder:
            self.ln_cross, self.cross = RMSNorm(s["d_model"]), Attention(s, False, True)
        self.ln_ff, self.ff = RMSNorm(s["d_model"]), FFN(s)
        self.adapter_attn = self.adapter_ffn = None  # generated adapter weights, set per step

    def forward(self, h, bias, enc=None, cross_mask=None, past=None, cross_kv=None):
        drop = lambda t: F.dropout(t, p=0.1, training=self.training)
        a, kv = self.self_attn(self.ln_self(h), bias=bias, past=past)
        h = h + drop(adapter(a, self.adapter_attn))
        if self.decoder:
            c, _ = self.cross(self.ln_cross(h), kv=enc, mask=cross_mask, past=cross_kv)
            h = h + drop(c)
        return h + drop(adapter(self.ff(self.ln_ff(h)), self.adapter_ffn)), kv


def adapter(x, w):
    """SPEC §2: LayerNorm(U·gelu_tanh(D·x + b_D) + b_U; γ, β) + x, or x when no adapter is set."""
    if w is None:
        return x
    down, down_b, up, up_b, gamma, beta = w
    y = F.linear(F.gelu(F.linear(x, down, down_b), approximate="tanh"), up, up_b)
    return F.layer_norm(y, (y.shape[-1],), gamma, beta, 1e-5) + x


class HyperNet(torch.nn.Module):
    """One stack's hypernetwork (SPEC §3): e = LN(W2·ReLU(W1·[z; l_i; p_j])) → linear generators."""

    ADAPTERS = (0, 1)  # positions: FFN adapter, self-attention adapter
    LORA = {"encoder": (2, 3), "decoder": (2, 3, 4, 5)}  # self q, self v, cross q, cross v

    def __init__(self, s, stack, bottleneck, rank):
        super().__init__()
        d, n = s["d_model"], s["layers"]
        self.stack, self.d, self.m, self.r, self.n = stack, d, bottleneck, rank, n
        self.layer = torch.nn.Parameter(torch.randn(n, 64))
        self.position = torch.nn.Parameter(torch.randn(6, 64))
        self.p1, self.p2, self.ln = torch.nn.Linear(192, 128), torch.nn.Linear(128, 64), torch.nn.LayerNorm(64, eps=1e-6)
        self.gens = torch.nn.ModuleDict(dict(down=torch.nn.Linear(64, bottleneck * d), down_b=torch.nn.Linear(64, bottleneck),
                                             up=torch.nn.Linear(64, d * bottleneck), up_b=torch.nn.Linear(64, d),
                                             gamma=torch.nn.Linear(64, d), beta=torch.nn.Linear(64, d)))
        for lin in [self.p1, self.p2, *self.gens.values()]:
            torch.nn.init.normal_(lin.weight, std=0.01)
            torch.nn.init.zeros_(lin.bias)
        self.lora_a = torch.nn.Linear(64, rank * d, bias=False)  # kaiming-uniform(a=√5), PyTorch's default
        self.lora_b = torch.nn.Linear(64, d * rank, bias=False)
        torch.nn.init.zeros_(self.lora_b.weight)

    def embed(self, z, positions):
        """Source embeddings for every (position, layer) row, position-major."""
        layers = torch.arange(self.n).repeat(len(positions))
        pos = torch.tensor(positions).repeat_interleave(self.n)
        x = torch.cat([z.expand(len(layers), -1), self.layer[layers], self.position[pos]], 1)
        return self.ln(self.p2(F.relu(self.p1(x))))

    def install(self, z, blocks):
        """Generates this stack's modules for task embedding z and sets them on the blocks."""
        d, m, r, n = self.d, self.m, self.r, self.n
        e = self.embed(z, self.ADAPTERS)
        g = {k: lin(e) for k, lin in self.gens.items()}
        for j, slot in enumerate(["adapter_ffn", "adapter_attn"]):
            for i, b in enumerate(blocks):
                row = j * n + i
                setattr(b, slot, (g["down"][row].view(m, d), g["down_b"][row], g["up"][row].view(d, m), g["up_b"][row], g["gamma"][row], g["beta"][row]))
        lora = self.LORA[self.stack]
        e = self.embed(z, lora)
        a, bb = self.lora_a(e).view(-1, r, d), self.lora_b(e).view(-1, d, r)
        for j, (attn, which) in enumerate([("self_attn", "lora_q"), ("self_attn", "lora_v"), ("cross", "lora_q"), ("cross", "lora_v")][: len(lora)]):
            for i, b in enumerate(blocks):
                setattr(getattr(b, attn), which, (a[j * n + i], bb[j * n + i]))


class HyperLoader(torch.nn.Module):
    def __init__(self, s, tasks=7, bottleneck=None, rank=8):
        super().__init__()
        m = bottleneck or s["d_model"] // 32
        self.task = torch.nn.Parameter(torch.randn(tasks, 64))
        self.enc, self.dec = HyperNet(s, "encoder", m, rank), HyperNet(s, "decoder", m, rank)

    def install(self, t5, task):
        self.enc.install(self.task[task], t5.enc)
        self.dec.install(self.task[task], t5.dec)


class T5(torch.nn.Module):
    def __init__(self, s):
        super().__init__()
        self.s = s
        self.shared = torch.nn.Embedding(s["vocab"], s["d_model"])
        torch.nn.init.normal_(self.shared.weight, std=1.0)
        self.enc = torch.nn.ModuleList([Block(s, i == 0, False) for i in range(s["layers"])])
        self.dec = torch.nn.ModuleList([Block(s, i == 0, True) for i in range(s["layers"])])
        self.enc_ln, self.dec_ln = RMSNorm(s["d_model"]), RMSNorm(s["d_model"])

    def encode(self, ids, mask):
        ext = (1.0 - mask[:, None, None, :].float()) * -1e9
        h = F.dropout(self.shared(ids), p=0.1, training=self.training)
        bias = self.enc[0].self_attn.bias(ids.shape[1], ids.shape[1]) + ext
        for b in self.enc:
            h, _ = b(h, bias)
        return F.dropout(self.enc_ln(h), p=0.1, training=self.training), ext

    def logits(self, h):
        return F.linear(F.dropout(self.dec_ln(h), p=0.1, training=self.training) * self.s["d_model"] ** -0.5, self.shared.weight)

    def decode(self, dec_ids, enc, ext):
        n = dec_ids.shape[1]
        causal = torch.triu(torch.full((n, n), -1e9), 1)[None, None]
        bias = self.dec[0].self_attn.bias(n, n) + causal
        h = F.dropout(self.shared(dec_ids), p=0.1, training=self.training)
        for b in self.dec:
            h, _ = b(h, bias, enc=enc, cross_mask=ext)
        return self.logits(h)

    @torch.no_grad()
    def greedy(self, ids, mask, steps):
        enc, ext = self.encode(ids, mask)
        cross = [(b.cross.split(b.cross.k(enc)), b.cross.split(b.cross.v(enc))) for b in self.dec]
        cur = torch.zeros(ids.shape[0], 1, dtype=torch.long)
        past = [None] * len(self.dec)
        out = []
        for t in range(steps):
            bias = self.dec[0].self_attn.bias(1, t + 1, offset=t)
            h = self.shared(cur)
            for i, b in enumerate(self.dec):
                a, kv = b.self_attn(b.ln_self(h), bias=bias, past=past[i] if past[i] is not None else (
                    torch.zeros(ids.shape[0], b.self_attn.h, 0, b.self_attn.dk),) * 2)
                past[i] = kv
                h = h + a
                c, _ = b.cross(b.ln_cross(h), kv=enc, mask=ext, past=cross[i])
                h = h + c
                h = h + b.ff(b.ln_ff(h))
            cur = self.logits(h).argmax(-1)
            out.append(cur)
        return torch.cat(out, 1)


def loss_of(model, ids, mask, dec, labels):
    enc, ext = model.encode(ids, mask)
    logits = model.decode(dec, enc, ext)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1), label_smoothing=0.1, reduction="sum")


def timed(n, f, warmup=1):
    for w in range(max(1, warmup)):
        f(1000 + w)
    walls, cpus = [], []
    for i in range(1, n + 1):
        c0, t0 = time.process_time(), time.perf_counter()
        f(i)
        walls.append((time.perf_counter() - t0) * 1000)
        cpus.append((time.process_time() - c0) * 1000)
    return statistics.median(walls), statistics.median(cpus)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--shape", choices=SHAPES, default="small")
    p.add_argument("--group", choices=["forward", "train-full", "train-frozen", "train-hyperloader", "decode"], required=True)
    p.add_argument("--steps", type=int, default=3)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--decode-tokens", type=int, default=32)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    s = SHAPES[a.shape]
    model = T5(s)
    ids = torch.randint(2, s["vocab"], (BATCH, SRC))
    mask = torch.ones(BATCH, SRC, dtype=torch.long)
    dec = torch.randint(2, s["vocab"], (BATCH, TGT))
    labels = torch.randint(2, s["vocab"], (BATCH, TGT))
    tokens = BATCH * (SRC + TGT)
    if a.group == "forward":
        model.eval()

        def f(_):
            with torch.no_grad():
                loss_of(model, ids, mask, dec, labels).item()

        what = "forward + loss"
    elif a.group in ("train-full", "train-frozen"):
        model.train()
        for name, prm in model.named_parameters():
            prm.requires_grad_(a.group == "train-full" or isinstance(dict(model.named_modules()).get(name.rsplit(".", 1)[0]), RMSNorm))
        opt = torch.optim.AdamW([q for q in model.parameters() if q.requires_grad], lr=1e-4, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)

        def f(_):
            opt.zero_grad(set_to_none=True)
            loss = loss_of(model, ids, mask, dec, labels)
            loss.backward()
            opt.step()
            loss.item()

        what = "train step, all weights" if a.group == "train-full" else "train step, frozen backbone"
    elif a.group == "train-hyperloader":
        model.train()
        for name, prm in model.named_parameters():
            prm.requires_grad_(isinstance(dict(model.named_modules()).get(name.rsplit(".", 1)[0]), RMSNorm))
        hyper = HyperLoader(s)
        params = [q for q in [*model.parameters(), *hyper.parameters()] if q.requires_grad]
        opt = torch.optim.AdamW(params, lr=1e-4, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)

        def f(_):
            opt.zero_grad(set_to_none=True)
            hyper.install(model, 0)  # inside the step: the generators get gradients
            loss = loss_of(model, ids, mask, dec, labels)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            loss.item()

        what = "train step, HyperLoader on the frozen backbone"
        trainable_extra = sum(q.numel() for q in hyper.parameters())
    else:
        model.eval()
        tokens = BATCH * a.decode_tokens

        def f(_):
            model.greedy(ids, mask, a.decode_tokens)

        what = f"greedy {a.decode_tokens} tokens, kv cache"
    n = max(1, min(a.steps, 2)) if a.group == "decode" else a.steps
    ms, cpu = timed(n, f, a.warmup)
    trainable = sum(q.numel() for q in model.parameters() if q.requires_grad) + (trainable_extra if a.group == "train-hyperloader" else 0)
    print("ROW " + json.dumps(dict(backend=f"pytorch {torch.__version__}", config=a.shape, what=what, ms=ms, cpuMs=cpu, tokensPerS=tokens / ms * 1000,
                                   note=f"threads {torch.get_num_threads()}, trainable {trainable}")), flush=True)


if __name__ == "__main__":
    main()
