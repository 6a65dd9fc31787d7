"""Forward + backward time and peak memory of the Qin et al. fusion blocks as width and length grow.

    OMP_NUM_THREADS=1 python benchmarks/fusion_blocks.py            # writes benchmarks/results/fusion_blocks.json
    OMP_NUM_THREADS=1 python benchmarks/fusion_blocks.py --quick    # fewer repeats: a check that it runs
    python benchmarks/fusion_blocks.py --device cuda

Two modalities of random tokens ``(batch, L, d)``, all present. Blocks: ``step_fusion`` at full
length (``n_tokens=None``: the SF attention is ``L x L``, like the cross-attention's), ``step_fusion``
with its default resampling to 8 tokens (``step_fusion_n8``), ``lmf``, ``mult_cross_attention`` and
``concat`` (reference). Two sweeps: width ``d`` in (32, 64, 128, 256) at ``L = 64``, and length ``L``
in (16, 64, 256) at ``d = 64``. Time: median over ``--repeats`` forward + backward passes after
``--warmup``. Memory: on CUDA the allocator's peak above what was allocated before the pass
(:func:`torch.cuda.max_memory_allocated`); on CPU the peak of the torch profiler's allocation
timeline (net allocations of each operator, in order) over the same pass. ``activation_mb`` (bytes
autograd saves for backward, as in :mod:`fusionlab.throughput`) is reported on both. Ratios are to
``step_fusion`` measured in the same run.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import time
from pathlib import Path

import pandas as pd
import torch
from torch.profiler import ProfilerActivity, profile

import fusionlab as fl
from fusionlab.models.zoo import example_tokens

BLOCKS = {"step_fusion": ("step_fusion", {"n_tokens": None}), "step_fusion_n8": ("step_fusion", {}),
          "lmf": ("lmf", {}), "mult_cross_attention": ("mult_cross_attention", {}), "concat": ("concat", {})}
MODALITIES = ["image", "series"]
REFERENCE = "step_fusion"


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def fwd_bwd(block, tokens, mask) -> None:
    block.zero_grad(set_to_none=True)
    block(tokens, mask).square().mean().backward()


def activation_bytes(block, tokens, mask) -> int:
    """Bytes of the tensors autograd saves for backward (each storage counted once)."""
    seen: dict[int, int] = {}

    def pack(t: torch.Tensor) -> torch.Tensor:
        seen[t.untyped_storage().data_ptr()] = t.untyped_storage().nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        out = block(tokens, mask).square().mean()
    out.backward()
    block.zero_grad(set_to_none=True)
    return sum(seen.values())


def peak_bytes(block, tokens, mask, device: torch.device) -> int:
    """Peak memory of one forward + backward above the memory in use before it."""
    if device.type == "cuda":
        _sync(device)
        torch.cuda.reset_peak_memory_stats(device)
        before = torch.cuda.memory_allocated(device)
        fwd_bwd(block, tokens, mask)
        _sync(device)
        return torch.cuda.max_memory_allocated(device) - before
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        fwd_bwd(block, tokens, mask)
    events = sorted(prof.events(), key=lambda e: e.time_range.start)
    return max(0, *itertools.accumulate(e.self_cpu_memory_usage for e in events))


def measure(name: str, d_model: int, length: int, *, batch: int, repeats: int, warmup: int,
            device: torch.device) -> dict:
    registered, kwargs = BLOCKS[name]
    torch.manual_seed(0)
    block = fl.create_model(registered, MODALITIES, d_model, **kwargs).to(device).train()
    tokens = {m: t.to(device) for m, t in example_tokens(MODALITIES, d_model, batch, lengths=[length, length]).items()}
    mask = torch.ones(batch, len(MODALITIES), dtype=torch.bool, device=device)
    for _ in range(warmup):
        fwd_bwd(block, tokens, mask)
    times = []
    for _ in range(repeats):
        _sync(device)
        start = time.perf_counter()
        fwd_bwd(block, tokens, mask)
        _sync(device)
        times.append(time.perf_counter() - start)
    return {"block": name, "registered": registered, "kwargs": dict(kwargs),
            "d_model": d_model, "n_tokens": length, "batch_size": batch, "parameters": fl.count_parameters(block),
            "fwd_bwd_ms": 1e3 * statistics.median(times), "fwd_bwd_ms_min": 1e3 * min(times),
            "peak_mb": peak_bytes(block, tokens, mask, device) / 2**20,
            "activation_mb": activation_bytes(block, tokens, mask) / 2**20}


def add_ratios(rows: list[dict]) -> None:
    for row in rows:
        ref = next(r for r in rows if r["block"] == REFERENCE and r["sweep"] == row["sweep"]
                   and r["d_model"] == row["d_model"] and r["n_tokens"] == row["n_tokens"])
        row["time_vs_sf"] = row["fwd_bwd_ms"] / ref["fwd_bwd_ms"]
        row["peak_memory_vs_sf"] = row["peak_mb"] / ref["peak_mb"] if ref["peak_mb"] else None
        row["parameters_vs_sf"] = row["parameters"] / ref["parameters"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto", help="auto, cpu or cuda")
    parser.add_argument("--quick", action="store_true", help="2 repeats, 1 warm-up, batch 8")
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--warmup", type=int, default=None)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("results") / "fusion_blocks.json")
    args = parser.parse_args()
    device = fl.repro.get_device(args.device)
    batch = args.batch_size or (8 if args.quick else 32)
    repeats = args.repeats or (2 if args.quick else 7)
    warmup = args.warmup if args.warmup is not None else (1 if args.quick else 2)
    sweeps = {"width": [(d, 64) for d in (32, 64, 128, 256)], "length": [(64, n) for n in (16, 64, 256)]}
    rows = []
    for sweep, points in sweeps.items():
        for d_model, length in points:
            for name in BLOCKS:
                row = {"sweep": sweep, **measure(name, d_model, length, batch=batch, repeats=repeats, warmup=warmup,
                                                 device=device)}
                rows.append(row)
                print(f"{sweep:<6} d={d_model:<4} L={length:<4} {name:<22} {row['fwd_bwd_ms']:9.2f} ms "
                      f"{row['peak_mb']:8.2f} MB peak {row['parameters']:>9} params", flush=True)
    add_ratios(rows)
    table = pd.DataFrame(rows)
    for sweep, axis in (("width", "d_model"), ("length", "n_tokens")):
        part = table[table["sweep"] == sweep]
        for value in ("time_vs_sf", "peak_memory_vs_sf"):
            print(f"\n{value} ({sweep} sweep)\n" + part.pivot(index="block", columns=axis, values=value)
                  .loc[list(BLOCKS)].round(2).to_string())
    memory = ("torch.cuda.max_memory_allocated above the allocation before the pass" if device.type == "cuda"
              else "peak of the torch profiler's per-operator net allocation timeline (CPU)")
    results = {"benchmark": "fusion_blocks", "quick": args.quick, "device": str(device), "batch_size": batch,
               "repeats": repeats, "warmup": warmup, "threads": torch.get_num_threads(),
               "omp_num_threads": os.environ.get("OMP_NUM_THREADS"), "memory_method": memory,
               "reference": REFERENCE, "modalities": MODALITIES, "env": fl.repro.env_info(), "rows": rows}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text(json.dumps(results, indent=1) + "\n")
    tmp.replace(args.out)
    print("wrote", args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
