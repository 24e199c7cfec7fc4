"""Memory and speed of video fine-tuning modes: `python bench/train_memory.py` from the repository root.

For each model and training mode (`sam2nb.train.TRAIN_MODES`: full fine-tune, frozen image encoder, LoRA on memory
attention + memory encoder + decoder, memory attention + decoder, and that with LoRA on the image encoder), a few
optimiser steps on a synthetic clip (`sam2nb.train.memory_probe`: the official prompt mix's heaviest draw), each in a
fresh process: peak memory (the CUDA allocator's peak on a GPU, the process's RSS on a CPU) and steps/s.

On CUDA (default): tiny and large at 1024 px, 8-frame clips of 3 objects, bf16 autocast, with the allocator capped at
`--gpu-gib` (24 GiB: `torch.cuda.set_per_process_memory_fraction`) to emulate a 24 GB card; a mode that runs out of
it is "does not fit". `--cpu-smoke`: the same table on the CPU, tiny at a small size (seconds to minutes).
Prints a table, then one JSON line per measurement.
"""
from __future__ import annotations
import argparse, json, os, time

os.environ.setdefault("OMP_NUM_THREADS", "1")
import pandas as pd
import torch
from sam2nb.train import TRAIN_MODES, measure_memory

MODELS = {"tiny": "sam2.1_hiera_tiny", "large": "sam2.1_hiera_large"}

def settings(args) -> list[dict]:
    cuda = torch.cuda.is_available() and not args.cpu_smoke
    models = args.models or (["tiny", "large"] if cuda else ["tiny"])
    base = dict(image_size=args.size or (1024 if cuda else 128), frames=args.frames or (8 if cuda else 3),
                objects=args.objects or (3 if cuda else 2), precision="bf16" if cuda else "fp32", device="cuda" if cuda else "cpu",
                steps=args.steps or (3 if cuda else 1), lora_rank=args.lora_rank, optimizer=args.optimizer,
                gpu_limit_gib=args.gpu_gib if cuda else None)
    return [dict(base, checkpoint=MODELS[m], mode=mode, checkpointing=ck) for m in models for mode in (args.modes or TRAIN_MODES)
            for ck in {"on": [True], "off": [False], "both": [True, False]}[args.checkpointing]]

def table(rows:list[dict], limit:float|None) -> pd.DataFrame:
    t = pd.DataFrame([dict(model=r["checkpoint"].replace("sam2.1_hiera_", ""), mode=r["mode"], checkpointing=r["checkpointing"],
                           trainable_M=round(r["trainable"] / 1e6, 2), peak_GiB=round(r["peak_gib"], 2),
                           steps_per_s=None if r["oom"] else round(1 / r["s_per_step"], 3),
                           fits=not r["oom"] and (limit is None or r["peak_gib"] <= limit)) for r in rows])
    return t

if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--cpu-smoke", action="store_true", help="the CPU table at a small size (tiny, 128 px, 3 frames, 2 objects)")
    p.add_argument("--models", nargs="*", choices=list(MODELS), help="default: tiny and large on CUDA, tiny on the CPU")
    p.add_argument("--modes", nargs="*", choices=list(TRAIN_MODES), help="default: all")
    p.add_argument("--size", type=int, help="image size (default: 1024 on CUDA, 128 on the CPU)")
    p.add_argument("--frames", type=int); p.add_argument("--objects", type=int); p.add_argument("--steps", type=int)
    p.add_argument("--lora-rank", type=int, default=8); p.add_argument("--optimizer", default="adamw", choices=["adamw", "adamw8bit"])
    p.add_argument("--gpu-gib", type=float, default=24., help="CUDA: cap the allocator at this many GiB (a 24 GB card)")
    p.add_argument("--checkpointing", default="on", choices=["on", "off", "both"], help="activation checkpointing")
    args = p.parse_args()
    todo, t0 = settings(args), time.time()
    rows = []
    for setting in todo:   # one at a time, so that one failure (e.g. peft missing for the LoRA modes) costs one row
        try: rows += measure_memory([setting])
        except RuntimeError as e: print(f"{setting['checkpoint']} {setting['mode']}: failed: {str(e)[-600:]}", flush=True)
    s = todo[0]
    print(f"{s['device']}: {s['image_size']} px, {s['frames']} frames x {s['objects']} objects, {s['precision']}, "
          f"LoRA rank {s['lora_rank']}, {s['optimizer']}, {s['steps']} step(s) each"
          + (f", allocator capped at {s['gpu_limit_gib']} GiB" if s["gpu_limit_gib"] else ", peak = process RSS")
          + f" ({time.time() - t0:.0f} s)")
    if rows: print(table(rows, s["gpu_limit_gib"]).to_string(index=False))
    for r in rows: print(json.dumps(r))
