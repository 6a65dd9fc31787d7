"""Throughput of the Hayes & Sun event encoders (items/s) and the speed-up of the embedding cache.

On ONE CPU thread, for each offline backbone (AST from a small config, all-MiniLM-L6-v2 with its
real weights, ViT from a small config): items per second of a forward pass in batches, and the time
to get the features of the same items again through :class:`EmbeddingCache` (in memory, and from
disk in a fresh cache). Usage::

    python benchmarks/event_encoders.py           # writes benchmarks/results/event_encoders.json
    python benchmarks/event_encoders.py --quick   # fewer items: a check that it runs
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

import fusionlab as fl
from fusionlab.data.events import clinical_notes, render_events, serialize_metadata
from fusionlab.models.encoders.cache import EmbeddingCache
from fusionlab.studies.hayes_sun.sleep_events import default_backbones, eeg_log_mel


def timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def bench_backbone(name: str, backbone, items, batch_size: int) -> dict:
    """Forward throughput, then cache miss (first pass), memory hit and disk hit of the same items."""
    n = len(items)
    with torch.no_grad():
        backbone(items[:2] if isinstance(items, list) else torch.as_tensor(items[:2]))  # warm-up
    with tempfile.TemporaryDirectory() as folder:
        cache = EmbeddingCache(folder)
        miss_s, first = timed(lambda: cache.embed(backbone, items, batch_size=batch_size))
        memory_s, second = timed(lambda: cache.embed(backbone, items, batch_size=batch_size))
        disk_s, third = timed(lambda: EmbeddingCache(folder).embed(backbone, items, batch_size=batch_size))
    identical = bool(np.array_equal(first, second) and np.array_equal(first, third))

    def forward_all():
        with torch.no_grad():
            for start in range(0, n, batch_size):
                chunk = items[start:start + batch_size]
                backbone(chunk if isinstance(chunk, list) else torch.as_tensor(chunk))

    forward_s, _ = timed(forward_all)
    return {"backbone": backbone.name, "weights_source": backbone.weights_source, "items": n,
            "batch_size": batch_size, "feature_shape": list(first.shape[1:]),
            "forward_s": forward_s, "forward_items_per_s": n / forward_s,
            "cache_first_pass_s": miss_s, "cache_memory_hit_s": memory_s, "cache_disk_hit_s": disk_s,
            "speedup_memory_hit": forward_s / memory_s, "speedup_disk_hit": forward_s / disk_s,
            "cache_hits_identical": identical}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "event_encoders.json"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    n = 64 if args.quick else 512
    events = fl.data.synthetic.synthetic_event_dataset(n, seed=0)
    backbones = default_backbones(seed=0)
    inputs = {
        "eeg": eeg_log_mel(events.eeg, events.sfreq, backbones["eeg"].n_frames),
        "text": clinical_notes(events.table, seed=0),
        "metadata_text": serialize_metadata(events.table),
        "image": render_events(events.eeg, events.sfreq, size=backbones["image"].img_size[0]),
    }
    prep_s, _ = timed(lambda: eeg_log_mel(events.eeg, events.sfreq, backbones["eeg"].n_frames))
    results = {"benchmark": "event_encoders", "quick": args.quick, "threads": torch.get_num_threads(),
               "env": fl.repro.env_info(), "log_mel_items_per_s": n / prep_s}
    for name, items in inputs.items():
        backbone = backbones["text" if name == "metadata_text" else name]
        results[name] = bench_backbone(name, backbone, items, batch_size=32)
        r = results[name]
        print(f"{name:<14} {r['forward_items_per_s']:8.1f} items/s   cache hit x{r['speedup_memory_hit']:.0f} "
              f"(memory), x{r['speedup_disk_hit']:.0f} (disk)   identical={r['cache_hits_identical']}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(results, indent=2) + "\n")
    tmp.replace(out)
    print("wrote", out)


if __name__ == "__main__":
    main()
