"""Benchmark of sam2nb.train: `python bench/train.py` from the repository root (CPU, a few minutes).

1. steps/s of training with a frozen image encoder + `FeatureCache` vs recomputing the (frozen) features every
   step, for the tiny and the large SAM 2.1 architecture (random weights: speed does not depend on them);
2. peak memory (process RSS on CPU; `torch.cuda.max_memory_allocated` on a GPU) of a full fine-tune vs a frozen
   image encoder, each in a fresh process;
3. a 2-process run (torchrun + Accelerate, gloo on CPU) vs 1 process with the same global batch: the loss curves.
Synthetic moving-shape videos, first-frame mask prompts, the official loss.

`python bench/train.py --full-size` instead measures at the config's full size (1024 px): what a `FeatureCache`
frame costs (bytes; seconds to encode it, to read it from memory and from a folder) and, on a GPU, steps of the
official recipe (trained encoder, full prompt mix, 8-frame clips, bf16 autocast): seconds per step and peak memory.
"""
from __future__ import annotations
import argparse, json, os, subprocess, sys, tempfile, time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
import torch
from sam2nb.testing import PeakMemory, print_result, run_child

def data(root, size, frames, n_videos=4):
    "Videos exactly one clip long, so that one pass fills the cache."
    from sam2nb.convert import make_synthetic_vos
    from sam2nb.data import VOSDataset
    make_synthetic_vos(root, n_videos=n_videos, n_frames=frames, size=(size, size), n_objects=2, seed=0)
    return VOSDataset(root, num_frames=frames, image_size=size, max_objects=2)

def trainer(out, ds, size, steps, cache, config="sam2.1_hiera_t", freeze_encoder=True, batch_size=1, device="cpu"):
    from sam2nb.core import build_model
    from sam2nb.train import Trainer
    model = build_model(config, image_size=size, mode="train", seed=0)
    return Trainer(model, ds, None, out, steps=steps, lr=1e-4, vision_lr=None if freeze_encoder else 1e-4,
                   freeze_parts="image_encoder" if freeze_encoder else None, cache=cache, prompts="mask",
                   batch_size=batch_size, progress=False, tensorboard=False, device=device)

def speed(config, ds, size, steps, tmp):
    res = {}
    for name, cache in (("recompute", None), ("cache", True)):
        t = trainer(Path(tmp)/f"{config}_{name}", ds, size, steps + len(ds) + 1, cache, config)
        t.fit(until=len(ds))  # one pass first (fills the cache): the steady state of a multi-epoch run
        t.fit(until=len(ds) + steps + 1)
        sec = [h["seconds"] for h in t.history[len(ds):]]  # time after each step (the final checkpoint write excluded)
        res[name] = steps / (sec[-1] - sec[0])
    return res

def peak_memory_child(mode, config, root, size, frames, steps):
    "Peak memory of `steps` training steps above the memory of the built model and optimiser."
    ds = data(root, size, frames)
    dev = "cuda" if torch.cuda.is_available() else "cpu"
    with tempfile.TemporaryDirectory() as tmp:
        t = trainer(tmp, ds, size, steps, cache=None, config=config, freeze_encoder=(mode == "frozen"), device=dev)
        with PeakMemory(dev) as mem: t.fit()
    print_result(dict(mode=mode, peak_mib=mem.mb, what="CUDA allocated" if mem.cuda else "RSS"))

def worker(out, root, size, frames, steps, batch_size):
    "One training run on the data in `root`; under torchrun each process runs this."
    from sam2nb.data import VOSDataset
    ds = VOSDataset(root, num_frames=frames, image_size=size, max_objects=2)
    t = trainer(out, ds, size, steps, cache=None, batch_size=batch_size)
    t.fit()
    if t.acc.is_main_process:
        (Path(out)/"losses.json").write_text(json.dumps([h["loss"] for h in t.history]))

def full_size(config, frames, tmp):
    "At full size: the feature cache's costs per frame, and (on a GPU) seconds and memory of official-recipe steps."
    from sam2nb.core import stand_in_model, autocast
    from sam2nb.train import FeatureCache, freeze, unfreeze, encode_images, Trainer, PromptConfig
    dev = "cuda" if torch.cuda.is_available() else "cpu"
    model = stand_in_model(config, device=dev, mode="train")  # random weights: speed does not depend on them
    S = model.image_size
    sync = torch.cuda.synchronize if dev == "cuda" else (lambda: None)
    def timed(fn, n=3):
        fn(); sync(); t = time.time()
        for _ in range(n): fn()
        sync(); return (time.time() - t) / n
    freeze(model, "image_encoder")
    clip, names, ids = torch.rand(1, 1, 3, S, S), ["bench"], torch.zeros(1, 1, dtype=torch.long)
    with autocast(dev): encode = timed(lambda: encode_images(model, clip[:, 0]))
    folder = Path(tmp)/"cache"
    memory = FeatureCache(model, folder)
    memory.features(clip, names, ids, "bench")  # computed once, held in memory and written to the folder
    hit = timed(lambda: memory.features(clip, names, ids, "bench"))
    disk = FeatureCache(model, folder, max_bytes=0)  # holds nothing: every read goes to the folder
    read = timed(lambda: disk.features(clip, names, ids, "bench"))
    print(f"[full size] {config} at {S}px on {dev}: a cached frame is {memory.nbytes / 1e6:.0f} MB; encoding it takes "
          f"{encode:.3f} s, a memory hit {hit:.3f} s, a read from the folder {read:.3f} s (page cache warm)", flush=True)
    if dev != "cuda": return
    unfreeze(model, "image_encoder")
    ds = data(Path(tmp)/"vos", S, frames, n_videos=2)
    t = Trainer(model, ds, None, Path(tmp)/"run", steps=4, prompts=PromptConfig(), device=dev, progress=False, tensorboard=False)
    with PeakMemory(dev, interval=None) as mem: t.fit()
    sec = [h["seconds"] for h in t.history]
    print(f"[full size] official recipe, {frames}-frame clips, trained encoder, bf16: {(sec[-1] - sec[0]) / (len(sec) - 1):.2f} s "
          f"per step, peak GPU memory {mem.gpu_total_mb / 2**10:.1f} GiB, losses "
          f"{[round(h['loss'], 3) for h in t.history]}", flush=True)

