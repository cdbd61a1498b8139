#!/usr/bin/env python3
"""Test-only base models for the wrong-base adapter cases (written with cloud/trainer/gguf.py).

  make_base_variant.py perturb SRC OUT   same architecture, tensor names and shapes as SRC, one tensor scaled
                                         by 1.05 (a different base model whose adapters have the right shapes)
  make_base_variant.py tiny SRC OUT      a random 2-layer llama, n_embd 32, with SRC's tokenizer (other shapes)
"""
import os
import sys

import numpy as np

sys.dont_write_bytecode = True  # no __pycache__ inside the repository
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "cloud", "trainer"))
from gguf import GGML_F32, GGUFWriter, T_UINT32, read_gguf  # noqa: E402

mode, src_path, out_path = sys.argv[1:4]
src = read_gguf(src_path)
w = GGUFWriter(src.alignment)
if mode == "perturb":
    w.copy_metadata(src)
    w.add("general.name", "stories260K-perturbed")
    for t in src.tensors:
        a = src.tensor_f32(t.name)
        if t.name == "blk.0.ffn_up.weight":
            a = a * np.float32(1.05)
        w.add_tensor(t.name, a, GGML_F32)
elif mode == "tiny":
    rng = np.random.default_rng(0)
    n_embd, n_layer, n_head, n_ff = 32, 2, 4, 64
    n_vocab = len(src.metadata["tokenizer.ggml.tokens"])
    w.copy_metadata(src, skip=("general.alignment", "general.name") + tuple(k for k in src.metadata if k.startswith("llama.")))
    w.add("general.name", "tiny-random-llama")
    for k, v in {"context_length": 256, "embedding_length": n_embd, "feed_forward_length": n_ff, "attention.head_count": n_head,
                 "attention.head_count_kv": n_head, "block_count": n_layer, "rope.dimension_count": n_embd // n_head}.items():
        w.add("llama." + k, v, T_UINT32)
    w.add("llama.attention.layer_norm_rms_epsilon", 1e-5)

    def r(*shape):
        return (rng.standard_normal(shape) * 0.02).astype(np.float32)

    w.add_tensor("token_embd.weight", r(n_vocab, n_embd))
    w.add_tensor("output_norm.weight", np.ones(n_embd, np.float32))
    w.add_tensor("output.weight", r(n_vocab, n_embd))
    for i in range(n_layer):
        for name, shape in [("attn_q", (n_embd, n_embd)), ("attn_k", (n_embd, n_embd)), ("attn_v", (n_embd, n_embd)),
                            ("attn_output", (n_embd, n_embd)), ("ffn_gate", (n_ff, n_embd)), ("ffn_up", (n_ff, n_embd)),
                            ("ffn_down", (n_embd, n_ff))]:
            w.add_tensor(f"blk.{i}.{name}.weight", r(*shape))
        w.add_tensor(f"blk.{i}.attn_norm.weight", np.ones(n_embd, np.float32))
        w.add_tensor(f"blk.{i}.ffn_norm.weight", np.ones(n_embd, np.float32))
else:
    sys.exit(f"unknown mode {mode}")
w.write(out_path)
