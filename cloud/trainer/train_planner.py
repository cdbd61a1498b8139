#!/usr/bin/env python3
"""Train HomeSight's planner model from scratch on the planner corpus and export it as GGUF.

    python3 cloud/trainer/train_planner.py --corpus var/datasets/planner-corpus --size 7m \
        --steps 6000 --out var/runs/planner-7m --threads 2 --seed 0

One script, torch only, CPU or CUDA: trains the tokenizer (unless --tokenizer is given), a llama-architecture
decoder (RMSNorm, RoPE, SwiGLU; model.py) with the loss on target tokens only, evaluates the validation NLL,
checkpoints every --ckpt-every steps (`--resume` continues bit-for-bit from the last one), writes a training
report (report.json, report.md, loss.svg) and exports GGUF files (F16 and Q8_0 by default) into --out.
stdout: one JSON object per line ({"type": "start"|"step"|"eval"|"checkpoint"|"export"|"done"|"error"|"bench"});
stderr: a progress bar with ETA. Exit codes: 0 done, 2 bad input, 3 diverged.
`--benchmark SECONDS` times training steps on random batch × max-len token blocks instead (tokens/s).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
from typing import Any, Dict, List, Optional, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # no __pycache__ inside the repository
sys.path.insert(0, HERE)
# Idle OpenMP threads sleep instead of spinning (read when torch loads OpenMP). On a shared, oversubscribed host
# spinning made 2 threads >10x slower than 1 (measured: no 2m step in 60 s at load 15 vs 3 s per step passive);
# OMP_WAIT_POLICY=ACTIVE in the environment restores spinning for a dedicated machine.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from corpus import CorpusError, CorpusSample, load_corpus, tokenizer_texts  # noqa: E402
from planner_tokenizer import TokenizerError  # noqa: E402
from script_io import InputError, emit, sha256_file  # noqa: E402

CHECKPOINT = "checkpoint.pt"
DEFAULT_CORPUS = os.path.join("var", "datasets", "planner-corpus")  # relative to the repository root
FORMAT_VERSION = "homesight-planner-v1"


class Progress:
    """A one-line progress bar with ETA on stderr (a line per update when stderr is not a terminal)."""

    def __init__(self, total: int, start: int, enabled: bool):
        self.total, self.start, self.enabled = total, start, enabled
        self.t0 = time.time()
        self.tty = sys.stderr.isatty()

    def update(self, step: int, loss: float, tok_s: float) -> None:
        if not self.enabled:
            return
        done = step - self.start
        el = time.time() - self.t0
        eta = el / done * (self.total - step) if done > 0 else 0.0
        width = 30
        fill = int(width * step / self.total)
        line = (f"[{'#' * fill}{'.' * (width - fill)}] {step}/{self.total} loss {loss:.4f} "
                f"{tok_s:,.0f} tok/s elapsed {_hms(el)} ETA {_hms(eta)}")
        sys.stderr.write(("\r" + line) if self.tty else (line + "\n"))
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled and self.tty:
            sys.stderr.write("\n")


def _hms(s: float) -> str:
    s = int(s)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"


# ------------------------------------------------------------------ data


def corpus_files(path: str) -> Dict[str, str]:
    """--corpus: a folder with train.jsonl (+ val.jsonl, test.jsonl, disjoint.jsonl) or one train JSONL file."""
    if os.path.isdir(path):
        files = {k: os.path.join(path, f"{k}.jsonl") for k in ("train", "val", "test", "disjoint")}
        files = {k: v for k, v in files.items() if os.path.exists(v)}
        if "train" not in files:
            raise InputError(f"{path}: no train.jsonl")
        return files
    if not os.path.exists(path):
        raise InputError(f"{path}: no such corpus file or folder")
    return {"train": path}


def encode_samples(enc, samples: List[CorpusSample], max_len: int) -> Tuple[List[Tuple[List[int], int]], int]:
    """-> ([BOS] + prompt + target + [EOS], index of the first target token) per sample, and how many were too
    long for max_len (dropped: a truncated target would teach the model to stop mid-plan)."""
    prompts = enc.encode_many([s.prompt for s in samples])
    targets = enc.encode_many([s.target for s in samples])
    out, dropped = [], 0
    for p, t in zip(prompts, targets):
        ids = [enc.bos_id] + p + t + [enc.eos_id]
        if len(ids) > max_len:
            dropped += 1
            continue
        out.append((ids, 1 + len(p)))
    return out, dropped


def epoch_batches(n_samples: int, lengths: List[int], batch: int, seed: int, epoch: int) -> List[List[int]]:
    """The batches of one epoch: a seeded shuffle, then length-sorted windows of 50 batches (less padding),
    then the batches shuffled again. Depends only on (seed, epoch), so a resumed run sees the same order."""
    rng = random.Random(seed * 1_000_003 + epoch)
    order = list(range(n_samples))
    rng.shuffle(order)
    window = batch * 50
    batches: List[List[int]] = []
    for i in range(0, len(order), window):
        chunk = sorted(order[i:i + window], key=lambda j: lengths[j])
        batches += [chunk[k:k + batch] for k in range(0, len(chunk), batch)]
    rng.shuffle(batches)
    return batches


def collate(torch, items, pad_id: int):
    T = max(len(ids) for ids, _ in items)
    x = torch.full((len(items), T), pad_id, dtype=torch.long)
    mask = torch.zeros((len(items), T - 1), dtype=torch.float32)
    for b, (ids, start) in enumerate(items):
        x[b, : len(ids)] = torch.tensor(ids)
        mask[b, start - 1: len(ids) - 1] = 1.0  # position t predicts token t+1: targets and EOS only
    return x, mask


def masked_nll(torch, model, x, mask):
    """Summed NLL of the masked next tokens and their count. The LM head runs only where the loss is taken
    (targets and EOS): prompt and padding positions need no logits, which saves most of the head's cost."""
    keep = mask.reshape(-1) > 0
    h = model.hidden(x)[:, :-1].reshape(-1, model.cfg.n_embd)[keep]
    logits = model.output(h).float()
    nll = torch.nn.functional.cross_entropy(logits, x[:, 1:].reshape(-1)[keep], reduction="sum")
    return nll, keep.sum().float()


