#!/usr/bin/env python3
"""Scores samples with a GGUF model in torch (model.py's forward pass on the file's weights, dequantized, and the
tokenizer read from the file): stdin = JSON array of {prompt, target}, stdout = JSON array of
{ids, start, nll} per sample, where ids = [BOS] + tokenize(prompt) + tokenize(target) + [EOS], start = index of
the first target token and nll[i] = -log p(ids[start + i] | ids before it) in nats. The export-parity test
compares these numbers with llama.cpp's (node-llama-cpp) on the same file."""
import json
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ inside the repository
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

if len(sys.argv) != 2:
    sys.stderr.write("usage: score_gguf.py MODEL.gguf < samples.json\n")
    sys.exit(64)

import torch  # noqa: E402

from gguf import read_gguf  # noqa: E402
from model import load_llama  # noqa: E402
from planner_model import per_token_nll  # noqa: E402
from tokenizer import SpmTokenizer  # noqa: E402

torch.set_num_threads(1)
g = read_gguf(sys.argv[1])
tok = SpmTokenizer.from_gguf(g)
model = load_llama(g).eval()
out = []
for s in json.load(sys.stdin):
    p = tok.encode(s["prompt"])
    ids = [tok.bos_id] + p + tok.encode(s["target"]) + [tok.eos_id]
    start = 1 + len(p)
    nll = per_token_nll(model, [ids], tok.eos_id)[0]
    out.append({"ids": ids, "start": start, "nll": nll[start - 1:]})
print(json.dumps(out))
