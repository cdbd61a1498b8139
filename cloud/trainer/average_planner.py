#!/usr/bin/env python3
"""Average planner checkpoints that share one parent ("model soup") and export the mean as GGUF.

    python3 cloud/trainer/average_planner.py --out var/runs/planner-2m-soup-a \
        var/runs/planner-2m-v10/checkpoint.pt var/runs/planner-2m-v12/checkpoint.pt var/runs/planner-2m-v13/checkpoint.pt

Fine-tunes of one checkpoint on differently seeded corpora lie in one basin; their uniform weight mean is often
better out of distribution than any one of them (Wortsman et al. 2022). The ingredients must have the same model
config and the same tokenizer vocabulary, else the mean means nothing (exit 2). Writes checkpoint.pt (the mean,
no optimizer state: a new run starts its own), report.json / report.md (ingredients with their sha256, validation
NLL of each and of the mean when --corpus has a val split) and the GGUF exports into --out.
stdout: one JSON object per line ({"type": "ingredient"|"eval"|"export"|"done"|"error"}).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, Dict, List

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # see train_planner.py

from corpus import load_corpus  # noqa: E402
from script_io import InputError, emit, sha256_file  # noqa: E402
from train_planner import FORMAT_VERSION, corpus_files, encode_samples, evaluate  # noqa: E402


def average(args) -> int:
    import torch

    from model import LlamaConfig
    from planner_model import count_params, init_model, write_planner_gguf
    from planner_tokenizer import SentencePieceEncoder, vocab_sha256

    if len(args.checkpoints) < 2:
        raise InputError("give at least two checkpoints to average")
    loaded: List[Dict[str, Any]] = []
    for path in args.checkpoints:
        if not os.path.exists(path):
            raise InputError(f"{path}: no such checkpoint")
        ck = torch.load(path, map_location="cpu")
        tok = os.path.join(os.path.dirname(path), "tokenizer.model")
        if not os.path.exists(tok):
            raise InputError(f"{path}: no tokenizer.model beside it; a checkpoint is averaged with its run folder")
        loaded.append({"path": path, "ck": ck, "tokenizer": tok, "vocab_sha256": vocab_sha256(tok),
                       "sha256": sha256_file(path), "step": ck["state"]["step"]})
        emit({"type": "ingredient", "path": path, "step": ck["state"]["step"], "sha256": loaded[-1]["sha256"]})
    first = loaded[0]
    for item in loaded[1:]:
        if item["ck"]["config"] != first["ck"]["config"]:
            raise InputError(f"{item['path']}: model config {item['ck']['config']} differs from {first['path']}'s")
        if item["vocab_sha256"] != first["vocab_sha256"]:
            raise InputError(f"{item['path']}: its tokenizer differs from {first['path']}'s; train both from one tokenizer")

    cfg = LlamaConfig(**first["ck"]["config"])
    keys = first["ck"]["model"].keys()
    mean = {k: sum(item["ck"]["model"][k].double() for item in loaded) / len(loaded) for k in keys}
    model = init_model(cfg, 0)
    model.load_state_dict({k: v.to(first["ck"]["model"][k].dtype) for k, v in mean.items()})
    model.eval()

    os.makedirs(args.out, exist_ok=True)
    tok_path = os.path.join(args.out, "tokenizer.model")
    with open(first["tokenizer"], "rb") as src, open(tok_path, "wb") as dst:
        dst.write(src.read())

    val_nll: Dict[str, Any] = {}
    if args.corpus:
        files = corpus_files(args.corpus)
        if "val" not in files:
            raise InputError(f"{args.corpus}: no val split to score the ingredients and the mean on")
        enc = SentencePieceEncoder(tok_path)
        val, _ = encode_samples(enc, load_corpus(files["val"], args.eval_samples), cfg.n_ctx_train)
        torch.set_num_threads(max(1, args.threads))
        for item in loaded:
            m = init_model(cfg, 0)
            m.load_state_dict(item["ck"]["model"])
            val_nll[item["path"]] = evaluate(torch, m, val, enc.pad_id, "cpu")
            emit({"type": "eval", "model": item["path"], "val_nll": val_nll[item["path"]]})
        val_nll["mean"] = evaluate(torch, model, val, enc.pad_id, "cpu")
        emit({"type": "eval", "model": "mean", "val_nll": val_nll["mean"]})

    state = {"step": max(item["step"] for item in loaded), "averaged_from": [item["path"] for item in loaded]}
    torch.save({"config": cfg.__dict__, "model": model.state_dict(), "state": state, "tokenizer": tok_path,
                "args": vars(args)}, os.path.join(args.out, "checkpoint.pt"))
    meta = {"train.format": FORMAT_VERSION, "train.params": int(count_params(cfg)),
            "train.averaged_from": ",".join(item["sha256"] for item in loaded)}
    if args.natural_set:
        meta["train.natural_set_sha256"] = sha256_file(args.natural_set)
    exports = []
    for kind in [k for k in args.export.split(",") if k]:
        path = os.path.join(args.out, f"planner-{args.size}-{kind}.gguf")
        write_planner_gguf(model, tok_path, path, kind, args.name or f"homesight-planner-{args.size}", meta)
        e = {"kind": kind, "file": os.path.basename(path), "bytes": os.path.getsize(path), "sha256": sha256_file(path)}
        exports.append(e)
        emit({"type": "export", **e})

    command = " ".join(["python3", "cloud/trainer/average_planner.py"] + args.argv)
    report = {"name": os.path.basename(os.path.abspath(args.out)), "command": command, "params": count_params(cfg),
              "ingredients": [{"path": i["path"], "sha256": i["sha256"], "step": i["step"],
                               "val_nll": val_nll.get(i["path"])} for i in loaded],
              "val_nll": val_nll.get("mean"), "corpus": args.corpus, "exports": exports,
              "natural_set_sha256": meta.get("train.natural_set_sha256")}
    with open(os.path.join(args.out, "report.json"), "w", encoding="utf-8") as f:
        json.dump(report, f, indent=2)
        f.write("\n")
    lines = [f"# Planner checkpoint average: {report['name']}", "", f"Command: `{command}`", "",
             f"Uniform mean of {len(loaded)} checkpoints ({report['params']:,} parameters each), "
             f"validation NLL on {args.corpus or '(no corpus given)'}:", "",
             "| ingredient | step | sha256 | val NLL |", "|---|---|---|---|"]
    lines += [f"| {i['path']} | {i['step']} | `{i['sha256'][:16]}…` | "
              f"{'–' if val_nll.get(i['path']) is None else round(val_nll[i['path']], 4)} |" for i in loaded]
    lines += [f"| **mean** | | | {'–' if report['val_nll'] is None else round(report['val_nll'], 4)} |", "",
              f"natural set sha256: {report['natural_set_sha256'] or 'not given (--natural-set)'}", "",
              "| export | bytes | sha256 |", "|---|---|---|"]
    lines += [f"| {e['file']} | {e['bytes']:,} | `{e['sha256']}` |" for e in exports]
    with open(os.path.join(args.out, "report.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    emit({"type": "done", "out": args.out, "val_nll": report["val_nll"], "exports": [e["file"] for e in exports]})
    return 0


def main(argv: List[str]) -> int:
    p = argparse.ArgumentParser(description="Average planner checkpoints of one parent and export the mean as GGUF.")
    p.add_argument("checkpoints", nargs="+", help="checkpoint.pt files, each in its run folder (with tokenizer.model)")
    p.add_argument("--out", required=True, help="folder for the mean's checkpoint, report and GGUF exports")
    p.add_argument("--size", default="2m", help="size label in the export file names (planner-SIZE-KIND.gguf)")
    p.add_argument("--export", default="f16,q8_0,q4_0", help="GGUF types to write, comma-separated")
    p.add_argument("--corpus", help="corpus folder whose val split scores each ingredient and the mean")
    p.add_argument("--eval-samples", type=int, default=1000)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--name", help="general.name of the GGUF")
    p.add_argument("--natural-set", help="the hand-written natural set; its sha256 goes into the report and GGUF")
    args = p.parse_args(argv)
    args.argv = argv
    try:
        return average(args)
    except InputError as e:
        emit({"type": "error", "code": "E_TRAIN_INPUT", "message": str(e)})
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