def evaluate(torch, model, encoded, pad_id: int, device: str, batch: int = 32) -> Optional[float]:
    if not encoded:
        return None
    model.eval()
    tot, cnt = 0.0, 0.0
    with torch.no_grad():
        items = sorted(encoded, key=lambda e: len(e[0]))
        for i in range(0, len(items), batch):
            x, m = collate(torch, items[i:i + batch], pad_id)
            s, c = masked_nll(torch, model, x.to(device), m.to(device))
            tot += float(s)
            cnt += float(c)
    model.train()
    return tot / max(cnt, 1.0)


# ------------------------------------------------------------------ report


def loss_svg(train: List[Tuple[int, float]], val: List[Tuple[int, float]], title: str) -> str:
    """The loss curves as a hand-written SVG (no plotting library): training loss (EMA) and validation NLL."""
    W, H, L, R, T, B = 720, 360, 60, 20, 30, 40
    pts = train + val
    if not pts:
        return f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}"><text x="20" y="30">no data</text></svg>\n'
    x_max = max(max(p[0] for p in pts), 1)
    y_max = max(p[1] for p in pts) * 1.05
    y_min = min(0.0, min(p[1] for p in pts))

    def sx(v: float) -> float:
        return L + (W - L - R) * v / x_max

    def sy(v: float) -> float:
        return H - B - (H - T - B) * (v - y_min) / max(y_max - y_min, 1e-9)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{W / 2}" y="18" text-anchor="middle" font-size="14">{title}</text>',
           f'<line x1="{L}" y1="{H - B}" x2="{W - R}" y2="{H - B}" stroke="black"/>',
           f'<line x1="{L}" y1="{T}" x2="{L}" y2="{H - B}" stroke="black"/>']
    for i in range(6):
        yv = y_min + (y_max - y_min) * i / 5
        xv = x_max * i / 5
        out.append(f'<text x="{L - 6}" y="{sy(yv) + 4:.1f}" text-anchor="end">{yv:.2f}</text>')
        out.append(f'<line x1="{L}" y1="{sy(yv):.1f}" x2="{W - R}" y2="{sy(yv):.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{sx(xv):.1f}" y="{H - B + 16}" text-anchor="middle">{int(xv)}</text>')
    out.append(f'<text x="{(L + W - R) / 2}" y="{H - 6}" text-anchor="middle">step</text>')
    out.append(f'<text x="14" y="{(T + H - B) / 2}" transform="rotate(-90 14 {(T + H - B) / 2})" '
               'text-anchor="middle">nats / target token</text>')
    for series, color, label, dy in ((train, "#1f77b4", "train loss (EMA)", 0), (val, "#d62728", "validation NLL", 16)):
        if series:
            path = " ".join(f"{sx(s):.1f},{sy(v):.1f}" for s, v in series)
            out.append(f'<polyline fill="none" stroke="{color}" stroke-width="1.5" points="{path}"/>')
            if len(series) < 60:
                out += [f'<circle cx="{sx(s):.1f}" cy="{sy(v):.1f}" r="2.5" fill="{color}"/>' for s, v in series]
        out.append(f'<text x="{W - R - 150}" y="{T + 12 + dy}" fill="{color}">{label}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def write_report(out_dir: str, report: Dict[str, Any]) -> None:
    with open(os.path.join(out_dir, "loss.svg"), "w", encoding="utf-8") as f:
        f.write(loss_svg([tuple(p) for p in report["curves"]["train"]], [tuple(p) for p in report["curves"]["val"]],
                         f"planner {report['model']['size']} ({report['model']['params']:,} parameters)"))
    tmp = os.path.join(out_dir, "report.json.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(report, f, indent=2)
        f.write("\n")
    os.replace(tmp, os.path.join(out_dir, "report.json"))
    m, t, c = report["model"], report["training"], report["corpus"]
    lines = [
        f"# Planner training report: {report['name']}", "",
        f"Command: `{report['command']}`", "",
        "| | |", "|---|---|",
        f"| parameters | {m['params']:,} (dim {m['dim']}, {m['layers']} layers, {m['heads']} heads, ff {m['ff']}, "
        f"vocab {m['vocab']}, context {m['context']}) |",
        "| corpus | " + ", ".join(f"{k}: {v['samples']:,} samples" for k, v in c["files"].items()) + " |",
        f"| dropped (longer than context) | {c['dropped']} |",
        f"| natural set sha256 | {report.get('natural_set_sha256') or 'not given (--natural-set)'} |",
        f"| tokenizer | {report['tokenizer']['model']} ({report['tokenizer']['vocab']} pieces, "
        f"vocabulary sha256 {report['tokenizer']['sha256'][:16]}…) |",
        f"| steps | {t['step']:,} / {t['steps']:,} (batch {t['batch']}, lr {t['lr']}, seed {t['seed']}) |",
        f"| device / threads | {t['device']} / {t['threads']} |",
        f"| training time | {t['train_s']:.0f} s ({t['tokens_per_s']:,.0f} tokens/s, {t['tokens_seen']:,} tokens) |",
        f"| train loss (EMA, last) | {t['loss_ema']:.4f} |",
        f"| validation NLL | {t['val_nll'] if t['val_nll'] is None else round(t['val_nll'], 4)} nats/target token |",
        "", "![loss curves](loss.svg)", "",
    ]
    if report.get("exports"):
        lines += ["| export | bytes | sha256 |", "|---|---|---|"]
        lines += [f"| {e['file']} | {e['bytes']:,} | `{e['sha256']}` |" for e in report["exports"]]
    with open(os.path.join(out_dir, "report.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


# ------------------------------------------------------------------ main


def build_config(args, n_vocab: int):
    from planner_model import SIZES, make_config

    preset = dict(SIZES[args.size]) if args.size else {"dim": 0, "layers": 0, "heads": 0, "ff": 0}
    for k in ("dim", "layers", "heads", "ff"):
        if getattr(args, k):
            preset[k] = getattr(args, k)
    missing = [k for k, v in preset.items() if not v]
    if missing:
        raise InputError(f"give --size or all of --dim/--layers/--heads/--ff (missing {', '.join(missing)})")
    try:
        return make_config(n_vocab, preset["dim"], preset["layers"], preset["heads"], preset["ff"], args.ctx, args.kv_heads)
    except ValueError as e:
        raise InputError(str(e))


def run_benchmark(args) -> int:
    """Tokens/s of full training steps on random token blocks of batch × max-len (no corpus needed)."""
    import torch

    from planner_model import count_params, init_model

    torch.set_num_threads(max(1, args.threads))
    torch.manual_seed(args.seed)
    cfg = build_config(args, args.vocab)
    model = init_model(cfg, args.seed)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    g = torch.Generator().manual_seed(args.seed)
    x = torch.randint(4, cfg.n_vocab, (args.batch, args.max_len), generator=g)
    mask = torch.ones(args.batch, args.max_len - 1)
    # One bench line per step (cumulative), so a run cut short by a timeout still reports. Every step is timed,
    # the first included (at these sizes warm-up is small against a multi-second step).
    t0, cpu0 = time.time(), time.process_time()
    steps = 0
    while True:
        s, c = masked_nll(torch, model, x, mask)
        opt.zero_grad(set_to_none=True)
        (s / c).backward()
        opt.step()
        steps += 1
        wall = time.time() - t0
        # CPU seconds this process got: on a shared, busy host tokens per CPU-second estimates an idle core's rate
        cpu_s = time.process_time() - cpu0
        tokens = steps * args.batch * args.max_len
        emit({"type": "bench", "size": args.size, "params": count_params(cfg), "dim": cfg.n_embd, "layers": cfg.n_layer,
              "threads": args.threads, "batch": args.batch, "seq": args.max_len, "steps": steps,
              "seconds": round(wall, 2), "tokens_per_s": round(tokens / wall, 1), "s_per_step": round(wall / steps, 3),
              "cpu_s": round(cpu_s, 2), "tokens_per_cpu_s": round(tokens / max(cpu_s, 1e-9), 1),
              "loadavg": round(os.getloadavg()[0], 2)})
        if wall >= args.benchmark or steps >= args.benchmark_steps:
            break
    return 0


def train(args) -> int:
    t0 = time.time()
    files = corpus_files(args.corpus)
    train_samples = load_corpus(files["train"], args.limit)
    val_samples = load_corpus(files["val"], args.eval_samples) if "val" in files else []
    os.makedirs(args.out, exist_ok=True)
    ckpt_path = os.path.join(args.out, CHECKPOINT)
    resume = args.resume
    if resume == "auto":
        resume = ckpt_path if os.path.exists(ckpt_path) else None

    import torch

    from planner_model import count_params, init_model, write_planner_gguf
    from planner_tokenizer import SentencePieceEncoder, train_tokenizer, vocab_sha256

    tok_path = args.tokenizer or os.path.join(args.out, "tokenizer.model")
    if not args.tokenizer and not (resume and os.path.exists(tok_path)):
        train_tokenizer(tokenizer_texts(train_samples), tok_path, args.vocab, seed=args.seed)
    enc = SentencePieceEncoder(tok_path)
    cfg = build_config(args, enc.vocab_size)
    encoded, dropped = encode_samples(enc, train_samples, cfg.n_ctx_train)
    val_encoded, _ = encode_samples(enc, val_samples, cfg.n_ctx_train)
    if not encoded:
        raise InputError(f"no training sample fits the context of {cfg.n_ctx_train} tokens")
    lengths = [len(e[0]) for e in encoded]

    torch.manual_seed(args.seed)
    torch.set_num_threads(max(1, args.threads))
    device = "cuda" if args.device == "auto" and torch.cuda.is_available() else ("cpu" if args.device == "auto" else args.device)
    if device.startswith("cuda"):
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.use_deterministic_algorithms(True, warn_only=True)
    model = init_model(cfg, args.seed).to(device)
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, 0.95))
    warmup = max(1, min(args.warmup, args.steps // 10))

    def lr_at(step: int) -> float:  # linear warm-up, cosine decay to 10 %
        if step < warmup:
            return args.lr * (step + 1) / warmup
        prog = min(1.0, (step - warmup) / max(1, args.steps - warmup))
        return args.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * prog)))

    state: Dict[str, Any] = {"step": 0, "epoch": 0, "batch_in_epoch": 0, "loss_ema": None, "tokens_seen": 0,
                             "train_s": 0.0, "curves": {"train": [], "val": []}}
    if resume:
        ck = torch.load(resume, map_location=device)
        if ck["config"] != cfg.__dict__:
            raise InputError(f"{resume}: the checkpoint's model config differs from this run's ({ck['config']})")
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["optimizer"])
        state = ck["state"]
        if state["step"] >= args.steps:
            emit({"type": "warning", "message": f"{resume} is at step {state['step']} >= --steps {args.steps}; nothing to train"})
    n_params = count_params(cfg)
    assert n_params == sum(p.numel() for p in model.parameters()), "count_params disagrees with the module"
    emit({"type": "start", "params": n_params, "size": args.size, "dim": cfg.n_embd, "layers": cfg.n_layer,
          "heads": cfg.n_head, "ff": cfg.n_ff, "vocab": cfg.n_vocab, "context": cfg.n_ctx_train, "samples": len(encoded),
          "dropped": dropped, "val_samples": len(val_encoded), "steps": args.steps, "from_step": state["step"],
          "device": device, "threads": args.threads, "tokenizer": tok_path, "load_s": round(time.time() - t0, 2)})

    def save_checkpoint() -> None:
        tmp = ckpt_path + ".tmp"
        torch.save({"config": cfg.__dict__, "model": model.state_dict(), "optimizer": opt.state_dict(), "state": state,
                    "tokenizer": tok_path, "args": vars(args)}, tmp)
        os.replace(tmp, ckpt_path)
        emit({"type": "checkpoint", "step": state["step"], "path": ckpt_path})

    progress = Progress(args.steps, state["step"], not args.quiet)
    batches = epoch_batches(len(encoded), lengths, args.batch, args.seed, state["epoch"])
    model.train()
    t_seg = time.time()
    tokens_at_seg = state["tokens_seen"]
    stop = min(args.steps, args.stop_at) if args.stop_at else args.steps
    while state["step"] < stop:
        if state["batch_in_epoch"] >= len(batches):
            state["epoch"] += 1
            state["batch_in_epoch"] = 0
            batches = epoch_batches(len(encoded), lengths, args.batch, args.seed, state["epoch"])
        items = [encoded[i] for i in batches[state["batch_in_epoch"]]]
        state["batch_in_epoch"] += 1
        x, m = collate(torch, items, enc.pad_id)
        x, m = x.to(device), m.to(device)
        for group in opt.param_groups:
            group["lr"] = lr_at(state["step"])
        s, c = masked_nll(torch, model, x, m)
        loss = s / c
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip)
        opt.step()
        state["step"] += 1
        state["tokens_seen"] += sum(len(ids) for ids, _ in items)
        lv = float(loss.detach())
        if not math.isfinite(lv):
            emit({"type": "error", "code": "E_TRAIN_DIVERGED", "message": f"loss is {lv} at step {state['step']}; lower --lr"})
            return 3
        # bias-corrected EMA (as Adam's moments): no lag towards the first, highest losses
        state["loss_ema_raw"] = 0.9 * state.get("loss_ema_raw", 0.0) + 0.1 * lv
        state["loss_ema"] = state["loss_ema_raw"] / (1 - 0.9 ** state["step"])
        step = state["step"]
        if step % args.log_every == 0 or step == args.steps:
            now = time.time()
            state["train_s"] += now - t_seg
            tok_s = (state["tokens_seen"] - tokens_at_seg) / max(now - t_seg, 1e-9)
            t_seg, tokens_at_seg = now, state["tokens_seen"]
            state["curves"]["train"].append([step, round(state["loss_ema"], 5)])
            emit({"type": "step", "step": step, "steps": args.steps, "loss": lv, "loss_ema": state["loss_ema"],
                  "lr": lr_at(step - 1), "tokens_per_s": round(tok_s, 1), "epoch": state["epoch"],
                  "elapsed_s": round(state["train_s"], 2)})
            progress.update(step, state["loss_ema"], tok_s)
        if val_encoded and (step % args.eval_every == 0 or step == args.steps):
            v = evaluate(torch, model, val_encoded, enc.pad_id, device)
            state["curves"]["val"].append([step, round(v, 5)])
            emit({"type": "eval", "step": step, "val_nll": v})
            t_seg = time.time()  # evaluation time is not training time
        if step % args.ckpt_every == 0 or step == stop:
            save_checkpoint()
            t_seg = time.time()
    progress.close()
    if state["step"] < args.steps:  # --stop-at: a session of a longer run; --resume continues it
        emit({"type": "stopped", "step": state["step"], "steps": args.steps, "checkpoint": ckpt_path,
              "train_s": round(state["train_s"], 1)})
        return 0

    val_nll = state["curves"]["val"][-1][1] if state["curves"]["val"] else None
    exports = []
    meta = {"train.format": FORMAT_VERSION, "train.seed": int(args.seed), "train.steps": int(state["step"]),
            "train.corpus_sha256": sha256_file(files["train"]), "train.params": int(n_params)}
    if val_nll is not None:
        meta["train.val_nll"] = float(val_nll)
    if args.natural_set:
        meta["train.natural_set_sha256"] = sha256_file(args.natural_set)
    for kind in [k for k in args.export.split(",") if k]:
        path = os.path.join(args.out, f"planner-{args.size or 'custom'}-{kind}.gguf")
        write_planner_gguf(model.cpu(), tok_path, path, kind, args.name or f"homesight-planner-{args.size or 'custom'}", meta)
        e = {"kind": kind, "file": os.path.basename(path), "path": path, "bytes": os.path.getsize(path), "sha256": sha256_file(path)}
        exports.append(e)
        emit({"type": "export", **e})
    report = {
        "name": os.path.basename(os.path.abspath(args.out)),
        "command": " ".join(["python3", "cloud/trainer/train_planner.py"] + args.argv),
        "model": {"size": args.size or "custom", "params": n_params, "dim": cfg.n_embd, "layers": cfg.n_layer,
                  "heads": cfg.n_head, "kv_heads": cfg.n_head_kv, "ff": cfg.n_ff, "vocab": cfg.n_vocab, "context": cfg.n_ctx_train},
        "corpus": {"files": {k: {"path": v, "sha256": sha256_file(v), "samples": (len(train_samples) if k == "train" else None)}
                             for k, v in files.items() if k in ("train", "val")},
                   "dropped": dropped, "val_samples_scored": len(val_encoded)},
        "natural_set_sha256": meta.get("train.natural_set_sha256"),
        "tokenizer": {"model": os.path.basename(tok_path), "sha256": vocab_sha256(tok_path), "vocab": enc.vocab_size},
        "training": {"step": state["step"], "steps": args.steps, "batch": args.batch, "lr": args.lr, "seed": args.seed,
                     "device": device, "threads": args.threads, "train_s": round(state["train_s"], 1),
                     "tokens_seen": state["tokens_seen"], "tokens_per_s": round(state["tokens_seen"] / max(state["train_s"], 1e-9), 1),
                     "loss_ema": state["loss_ema"], "val_nll": val_nll, "epochs": round(state["step"] * args.batch / len(encoded), 3)},
        "curves": state["curves"],
        "exports": exports,
    }
    if "val" in files:
        report["corpus"]["files"]["val"]["samples"] = len(val_samples)
    write_report(args.out, report)
    emit({"type": "done", "out": args.out, "step": state["step"], "loss_ema": state["loss_ema"], "val_nll": val_nll,
          "params": n_params, "train_s": round(state["train_s"], 1), "exports": [e["path"] for e in exports],
          "report": os.path.join(args.out, "report.md"), "total_s": round(time.time() - t0, 1)})
    return 0


