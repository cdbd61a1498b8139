"""The from-scratch planner model: size presets, random initialisation of model.py's llama graph, and export to a
llama GGUF (F32 / F16 / Q8_0 / Q4_0) with the planner tokenizer inside, loadable by node-llama-cpp.

The torch module is model.py's Llama (the same forward pass the LoRA trainer checks against llama.cpp), built
from freshly initialised weights instead of a GGUF file, with every parameter trainable. Embeddings are tied
(no output.weight; llama.cpp then uses token_embd as the LM head), which saves V·d parameters at these sizes.
"""
from __future__ import annotations

import math
import os
from typing import Any, Dict, List, Optional

import torch

from gguf import GGML_F16, GGML_F32, GGML_Q4_0, GGML_Q8_0, T_ARRAY, T_BOOL, T_FLOAT32, T_INT32, T_STRING, T_UINT32, GGUFWriter
from model import Llama, LlamaConfig
from names import LORA_TARGETS
from planner_tokenizer import gguf_tokenizer_metadata

# name -> (n_embd, n_layer, n_head, n_ff); parameter counts are for a 4,096-token vocabulary (tied embeddings).
SIZES: Dict[str, Dict[str, int]] = {
    "2m": {"dim": 128, "layers": 8, "heads": 4, "ff": 384},      # ≈ 2.2 M
    "7m": {"dim": 256, "layers": 8, "heads": 8, "ff": 640},      # ≈ 7.1 M
    "15m": {"dim": 320, "layers": 10, "heads": 10, "ff": 960},   # ≈ 14.6 M
    "30m": {"dim": 448, "layers": 12, "heads": 14, "ff": 1152},  # ≈ 30.0 M
}

# ggml file types (general.file_type) and the tensor type each export uses for 2-D weights.
EXPORT_TYPES = {"f32": (0, GGML_F32), "f16": (1, GGML_F16), "q8_0": (7, GGML_Q8_0), "q4_0": (2, GGML_Q4_0)}


