"""Training and inference throughput (30-s epochs/s) of every CoRe-Sleep variant (JSON to benchmarks/results/).

    OMP_NUM_THREADS=1 python benchmarks/core_sleep_throughput.py                # CPU-sized models
    python benchmarks/core_sleep_throughput.py --size paper --devices cuda      # paper-sized, on a GPU

For each architecture (Early, Mid-Late, CoRe) and loss set (none, AL, MS, MS+AL) and the unimodal
equivalent: epochs/s of a training step (forward + backward + AdamW, random STFT inputs of the
right shape, per-epoch labels) and of inference with EEG+EOG, EEG only and EOG only. A "30-s epoch"
is one sleep epoch: a batch of B sequences of L epochs is B * L epochs.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import torch

import fusionlab as fl
from fusionlab.models.core_sleep import PAPER_CONFIG, PAPER_SEQ_LEN
from fusionlab.studies.core_sleep import study as cs
from fusionlab.train.losses import variant_loss

SIZES = {
    "standard": (cs.settings_for("standard").model, cs.settings_for("standard").seq_len),
    "paper": (PAPER_CONFIG, PAPER_SEQ_LEN),
}


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def measure(arch: str, losses: str, size: str, device: torch.device, batch: int, steps: int) -> dict:
    model_kwargs, seq_len = SIZES[size]
    settings = cs.with_overrides(cs.settings_for("standard"), model=dict(model_kwargs), seq_len=seq_len)
    modalities = ("eeg",) if arch == "Unimodal" else ("eeg", "eog")
    torch.manual_seed(0)
    model = cs.build_model(arch, settings, modalities).to(device)
    model.single_modality_head = "MS" in losses
    inputs = {m: torch.randn(batch, seq_len, 29, 128, device=device) for m in modalities}
    mask = torch.ones(batch, len(modalities), dtype=torch.bool, device=device)
    labels = torch.randint(0, 5, (batch, seq_len), device=device)
    data = {"inputs": inputs, "mask": mask, "label": labels}
    loss_fn = variant_loss(losses if arch != "Unimodal" else "none")
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    model.train()
    for i in range(steps + 2):  # two warm-up steps
        if i == 2:
            _sync(device)
            tic = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        loss_fn(model, data).backward()
        optimizer.step()
    _sync(device)
    train_rate = steps * batch * seq_len / (time.perf_counter() - tic)
    row = {"model": cs.row_name(arch, losses) if arch != "Unimodal" else "Unimodal Equivalent",
           "size": size, "device": device.type, "parameters": fl.count_parameters(model), "batch": batch,
           "seq_len": seq_len, "train_epochs_per_s": round(train_rate, 1)}
    model.eval()
    subsets = {"EEG-EOG": (True, True), "EEG": (True, False), "EOG": (False, True)} if len(modalities) == 2 else {
        "EEG": (True,)}
    with torch.no_grad():
        for name, present in subsets.items():
            m = torch.tensor([present] * batch, device=device)
            for i in range(steps + 2):
                if i == 2:
                    _sync(device)
                    tic = time.perf_counter()
                model(inputs, m, per_epoch=True)
            _sync(device)
            row[f"infer_{name}_epochs_per_s"] = round(steps * batch * seq_len / (time.perf_counter() - tic), 1)
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="standard")
    parser.add_argument("--devices", nargs="*", default=None, help="default: cpu, and cuda when available")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--output", type=Path, default=Path(__file__).with_name("results") / "core_sleep_throughput.json")
    args = parser.parse_args()
    names = args.devices or (["cpu"] + (["cuda"] if torch.cuda.is_available() else []))
    rows = []
    for device in map(torch.device, names):
        for losses in cs.LOSSES:
            for arch in cs.ARCHITECTURES:
                rows.append(measure(arch, losses, args.size, device, args.batch, args.steps))
                print(rows[-1])
        rows.append(measure("Unimodal", "none", args.size, device, args.batch, args.steps))
        print(rows[-1])
    result = {"benchmark": "core_sleep_throughput", "date": time.strftime("%Y-%m-%d"), "machine": fl.repro.env_info(),
              "omp_num_threads": os.environ.get("OMP_NUM_THREADS"), "size": args.size,
              "model": SIZES[args.size][0], "unit": "30-s sleep epochs per second", "results": rows}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.output.with_suffix(".tmp")
    tmp.write_text(json.dumps(result, indent=2))
    tmp.replace(args.output)
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
