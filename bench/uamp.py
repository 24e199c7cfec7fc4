"""Per-frame cost of each memory policy (SAMURAI, UAMP, matting's soft alpha) against plain SAM 2 on the same video.

Tiny SAM 2.1 (random weights) at 256 px on the CPU, a synthetic video with two objects prompted
by masks on frame 0; sam2's own `SAM2VideoPredictor` with the same weights runs alongside as the reference
for sam2nb's tracker step itself. Each mode propagates the whole video `--repeats` times, interleaved with the
others so that load changes hit every mode alike; the per-frame time is the median over repeats.
Memory: the bytes held by the inference state's per-frame outputs, sampled after every frame; with
sam2nb's bounded predictor they stop growing once the frames near the prompt (16) and SAM 2's reach
behind the current frame (16) are both held, i.e. from frame 33 on, in every mode. Prints the ratios (the target is <= 1.10x).

    OMP_NUM_THREADS=1 python bench/uamp.py [--frames 40] [--repeats 3]
"""
import argparse, statistics, tempfile, time, warnings
from pathlib import Path

import numpy as np
import torch

from sam2nb.core import tiny_model
from sam2nb.convert import make_synthetic_vos
from sam2nb.data import read_mask
from sam2nb.predict import VideoPredictor
from sam2nb.uamp import UAMPPredictor
from sam2nb.matting import SoftAlphaMemory


def state_bytes(state) -> int:
    "Bytes of the distinct tensors held in the per-object, per-frame outputs."
    seen, total = set(), 0
    def walk(x):
        nonlocal total
        if torch.is_tensor(x):
            key = (x.untyped_storage().data_ptr(), x.untyped_storage().nbytes())
            if key not in seen: seen.add(key); total += key[1]
        elif isinstance(x, dict): [walk(v) for v in x.values()]
        elif isinstance(x, (list, tuple)): [walk(v) for v in x]
    walk(state["output_dict_per_obj"])
    return total


def run(pred, video, prompts):
    "Seconds per frame of propagation (the memory count is not timed) and the state's bytes after each frame."
    state = pred.init_state(str(video))
    with torch.inference_mode():
        for obj_id, m in prompts.items(): pred.add_new_mask(state, 0, obj_id, m)
        frames, sizes, seconds = pred.propagate_in_video(state), [], 0.
        while True:
            t0 = time.perf_counter()
            if next(frames, None) is None: break
            seconds += time.perf_counter() - t0
            sizes.append(state_bytes(state))
    return seconds / state["num_frames"], sizes


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=40)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--size", type=int, default=256)
    args = ap.parse_args()
    torch.set_num_threads(1)
    warnings.filterwarnings("ignore", message=r"(?s).*Skipping the post-processing step")  # sam2's own, without its C extension
    root = make_synthetic_vos(Path(tempfile.mkdtemp(prefix="bench_uamp_")) / "v", n_videos=1, n_frames=args.frames,
                              size=(240, 320), n_objects=2, seed=0)
    video = next((root / "JPEGImages").iterdir())
    ids = read_mask(sorted((root / "Annotations" / video.name).glob("*.png"))[0])
    prompts = {int(i): ids == i for i in np.unique(ids) if i}
    model = tiny_model(image_size=args.size)
    preds = {"sam2 (VideoPredictor)": VideoPredictor.from_model(model),
             "samurai": UAMPPredictor.from_model(model, mode="samurai"),
             "uamp": UAMPPredictor.from_model(model, mode="uamp"),
             "soft alpha": VideoPredictor.from_model(model, policy=SoftAlphaMemory()),
             "sam2's own predictor": tiny_model(image_size=args.size, video_predictor=True)}
    for p in preds.values(): run(p, video, prompts)  # warm-up
    times = {k: [] for k in preds}
    sizes = {}
    for _ in range(args.repeats):
        for k, p in preds.items():
            t, sizes[k] = run(p, video, prompts)
            times[k].append(t)
    base = statistics.median(times["sam2 (VideoPredictor)"])
    print(f"tiny SAM 2.1 at {args.size}px, CPU, {args.frames} frames, {len(prompts)} objects, "
          f"median of {args.repeats} runs")
    for k in preds:
        t = statistics.median(times[k])
        s = sizes[k]
        at = "  ".join(f"frame {f}: {s[f] / 2**20:.2f}" for f in sorted({16, 2 * 16 + 1, len(s) - 1}) if f < len(s))
        print(f"{k:22s} {1000 * t:7.1f} ms/frame  ratio {t / base:.3f}x   state MiB  {at}  (peak {max(s) / 2**20:.2f})")
    for k in ("samurai", "uamp", "soft alpha", "sam2's own predictor"):
        print(f"ratio {k} / sam2: {statistics.median(times[k]) / base:.3f}x" + (" (target <= 1.10x)" if k in ("samurai", "uamp") else ""))


if __name__ == "__main__":
    main()