def make_config(n_vocab: int, dim: int, layers: int, heads: int, ff: int, ctx: int, kv_heads: Optional[int] = None,
                rope_base: float = 10000.0, rms_eps: float = 1e-5) -> LlamaConfig:
    if dim % 32 != 0 or ff % 32 != 0:
        raise ValueError("--dim and --ff must be multiples of 32 (Q8_0/Q4_0 quantize rows in blocks of 32)")
    if dim % heads != 0:
        raise ValueError(f"--dim {dim} is not a multiple of --heads {heads}")
    kv = kv_heads or heads
    if heads % kv != 0:
        raise ValueError(f"--heads {heads} is not a multiple of --kv-heads {kv}")
    if (dim // heads) % 2 != 0:
        raise ValueError("the head size must be even (RoPE rotates pairs)")
    return LlamaConfig(n_vocab=n_vocab, n_embd=dim, n_layer=layers, n_head=heads, n_head_kv=kv, n_ff=ff,
                       n_rot=dim // heads, rope_freq_base=rope_base, rms_eps=rms_eps, n_ctx_train=ctx)


def count_params(cfg: LlamaConfig) -> int:
    d, f, hd = cfg.n_embd, cfg.n_ff, cfg.head_dim
    per_layer = d * d * 2 + 2 * d * (cfg.n_head_kv * hd) + 3 * d * f + 2 * d
    return cfg.n_vocab * d + cfg.n_layer * per_layer + d


def init_model(cfg: LlamaConfig, seed: int) -> Llama:
    """GPT-2-style init: N(0, 0.02), residual output projections scaled by 1/sqrt(2·layers), norms at 1."""
    g = torch.Generator().manual_seed(seed)
    d, hd = cfg.n_embd, cfg.head_dim
    std = 0.02
    std_out = std / math.sqrt(2 * cfg.n_layer)

    def normal(n_out: int, n_in: int, s: float) -> torch.Tensor:
        return torch.empty(n_out, n_in).normal_(0.0, s, generator=g)

    w: Dict[str, torch.Tensor] = {"token_embd.weight": normal(cfg.n_vocab, d, std), "output_norm.weight": torch.ones(d)}
    shapes = {"attn_q": (d, d), "attn_k": (cfg.n_head_kv * hd, d), "attn_v": (cfg.n_head_kv * hd, d),
              "attn_output": (d, d), "ffn_gate": (cfg.n_ff, d), "ffn_up": (cfg.n_ff, d), "ffn_down": (d, cfg.n_ff)}
    for i in range(cfg.n_layer):
        w[f"blk.{i}.attn_norm.weight"] = torch.ones(d)
        w[f"blk.{i}.ffn_norm.weight"] = torch.ones(d)
        for name in LORA_TARGETS:
            n_out, n_in = shapes[name]
            w[f"blk.{i}.{name}.weight"] = normal(n_out, n_in, std_out if name in ("attn_output", "ffn_down") else std)
    model = Llama(cfg, w)
    for p in model.parameters():
        p.requires_grad_(True)
    return model


def model_tensors(model: Llama) -> Dict[str, torch.Tensor]:
    """GGUF tensor name -> weight, in llama.cpp's order (output.weight omitted: tied to token_embd)."""
    out: Dict[str, torch.Tensor] = {"token_embd.weight": model.tok_embd.detach()}
    for i, layer in enumerate(model.layers):
        out[f"blk.{i}.attn_norm.weight"] = layer.attn_norm.detach()
        for name in ("attn_q", "attn_k", "attn_v", "attn_output"):
            out[f"blk.{i}.{name}.weight"] = getattr(layer, name).weight.detach()
        out[f"blk.{i}.ffn_norm.weight"] = layer.ffn_norm.detach()
        for name in ("ffn_gate", "ffn_up", "ffn_down"):
            out[f"blk.{i}.{name}.weight"] = getattr(layer, name).weight.detach()
    out["output_norm.weight"] = model.out_norm.detach()
    if not model.tied_output:
        out["output.weight"] = model.output.weight.detach()
    return out


def write_planner_gguf(model: Llama, tokenizer_model: str, path: str, export: str, name: str,
                       extra: Optional[Dict[str, Any]] = None) -> None:
    """Writes the model as a llama GGUF; 1-D norms stay F32, matrices take the export type (Q4_0 keeps the
    embedding, which is also the LM head, at Q8_0). Written to path.tmp, then renamed."""
    file_type, mat_type = EXPORT_TYPES[export]
    c = model.cfg
    w = GGUFWriter()
    w.add("general.architecture", "llama", T_STRING)
    w.add("general.name", name, T_STRING)
    w.add("general.file_type", file_type, T_UINT32)
    w.add("llama.context_length", c.n_ctx_train, T_UINT32)
    w.add("llama.embedding_length", c.n_embd, T_UINT32)
    w.add("llama.block_count", c.n_layer, T_UINT32)
    w.add("llama.feed_forward_length", c.n_ff, T_UINT32)
    w.add("llama.attention.head_count", c.n_head, T_UINT32)
    w.add("llama.attention.head_count_kv", c.n_head_kv, T_UINT32)
    w.add("llama.rope.dimension_count", c.n_rot, T_UINT32)
    w.add("llama.rope.freq_base", float(c.rope_freq_base), T_FLOAT32)
    w.add("llama.attention.layer_norm_rms_epsilon", float(c.rms_eps), T_FLOAT32)
    w.add("llama.vocab_size", c.n_vocab, T_UINT32)
    tok_meta = gguf_tokenizer_metadata(tokenizer_model)
    if len(tok_meta["tokenizer.ggml.tokens"]) != c.n_vocab:
        raise ValueError(f"{tokenizer_model} has {len(tok_meta['tokenizer.ggml.tokens'])} tokens, the model {c.n_vocab}")
    for k, v in tok_meta.items():
        if k == "tokenizer.ggml.token_type":
            w.add(k, v, T_ARRAY, T_INT32)
        elif k == "tokenizer.ggml.scores":
            w.add(k, v, T_ARRAY, T_FLOAT32)
        elif isinstance(v, bool):
            w.add(k, v, T_BOOL)
        else:
            w.add(k, v)
    for k, v in (extra or {}).items():
        w.add(f"homesight.{k}", v)
    for tname, t in model_tensors(model).items():
        arr = t.float().cpu().numpy()
        if arr.ndim == 1:
            w.add_tensor(tname, arr, GGML_F32)
        elif mat_type in (GGML_F32, GGML_F16):
            w.add_tensor(tname, arr, mat_type)
        else:
            w.add_quantized_tensor(tname, arr, GGML_Q8_0 if (mat_type == GGML_Q4_0 and tname == "token_embd.weight") else mat_type)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp"
    w.write(tmp)
    os.replace(tmp, path)


def per_token_nll(model: Llama, batch_ids: List[List[int]], pad_id: int) -> List[List[float]]:
    """Each sequence's NLL of tokens 1..n-1 given the ones before (nats), one forward pass for the batch."""
    T = max(len(x) for x in batch_ids)
    x = torch.full((len(batch_ids), T), pad_id, dtype=torch.long)
    for b, ids in enumerate(batch_ids):
        x[b, : len(ids)] = torch.tensor(ids)
    with torch.no_grad():
        logp = torch.log_softmax(model(x)[:, :-1].double(), dim=-1)
        nll = -logp.gather(-1, x[:, 1:].unsqueeze(-1)).squeeze(-1)
    return [nll[b, : len(ids) - 1].tolist() for b, ids in enumerate(batch_ids)]