def parse_args(argv: List[str]):
    from planner_model import EXPORT_TYPES, SIZES

    p = argparse.ArgumentParser(description="Train the HomeSight planner model from scratch and export it as GGUF.")
    p.add_argument("--corpus", default=DEFAULT_CORPUS, help="corpus folder (train.jsonl, val.jsonl, …) or one JSONL file")
    p.add_argument("--out", help="run folder: checkpoint, tokenizer, report, GGUF exports (default var/runs/planner-SIZE-sSEED)")
    p.add_argument("--size", choices=sorted(SIZES), help="model size preset; --dim/--layers/--heads/--ff override it")
    p.add_argument("--dim", type=int, default=0)
    p.add_argument("--layers", type=int, default=0)
    p.add_argument("--heads", type=int, default=0)
    p.add_argument("--kv-heads", type=int, default=0, help="KV heads (GQA); default = --heads")
    p.add_argument("--ff", type=int, default=0, help="SwiGLU hidden size (multiple of 32)")
    p.add_argument("--ctx", type=int, default=512, help="context length (the model's, and the longest sample kept)")
    p.add_argument("--vocab", type=int, default=4096, help="tokenizer vocabulary size when training one")
    p.add_argument("--tokenizer", help="an existing SentencePiece .model (default: train one into --out)")
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--warmup", type=int, default=100)
    p.add_argument("--weight-decay", type=float, default=0.1)
    p.add_argument("--clip", type=float, default=1.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    p.add_argument("--device", default="auto", help="auto = cuda when available, else cpu")
    p.add_argument("--limit", type=int, default=0, help="use the first N training samples only")
    p.add_argument("--eval-every", type=int, default=250)
    p.add_argument("--eval-samples", type=int, default=1000, help="validation samples scored at each evaluation")
    p.add_argument("--ckpt-every", type=int, default=250)
    p.add_argument("--stop-at", type=int, default=0,
                   help="checkpoint and stop at this step (train a long run in sessions; --resume continues)")
    p.add_argument("--resume", nargs="?", const="auto", help="continue from a checkpoint (default: --out/checkpoint.pt)")
    p.add_argument("--log-every", type=int, default=10)
    p.add_argument("--export", default="f16,q8_0", help=f"GGUF types to write, comma-separated ({','.join(EXPORT_TYPES)})")
    p.add_argument("--name", help="general.name of the GGUF")
    p.add_argument("--natural-set", help="the hand-written natural set; its sha256 goes into the report and GGUF")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--benchmark", type=float, default=0, help="time training steps for this many seconds on random tokens")
    p.add_argument("--max-len", type=int, default=256, help="--benchmark: tokens per sequence")
    p.add_argument("--benchmark-steps", type=int, default=200, help="--benchmark: at most this many steps")
    a = p.parse_args(argv)
    a.argv = argv
    bad = [k for k in a.export.split(",") if k and k not in EXPORT_TYPES]
    if bad:
        p.error(f"--export: unknown {bad}")
    a.out = a.out or os.path.join("var", "runs", f"planner-{a.size or 'custom'}-s{a.seed}")
    if a.steps < 1:
        p.error("--steps must be >= 1")
    return a


def main(argv: List[str]) -> int:
    args = parse_args(argv)
    try:
        return run_benchmark(args) if args.benchmark else train(args)
    except (InputError, CorpusError, TokenizerError, FileNotFoundError, IsADirectoryError, PermissionError) as e:
        emit({"type": "error", "code": "E_TRAIN_INPUT", "message": str(e)})
        return 2
    except ImportError as e:
        emit({"type": "error", "code": "E_TRAIN_DEPS", "message": f"{e}; install python3-torch and python3-sentencepiece"})
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