def main():
    p = argparse.ArgumentParser()
    p.add_argument("--size", type=int, default=256); p.add_argument("--frames", type=int, default=4)
    p.add_argument("--steps", type=int, default=4); p.add_argument("--ddp-steps", type=int, default=8)
    p.add_argument("--configs", nargs="+", default=["sam2.1_hiera_t", "sam2.1_hiera_l"])
    p.add_argument("--child", default=None); p.add_argument("--config", default="sam2.1_hiera_t")
    p.add_argument("--worker", default=None); p.add_argument("--root", default=None)
    p.add_argument("--batch-size", type=int, default=1); p.add_argument("--skip-speed", action="store_true")
    p.add_argument("--full-size", action="store_true", help="only the full-size (1024 px) measurements")
    a = p.parse_args()
    if a.full_size:
        with tempfile.TemporaryDirectory() as tmp: return full_size(a.config, 8, tmp)
    if a.child: return peak_memory_child(a.child, a.config, a.root, a.size, a.frames, a.steps)
    if a.worker: return worker(a.worker, a.root, a.size, a.frames, a.ddp_steps, a.batch_size)
    tmp = tempfile.mkdtemp(prefix="bench_train_")
    root = Path(tmp)/"vos"; ds = data(root, a.size, a.frames)
    print(f"{a.size}px, {a.frames}-frame clips, 2 objects, mask prompts, random weights, "
          f"{'GPU' if torch.cuda.is_available() else 'CPU'}, OMP_NUM_THREADS={os.environ['OMP_NUM_THREADS']}")
    for config in ([] if a.skip_speed else a.configs):
        s = speed(config, ds, a.size, a.steps, tmp)
        print(f"[speed] {config}: frozen encoder, features recomputed {s['recompute']:.3f} steps/s; "
              f"with FeatureCache {s['cache']:.3f} steps/s; ratio {s['cache']/s['recompute']:.2f}x", flush=True)
    for config in a.configs:
        mem = {}
        for mode in ("full", "frozen"):
            mem[mode] = run_child(__file__, [mode, "--config", config, "--root", root, "--size", a.size,
                                             "--frames", a.frames, "--steps", 2])
        print(f"[memory] {config}: peak {mem['full']['what']} above the built model, full fine-tune {mem['full']['peak_mib']:.0f} MiB, "
              f"frozen encoder {mem['frozen']['peak_mib']:.0f} MiB; ratio {mem['full']['peak_mib']/mem['frozen']['peak_mib']:.2f}x",
              flush=True)
    env = dict(os.environ, OMP_NUM_THREADS="1")
    one, two = Path(tmp)/"one", Path(tmp)/"two"
    subprocess.run([sys.executable, __file__, "--worker", str(one), "--root", str(root), "--size", str(a.size),
                    "--frames", str(a.frames), "--ddp-steps", str(a.ddp_steps), "--batch-size", "2"], check=True, env=env)
    # on CPUs `accelerate launch` needs MPI; torchrun starts the 2 gloo processes the Trainer's Accelerator joins
    subprocess.run([sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port", "29531",
                    __file__, "--worker", str(two), "--root", str(root), "--size", str(a.size), "--frames", str(a.frames),
                    "--ddp-steps", str(a.ddp_steps), "--batch-size", "1"], check=True, env=env, capture_output=True)
    l1, l2 = (json.loads((d/"losses.json").read_text()) for d in (one, two))
    print("[ddp] loss per step, 1 process x batch 2: ", [round(x, 3) for x in l1])
    print("[ddp] loss per step, 2 processes x batch 1:", [round(x, 3) for x in l2])
    diff = sum(abs(x - y) for x, y in zip(l1, l2)) / len(l1); mean = sum(l1) / len(l1)
    print(f"[ddp] mean |difference| {diff:.3f} (mean loss {mean:.3f}: {100*diff/mean:.1f}%)")

if __name__ == "__main__":
    main()
