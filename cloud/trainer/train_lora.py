#!/usr/bin/env python3
"""Fine-tune a LoRA adapter for a llama GGUF base model on plan text and write it as a GGUF LoRA adapter.

    python3 cloud/trainer/train_lora.py --base base.gguf --data plans.jsonl --out adapter.gguf \
        --steps 300 --rank 8 --alpha 16 --lr 3e-3 --seed 0

Progress goes to stdout as one JSON object per line ({"type": "start"|"step"|"done"|"error", ...}); the
TypeScript Trainer seam (cloud/trainer/index.ts) parses them. Exit codes: 0 ok, 2 bad input, 3 the training
loss did not fall (adapter not written), 1 anything else.

Data: JSONL, one sample per line, either {"prompt": ..., "completion": ...}, {"text": ...}, or a TaskBench-style
plan record ({"user_request"|"question"|"instruction": ..., "task_steps", "task_nodes", "task_links"} or with a
"plan" object). Plan records become prompt "Question: <q>\\nPlan:\\n" and completion = the plan as compact JSON
(keys task_steps, task_nodes, task_links), followed by EOS. The loss covers completion tokens only (all tokens for
{"text"} samples). The same format is implemented in TypeScript by formatPlanSample() (cloud/trainer/format.ts).
For a base whose GGUF says homesight.train.format = homesight-planner-v1 (HomeSight's planner model) the samples are
{prompt, completion} in its own format (adapterSample() in daemon/agent/planning/model-planner.ts), tokenized as that
base was trained: <s> + tokens(prompt) + tokens(completion) + </s>, each part on its own.
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

from gguf import GGML_F16, GGML_F32, GGUFError, GGUFWriter, T_FLOAT32, T_STRING, T_UINT32, read_gguf  # noqa: E402
from tokenizer import SpmTokenizer  # noqa: E402
from script_io import InputError, emit, sha256_file  # noqa: E402

FORMAT_VERSION = "homesight-plan-v1"
# A base trained by train_planner.py on its own prompt and plan text (GGUF homesight.train.format): its adapter samples
# are {prompt, completion} written by adapterSample() (daemon/agent/planning/model-planner.ts), tokenized as the base
# was trained and as the daemon's planner feeds it: <s> + tokens(prompt) + tokens(completion) + </s>, each on its own.
PLANNER_FORMAT = "homesight-planner-v1"


# ------------------------------------------------------------------ data

QUESTION_KEYS = ("question", "user_request", "instruction", "request")


def format_sample(rec: Dict[str, Any]) -> Tuple[str, str]:
    """-> (prompt, completion). Mirrors formatPlanSample() in cloud/trainer/format.ts."""
    if isinstance(rec.get("prompt"), str) and isinstance(rec.get("completion"), str):
        return rec["prompt"], rec["completion"]
    if isinstance(rec.get("text"), str):
        return "", rec["text"]
    q = next((rec[k] for k in QUESTION_KEYS if isinstance(rec.get(k), str)), None)
    plan = rec.get("plan") if isinstance(rec.get("plan"), dict) else rec
    if q is None or not isinstance(plan.get("task_nodes"), list):
        raise InputError("a line needs {prompt, completion}, {text} or a plan record (question + task_nodes)")
    ordered: Dict[str, Any] = {}
    for k in ("task_steps", "task_nodes", "task_links"):
        if k in plan:
            ordered[k] = plan[k]
    return f"Question: {q.strip()}\nPlan:\n", json.dumps(ordered, separators=(",", ":"), ensure_ascii=False)


def load_samples(path: str) -> List[Tuple[str, str]]:
    out = []
    with open(path, "r", encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as e:
                raise InputError(f"{path}:{n}: not JSON ({e.msg})")
            if not isinstance(rec, dict):
                raise InputError(f"{path}:{n}: expected a JSON object")
            try:
                out.append(format_sample(rec))
            except InputError as e:
                raise InputError(f"{path}:{n}: {e}")
    if not out:
        raise InputError(f"{path}: no samples")
    return out


def encode_sample(tok: SpmTokenizer, prompt: str, completion: str, max_len: int, separate: bool = False) -> Tuple[List[int], int]:
    """Token ids [BOS] + prompt + completion + [EOS] and the index of the first completion token. `separate`: prompt
    and completion tokenized each on its own (a homesight-planner-v1 base), else the whole text at once."""
    if separate:
        p = tok.encode(prompt, bos=True)
        full = p + tok.encode(completion) + [tok.eos_id]
        return full[:max_len], min(len(p), max_len)
    full = tok.encode(prompt + completion, bos=True) + [tok.eos_id]
    if prompt:
        p = tok.encode(prompt, bos=True)
        if full[: len(p)] != p:  # the prompt's last piece merged into the completion: split at the common prefix
            k = 0
            while k < len(p) and full[k] == p[k]:
                k += 1
            p = p[:k]
        start = len(p)
    else:
        start = 1
    return full[:max_len], min(start, max_len)


# ------------------------------------------------------------------ training


def build_batches(encoded, batch_size: int, rng: random.Random):
    order: List[int] = []
    while True:
        if not order:
            order = list(range(len(encoded)))
            rng.shuffle(order)
        take, order = order[:batch_size], order[batch_size:]
        yield [encoded[i] for i in take]


def collate(torch, batch, pad_id: int):
    T = max(len(ids) for ids, _ in batch)
    x = torch.full((len(batch), T), pad_id, dtype=torch.long)
    mask = torch.zeros((len(batch), T), dtype=torch.float32)
    for b, (ids, start) in enumerate(batch):
        x[b, : len(ids)] = torch.tensor(ids)
        # position t predicts token t+1; count targets from the completion start onwards
        mask[b, max(start - 1, 0): len(ids) - 1] = 1.0
    return x, mask


def batch_loss(torch, model, x, mask):
    logits = model(x)
    logp = torch.log_softmax(logits[:, :-1].float(), dim=-1)
    tgt = x[:, 1:]
    nll = -logp.gather(-1, tgt.unsqueeze(-1)).squeeze(-1)
    m = mask[:, :-1]
    return (nll * m).sum() / m.sum().clamp(min=1.0)


def write_adapter(path: str, model, args, base, base_sha: str, stats: Dict[str, Any]) -> None:
    w = GGUFWriter()
    arch = base.metadata.get("general.architecture", "llama")
    w.add("general.architecture", arch, T_STRING)
    w.add("general.type", "adapter", T_STRING)
    w.add("general.name", args.name or f"homesight-lora-{base_sha[:12]}", T_STRING)
    w.add("adapter.type", "lora", T_STRING)
    w.add("adapter.lora.alpha", float(args.alpha), T_FLOAT32)
    w.add("homesight.base_model.sha256", base_sha, T_STRING)
    w.add("homesight.base_model.name", str(base.metadata.get("general.name", "")), T_STRING)
    w.add("homesight.lora.rank", int(args.rank), T_UINT32)
    w.add("homesight.lora.targets", ",".join(args.targets), T_STRING)
    w.add("homesight.train.steps", int(stats["steps"]), T_UINT32)
    w.add("homesight.train.seed", int(args.seed), T_UINT32)
    w.add("homesight.train.loss_start", float(stats["loss_start"]), T_FLOAT32)
    w.add("homesight.train.loss_end", float(stats["loss_end"]), T_FLOAT32)
    w.add("homesight.train.data_sha256", stats["data_sha256"], T_STRING)
    w.add("homesight.train.format", stats["format"], T_STRING)
    w.add("homesight.train.backend", stats["backend"], T_STRING)
    gtype = GGML_F16 if args.dtype == "f16" else GGML_F32
    weights = model.lora_weights()
    if not weights:
        raise InputError("no LoRA weights to write (check --targets)")
    for name in sorted(weights, key=_tensor_order):
        a, b, scaling = weights[name]
        # llama.cpp scales B·A·x by adapter.lora.alpha / rank; keep that equal to the trained scaling.
        expected = float(args.alpha) / a.shape[0]
        if not math.isclose(scaling, expected, rel_tol=1e-5):
            b = b * (scaling / expected)
        # numpy (r, n_in) -> ggml ne = (n_in, r); numpy (n_out, r) -> ne = (r, n_out): what llama-adapter.cpp checks
        w.add_tensor(f"{name}.lora_a", a.float().cpu().numpy(), gtype)
        w.add_tensor(f"{name}.lora_b", b.float().cpu().numpy(), gtype)
    tmp = path + ".tmp"
    w.write(tmp)
    os.replace(tmp, path)


def _tensor_order(name: str):
    parts = name.split(".")
    return (int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else -1, name)


def choose_backend(requested: str) -> str:
    if requested == "torch":
        return "torch"
    try:
        import peft

        if not hasattr(peft, "inject_adapter_in_model"):  # PEFT < 0.7 cannot wrap a plain nn.Module
            raise ImportError(f"peft {getattr(peft, '__version__', '?')} lacks inject_adapter_in_model (need >= 0.7)")
        return "peft"
    except Exception as e:
        if requested == "peft":
            raise InputError(f"--backend peft: {e}")
        return "torch"


def train(args) -> int:
    # Validate everything that needs no torch first, so bad input fails fast (importing torch takes seconds).
    from names import ALL_TARGETS, OUTPUT_TARGET

    rng = random.Random(args.seed)
    bad = [t for t in args.targets if t not in ALL_TARGETS]
    if bad:
        raise InputError(f"--targets: unknown {bad}; choose from {','.join(ALL_TARGETS)}")
    if args.rank < 1:
        raise InputError("--rank must be >= 1")
    t0 = time.time()
    base = read_gguf(args.base)
    tok = SpmTokenizer.from_gguf(base)
    samples = load_samples(args.data)
    for s in samples[: args.print_samples]:
        emit({"type": "sample", "prompt": s[0], "completion": s[1]})
    base_format = base.metadata.get("homesight.train.format")
    separate = base_format == PLANNER_FORMAT
    encoded = [encode_sample(tok, p, c, args.max_len, separate) for p, c in samples]
    encoded = [e for e in encoded if len(e[0]) - e[1] >= 1]
    if not encoded:
        raise InputError("every sample is empty after truncation (raise --max-len)")
    eval_encoded = None
    if args.eval_data:  # evaluated whole (up to the model's training context), not truncated to --max-len
        eval_len = max(args.max_len, min(int(base.metadata.get("llama.context_length", 2048)), 2048))
        eval_encoded = [encode_sample(tok, p, c, eval_len, separate) for p, c in load_samples(args.eval_data)]
    base_sha = sha256_file(args.base)

    import torch

    from model import load_llama

    torch.manual_seed(args.seed)
    torch.set_num_threads(max(1, args.threads))
    model = load_llama(base)
    if OUTPUT_TARGET in args.targets and model.tied_output:
        args.targets = [t for t in args.targets if t != OUTPUT_TARGET]
        emit({"type": "warning", "message": "the base model has no output.weight (tied embeddings); the LM head is not adapted"})
    backend = choose_backend(args.backend)
    device = "cuda" if args.device == "auto" and torch.cuda.is_available() else ("cpu" if args.device == "auto" else args.device)
    if backend == "peft":
        from peft import LoraConfig, inject_adapter_in_model

        cfg = LoraConfig(r=args.rank, lora_alpha=args.alpha, lora_dropout=0.0, target_modules=list(args.targets), bias="none")
        model = inject_adapter_in_model(cfg, model)
    else:
        model.attach_lora(args.rank, args.alpha, tuple(args.targets), args.seed)
    model.to(device)
    params = [p for n, p in model.named_parameters() if "lora" in n.lower()]
    for p in params:
        p.requires_grad_(True)
    n_params = sum(p.numel() for p in params)
    pad = tok.eos_id

    def to_dev(batch):
        x, m = collate(torch, batch, pad)
        return x.to(device), m.to(device)

    model.eval()
    with torch.no_grad():
        loss_start = _mean_nll_dev(torch, model, encoded, to_dev)
        eval_start = _mean_nll_dev(torch, model, eval_encoded, to_dev) if eval_encoded else None
    emit({"type": "start", "base": args.base, "base_sha256": base_sha, "samples": len(encoded), "steps": args.steps,
          "rank": args.rank, "alpha": args.alpha, "lr": args.lr, "backend": backend, "device": device,
          "trainable_params": n_params, "loss": loss_start, "eval_nll": eval_start,
          "tokens": sum(len(e[0]) for e in encoded), "load_s": round(time.time() - t0, 3)})
    if args.dry_run:
        return 0

    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=args.weight_decay)
    warmup = max(1, min(args.warmup, args.steps // 5))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warmup) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(s, args.steps) / args.steps))))
    batches = build_batches(encoded, args.batch, rng)
    model.train()
    t1 = time.time()
    ema: Optional[float] = None
    for step in range(1, args.steps + 1):
        x, m = to_dev(next(batches))
        loss = batch_loss(torch, model, x, m)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, args.clip)
        opt.step()
        sched.step()
        lv = float(loss.detach())
        if not math.isfinite(lv):
            emit({"type": "error", "code": "E_TRAIN_DIVERGED", "message": f"loss is {lv} at step {step}; lower --lr"})
            return 3
        ema = lv if ema is None else 0.9 * ema + 0.1 * lv
        if step % args.log_every == 0 or step == args.steps:
            emit({"type": "step", "step": step, "steps": args.steps, "loss": lv, "loss_ema": ema,
                  "lr": sched.get_last_lr()[0], "elapsed_s": round(time.time() - t1, 3)})
    model.eval()
    with torch.no_grad():
        loss_end = _mean_nll_dev(torch, model, encoded, to_dev)
        eval_end = _mean_nll_dev(torch, model, eval_encoded, to_dev) if eval_encoded else None
    stats = {"steps": args.steps, "loss_start": loss_start, "loss_end": loss_end, "data_sha256": sha256_file(args.data),
             "backend": backend, "format": PLANNER_FORMAT if separate else FORMAT_VERSION}
    if not (loss_end < loss_start) and not args.allow_no_improvement:
        emit({"type": "error", "code": "E_TRAIN_NO_PROGRESS",
              "message": f"training loss did not fall ({loss_start:.4f} -> {loss_end:.4f}); adapter not written",
              "loss_start": loss_start, "loss_end": loss_end})
        return 3
    write_adapter(args.out, model, args, base, base_sha, stats)
    emit({"type": "done", "adapter": args.out, "sha256": sha256_file(args.out), "base_sha256": base_sha,
          "loss_start": loss_start, "loss_end": loss_end, "eval_nll_start": eval_start, "eval_nll_end": eval_end,
          "steps": args.steps, "rank": args.rank, "alpha": args.alpha, "train_s": round(time.time() - t1, 3),
          "total_s": round(time.time() - t0, 3)})
    return 0


def _mean_nll_dev(torch, model, encoded, to_dev, batch_size: int = 16) -> float:
    tot, cnt = 0.0, 0.0
    for i in range(0, len(encoded), batch_size):
        x, mask = to_dev(encoded[i: i + batch_size])
        logp = torch.log_softmax(model(x)[:, :-1].float(), dim=-1)
        nll = -logp.gather(-1, x[:, 1:].unsqueeze(-1)).squeeze(-1)
        m = mask[:, :-1]
        tot += float((nll * m).sum())
        cnt += float(m.sum())
    return tot / max(cnt, 1.0)


def parse_args(argv: List[str]):
    p = argparse.ArgumentParser(description="Train a GGUF LoRA adapter for a llama GGUF base model on plan text.")
    p.add_argument("--base", required=True, help="base model GGUF (llama architecture)")
    p.add_argument("--data", required=True, help="training JSONL")
    p.add_argument("--out", required=True, help="adapter GGUF to write")
    p.add_argument("--eval-data", help="held-out JSONL; its NLL before/after is reported")
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--rank", type=int, default=8)
    p.add_argument("--alpha", type=float, default=16.0)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--weight-decay", type=float, default=0.0)
    p.add_argument("--warmup", type=int, default=20)
    p.add_argument("--clip", type=float, default=1.0)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--max-len", type=int, default=256, help="tokens per sample (longer samples are truncated)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    p.add_argument("--targets", default="attn_q,attn_k,attn_v,attn_output,ffn_gate,ffn_up,ffn_down,output",
                   help="projections to adapt (comma-separated GGUF names; output = the LM head)")
    p.add_argument("--dtype", choices=["f32", "f16"], default="f32", help="adapter tensor type")
    p.add_argument("--backend", choices=["auto", "torch", "peft"], default="auto", help="auto = PEFT when importable")
    p.add_argument("--device", default="auto", help="auto = cuda when available, else cpu")
    p.add_argument("--name", help="general.name of the adapter")
    p.add_argument("--log-every", type=int, default=10)
    p.add_argument("--print-samples", type=int, default=0, help="emit the first N formatted samples")
    p.add_argument("--dry-run", action="store_true", help="load, format and score the data, then stop (no training)")
    p.add_argument("--allow-no-improvement", action="store_true", help="write the adapter even if the loss did not fall")
    a = p.parse_args(argv)
    a.targets = [t.strip() for t in a.targets.split(",") if t.strip()]
    if a.steps < 1:
        p.error("--steps must be >= 1")
    return a


def main(argv: List[str]) -> int:
    args = parse_args(argv)
    try:
        return train(args)
    except (InputError, GGUFError, FileNotFoundError, IsADirectoryError, PermissionError) as e:
        emit({"type": "error", "code": "E_TRAIN_INPUT", "message": str(e)})
        return 2
    except ImportError as e:
        emit({"type": "error", "code": "E_TRAIN_DEPS", "message": f"{e}; install python3-torch (Debian) or torch"})
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
