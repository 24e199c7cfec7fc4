"""LoRA matting vs full mask-decoder fine-tuning: training step time, peak memory, and file sizes.

Both sides train with `sam2nb.train.Trainer` on the same synthetic matting clips (same data order,
prompts and cached image features), with the matting loss and soft memory of `sam2nb.matting`:

- LoRA: `add_lora` defaults (mask-decoder attention/MLPs + the last memory-attention layer);
- full decoder: every `sam_mask_decoder` parameter trainable, the rest frozen.

Peak memory is the CUDA allocator's peak on a GPU; on CPU it is the process's resident-set peak
above the level before training (sampled every 5 ms), so each side runs in its own process.
The frozen image encoder's features are cached as `train_matting` does it: only when every frame of
the training clips fits in `--cache-mb` (at 1024 px a frame is ~84 MiB, so a full-size bench runs
uncached, like a real run on VideoMatte240K). A checkpoint that is not downloaded is replaced by
its stand-in (the official architecture with random weights): the timings hold, the losses mean nothing.

    python bench/matting.py                 # tiny model, 256 px, 12 steps
    python bench/matting.py --size 1024 --checkpoint sam2.1_hiera_large --device cuda
"""
from __future__ import annotations
import argparse, os, shutil, sys, tempfile
from pathlib import Path

from sam2nb.testing import PeakMemory, print_result, run_child


def measure(side:str, args) -> dict:
    import torch
    from sam2nb.core import tiny_model, notebook_model, seed_everything, weights_label
    from sam2nb.convert import make_synthetic_matting
    from sam2nb.data import VOSDataset
    from sam2nb.matting import add_lora, save_adapter, SoftAlphaMemory, MattingLoss, trainable_share
    from sam2nb.train import Checkpointer, SaveCurves, Trainer, cache_fits, freeze, unfreeze
    seed_everything(0)
    work = Path(tempfile.mkdtemp(prefix="bench_matting_"))
    device = torch.device(args.device)
    model = (tiny_model(image_size=args.size, mode="train") if args.checkpoint == "tiny" else   # the checkpoint, or its stand-in
             notebook_model(args.checkpoint, smoke=False, image_size=args.size, device="cpu", mode="train", rehearse=True)[0])
    if side == "lora":
        add_lora(model, r=args.rank)
    else:
        freeze(model, "*")  # every parameter, SAM 2 top-level tensors included
        unfreeze(model, "sam_mask_decoder")
    share = trainable_share(model)
    root = make_synthetic_matting(work/"data", n_videos=4, n_frames=args.frames + 2, size=(args.size, args.size),
                                  edge=6.0, split="train", seed=0)
    clips = VOSDataset(root, split="train", num_frames=args.frames, image_size=args.size)
    cache = cache_fits(model, clips, args.cache_mb * 2**20)   # train_matting's rule
    trainer = Trainer(model, clips, out_dir=work/"run", steps=args.steps, batch_size=args.batch, lr=1e-4,
                      vision_lr=None, layer_decay=None, weight_decay=0.0, grad_clip=1.0, prompts="mask",
                      loss=MattingLoss(1.0, 1.0, 1.0), policy=SoftAlphaMemory(), cache=cache,
                      tensorboard=False, progress=False, device=device)
    trainer.remove_cbs(Checkpointer, SaveCurves)  # time the steps, not the 150 MB-1 GB checkpoint writes
    # warm-up: fill the feature cache (when on) and the allocator, outside the measurement
    trainer.fit(until=args.warmup)
    with PeakMemory(device) as mem:   # on a GPU the allocator's whole peak: weights and optimiser state count
        trainer.fit()
    peak, kind = (mem.gpu_total_mb, "CUDA peak allocated") if mem.cuda else (mem.ram_mb, mem.kind)
    out = dict(side=side, step_s=mem.seconds / (args.steps - args.warmup), peak_mb=peak, mem_kind=kind, trainable=share["trainable"],
               share=share["share"], cache=bool(cache), weights=weights_label(model))
    if side == "lora":
        model.eval()
        save_adapter(model, work/"adapter")
        out["adapter_mb"] = (work/"adapter"/"adapter_model.safetensors").stat().st_size / 2**20
    else:
        torch.save({"model": model.state_dict()}, work/"full.pt")
        out["checkpoint_mb"] = (work/"full.pt").stat().st_size / 2**20
        decoder = {k: v for k, v in model.state_dict().items() if k.startswith("sam_mask_decoder.")}
        torch.save(decoder, work/"decoder.pt")  # what a decoder fine-tune minimally has to ship
        out["decoder_mb"] = (work/"decoder.pt").stat().st_size / 2**20
    shutil.rmtree(work, ignore_errors=True)
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--checkpoint", default="tiny", help="'tiny' (random weights) or an official name/path")
    p.add_argument("--size", type=int, default=256, help="image size")
    p.add_argument("--frames", type=int, default=4, help="frames per clip")
    p.add_argument("--batch", type=int, default=2, help="clips per step")
    p.add_argument("--steps", type=int, default=12, help="steps per side (the first --warmup are not timed)")
    p.add_argument("--warmup", type=int, default=4)
    p.add_argument("--rank", type=int, default=8)
    p.add_argument("--cache-mb", type=float, default=1024, help="cache encoder features when the clips' frames fit (train_matting's default)")
    p.add_argument("--device", default="cuda" if os.environ.get("CUDA_VISIBLE_DEVICES", "") != "" else "cpu")
    p.add_argument("--child", choices=["lora", "decoder"], help=argparse.SUPPRESS)  # internal: one side per process
    args = p.parse_args(argv)
    if args.child:
        print_result(measure(args.child, args)); return
    results = {side: run_child(__file__, [side, *(argv if argv is not None else sys.argv[1:])]) for side in ("lora", "decoder")}
    L, D = results["lora"], results["decoder"]
    print(f"{L['weights']} at {args.size}px, {args.batch} clips x {args.frames} frames, device {args.device}, "
          f"{args.steps - args.warmup} timed steps, feature cache {'on' if L['cache'] else 'off'}")
    print(f"{'':16}{'LoRA':>14}{'full decoder':>16}{'ratio LoRA/full':>18}")
    print(f"{'trainable':16}{L['trainable']:>14,}{D['trainable']:>16,}{L['trainable']/D['trainable']:>18.3f}")
    print(f"{'step time (s)':16}{L['step_s']:>14.3f}{D['step_s']:>16.3f}{L['step_s']/D['step_s']:>18.3f}")
    print(f"{'peak mem (MB)':16}{L['peak_mb']:>14.1f}{D['peak_mb']:>16.1f}{L['peak_mb']/max(D['peak_mb'],1e-9):>18.3f}   ({L['mem_kind']})")
    print(f"{'file size (MB)':16}{L['adapter_mb']:>14.2f}{D['checkpoint_mb']:>16.1f}{L['adapter_mb']/D['checkpoint_mb']:>18.4f}"
          "   (adapter vs full checkpoint)")
    print(f"{'':16}{'':>14}{D['decoder_mb']:>16.1f}{L['adapter_mb']/D['decoder_mb']:>18.4f}   (adapter vs decoder weights alone)")


if __name__ == "__main__":
    main()
