"""Next-token cross-entropy over a large vocabulary without storing the logits.

A tiny model's pretraining step on a 4,096-word toy is mostly its output layer: transformers'
loss materialises (tokens x vocabulary) logits, their log-softmax and both gradients. Here
each chunk of positions has its logits computed, reduced to a log-sum-exp, and dropped; the
backward pass recomputes them chunk by chunk. Same loss and gradients to float rounding,
1.4-1.5x faster a step at 4,096 words on one CPU thread (bench/measured/pretrain_step.txt).

`workers` > 1 spreads the chunks over threads, each running single-threaded torch ops (which
release the GIL), while every sum keeps its one order: the chunk losses are added in chunk
order and the output layer's gradient is accumulated chunk by chunk in two fixed halves of
its rows. So the arithmetic does not depend on `workers`: one and two give the same bits,
where torch's own intra-op threads would change them (bench/measured/pretrain_workers.txt).
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import torch

_POOLS: dict[int, ThreadPoolExecutor] = {}
os.register_at_fork(after_in_child=_POOLS.clear)  # a forked child has the pools but not their threads
GROUP = 32  # chunks whose softmax two workers hold at once in backward: bounds memory, ~8 % faster than 8


def _map(workers, f, items):
    if workers <= 1:
        return [f(i) for i in items]
    if workers not in _POOLS:
        _POOLS[workers] = ThreadPoolExecutor(workers, thread_name_prefix="chunked_ce",
                                             initializer=torch.set_num_threads, initargs=(1,))
    return list(_POOLS[workers].map(f, items))


class _ChunkedCE(torch.autograd.Function):
    @staticmethod
    def forward(ctx, h, w, y, chunk, workers):
        @torch.no_grad()  # grad mode is per thread: the pool's threads would record a graph
        def part(i):
            z = h[i:i + chunk] @ w.T
            lse = torch.logsumexp(z, 1)
            return (lse - z.gather(1, y[i:i + chunk, None])[:, 0]).sum(), lse

        parts = _map(workers, part, range(0, len(y), chunk))
        total = h.new_zeros(())
        for loss, _ in parts:  # in chunk order, whoever computed them
            total += loss
        ctx.save_for_backward(h, w, y, torch.cat([lse for _, lse in parts]))
        ctx.chunk, ctx.workers = chunk, workers
        return total / len(y)

    @staticmethod
    def backward(ctx, g):
        h, w, y, lse = ctx.saved_tensors
        n, scale = ctx.chunk, g / len(y)
        gh, gw = torch.empty_like(h), torch.zeros_like(w)
        half = (len(w) // 2 + 15) // 16 * 16
        rows = [slice(0, half), slice(half, None)]
        starts = list(range(0, len(y), n))

        @torch.no_grad()
        def softmax_grad(i):
            p = torch.exp(h[i:i + n] @ w.T - lse[i:i + n, None])  # softmax, recomputed
            p[torch.arange(len(p)), y[i:i + n]] -= 1
            p *= scale
            gh[i:i + n] = p @ w
            return p

        @torch.no_grad()
        def accumulate(r, group, ps):  # one half of the rows, chunk after chunk
            for i, p in zip(group, ps):
                gw[r].addmm_(p[:, r].T, h[i:i + n])

        size = GROUP if ctx.workers > 1 else 1  # one worker: each chunk's softmax while it is in cache
        for j in range(0, len(starts), size):
            group = starts[j:j + size]
            ps = _map(ctx.workers, softmax_grad, group)
            _map(ctx.workers, partial(accumulate, group=group, ps=ps), rows)
        return gh, gw, None, None, None


def lm_loss(model, x: torch.Tensor, chunk: int, workers: int = 1) -> torch.Tensor:
    """`model(input_ids=x, labels=x).loss` of a transformers causal LM (no padding, no output
    bias), computed in chunks of `chunk` positions by `workers` threads (the same bits for any
    number of them)."""
    h = model.base_model(input_ids=x).last_hidden_state[:, :-1].reshape(-1, model.config.hidden_size)
    return _ChunkedCE.apply(h, model.get_output_embeddings().weight, x[:, 1:].reshape(-1), chunk, workers)
