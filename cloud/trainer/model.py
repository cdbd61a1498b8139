"""The llama forward pass in plain torch, matching llama.cpp's LLM_ARCH_LLAMA graph, with LoRA.

Weights come from a GGUF file (gguf.py). A ggml matrix with ne = (n_in, n_out) is a row-major numpy array
of shape (n_out, n_in), i.e. exactly torch's nn.Linear weight layout: y = x @ W.T.
  token_embd.weight (n_embd, n_vocab)   -> embedding rows
  blk.N.attn_norm / attn_q / attn_k / attn_v / attn_output / ffn_norm / ffn_gate / ffn_up / ffn_down
  output_norm.weight, output.weight (absent -> tied to token_embd)
RoPE: llama uses llama.cpp's "normal" rope (LLAMA_ROPE_TYPE_NORM): rotates adjacent pairs (x[2i], x[2i+1])
by pos * freq_base^(-2i/n_rot) on the first n_rot dims of each head.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Dict, Tuple

import torch
import torch.nn.functional as F

from gguf import GGUFError, GGUFFile

from names import ALL_TARGETS, LORA_TARGETS, OUTPUT_TARGET  # noqa: F401 (re-exported)


@dataclass
class LlamaConfig:
    n_vocab: int
    n_embd: int
    n_layer: int
    n_head: int
    n_head_kv: int
    n_ff: int
    n_rot: int
    rope_freq_base: float
    rms_eps: float
    n_ctx_train: int

    @property
    def head_dim(self) -> int:
        return self.n_embd // self.n_head

    @classmethod
    def from_gguf(cls, g: GGUFFile) -> "LlamaConfig":
        m = g.metadata
        arch = m.get("general.architecture")
        if arch != "llama":
            raise GGUFError(f"{g.path}: general.architecture is {arch!r}; this trainer implements 'llama' only")
        a = "llama."

        def need(k: str):
            if a + k not in m:
                raise GGUFError(f"{g.path}: missing metadata {a + k}")
            return m[a + k]

        n_embd = int(need("embedding_length"))
        n_head = int(need("attention.head_count"))
        n_vocab = len(m["tokenizer.ggml.tokens"]) if "tokenizer.ggml.tokens" in m else int(m.get(a + "vocab_size", 0))
        rope_scaling = m.get(a + "rope.scaling.type", "none")
        if rope_scaling not in ("none", None):
            raise GGUFError(f"{g.path}: rope scaling {rope_scaling!r} is not implemented")
        return cls(
            n_vocab=n_vocab,
            n_embd=n_embd,
            n_layer=int(need("block_count")),
            n_head=n_head,
            n_head_kv=int(m.get(a + "attention.head_count_kv", n_head)),
            n_ff=int(need("feed_forward_length")),
            n_rot=int(m.get(a + "rope.dimension_count", n_embd // n_head)),
            rope_freq_base=float(m.get(a + "rope.freq_base", 10000.0)),
            rms_eps=float(m.get(a + "attention.layer_norm_rms_epsilon", 1e-5)),
            n_ctx_train=int(m.get(a + "context_length", 2048)),
        )


class LoraLinear(torch.nn.Module):
    """Frozen base weight W (n_out, n_in) plus B @ A scaled by alpha / r, as llama.cpp applies it."""

    def __init__(self, weight: torch.Tensor, rank: int, alpha: float, generator: torch.Generator):
        super().__init__()
        self.weight = torch.nn.Parameter(weight, requires_grad=False)
        n_out, n_in = weight.shape
        self.rank = rank
        self.scaling = alpha / rank if rank > 0 else 0.0
        # PEFT's default init: A ~ kaiming-uniform(a=sqrt(5)), B = 0, so training starts at the base model.
        bound = 1.0 / math.sqrt(n_in)
        self.lora_a = torch.nn.Parameter(torch.empty(rank, n_in).uniform_(-bound, bound, generator=generator))
        self.lora_b = torch.nn.Parameter(torch.zeros(n_out, rank))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.linear(x, self.weight)
        if self.rank > 0:
            y = y + F.linear(F.linear(x, self.lora_a), self.lora_b) * self.scaling
        return y


def rms_norm(x: torch.Tensor, w: torch.Tensor, eps: float) -> torch.Tensor:
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


class Llama(torch.nn.Module):
    def __init__(self, cfg: LlamaConfig, weights: Dict[str, torch.Tensor]):
        super().__init__()
        self.cfg = cfg
        self.tok_embd = torch.nn.Parameter(weights["token_embd.weight"], requires_grad=False)
        self.out_norm = torch.nn.Parameter(weights["output_norm.weight"], requires_grad=False)
        self.tied_output = "output.weight" not in weights
        out_w = weights["token_embd.weight"] if self.tied_output else weights["output.weight"]
        self.output = torch.nn.Linear(out_w.shape[1], out_w.shape[0], bias=False)
        # tied: the LM head is the embedding Parameter itself, so training updates one tensor (as llama.cpp reads it)
        self.output.weight = self.tok_embd if self.tied_output else torch.nn.Parameter(out_w, requires_grad=False)
        self.layers = torch.nn.ModuleList()
        for i in range(cfg.n_layer):
            layer = torch.nn.Module()
            layer.attn_norm = torch.nn.Parameter(weights[f"blk.{i}.attn_norm.weight"], requires_grad=False)
            layer.ffn_norm = torch.nn.Parameter(weights[f"blk.{i}.ffn_norm.weight"], requires_grad=False)
            for name in LORA_TARGETS:
                w = weights[f"blk.{i}.{name}.weight"]
                lin = torch.nn.Linear(w.shape[1], w.shape[0], bias=False)
                lin.weight = torch.nn.Parameter(w, requires_grad=False)
                setattr(layer, name, lin)
            self.layers.append(layer)
        # rope tables
        inv = cfg.rope_freq_base ** (-torch.arange(0, cfg.n_rot, 2, dtype=torch.float64) / cfg.n_rot)
        self.register_buffer("inv_freq", inv.float(), persistent=False)

    def attach_lora(self, rank: int, alpha: float, targets=LORA_TARGETS, seed: int = 0) -> None:
        """Plain-torch LoRA: wraps each targeted projection in a LoraLinear."""
        gen = torch.Generator().manual_seed(seed)
        for layer in self.layers:
            for name in targets:
                if name in LORA_TARGETS:
                    base = getattr(layer, name)
                    setattr(layer, name, LoraLinear(base.weight.data, rank, alpha, gen))
        if OUTPUT_TARGET in targets:
            if self.tied_output:
                raise ValueError("the base model ties output to token_embd; drop 'output' from the LoRA targets")
            self.output = LoraLinear(self.output.weight.data, rank, alpha, gen)

    def lora_weights(self) -> Dict[str, Tuple[torch.Tensor, torch.Tensor, float]]:
        """GGUF base tensor name -> (A (r, n_in), B (n_out, r), alpha/r scaling) for every adapted projection.
        Works for this module's LoraLinear and for PEFT-injected layers (lora_A/lora_B ModuleDicts)."""
        out: Dict[str, Tuple[torch.Tensor, torch.Tensor, float]] = {}
        mods = [(f"blk.{i}.{name}.weight", getattr(layer, name)) for i, layer in enumerate(self.layers) for name in LORA_TARGETS]
        mods.append(("output.weight", self.output))
        for key, mod in mods:
            if isinstance(mod, LoraLinear) and mod.rank > 0:
                out[key] = (mod.lora_a.detach(), mod.lora_b.detach(), mod.scaling)
            elif hasattr(mod, "lora_A") and "default" in getattr(mod, "lora_A"):
                a = mod.lora_A["default"].weight.detach()
                b = mod.lora_B["default"].weight.detach()
                out[key] = (a, b, float(mod.scaling["default"]))
        return out

    def rope(self, x: torch.Tensor, pos: torch.Tensor) -> torch.Tensor:
        # x: (B, T, H, D); rotate adjacent pairs of the first n_rot dims
        n_rot = self.cfg.n_rot
        ang = pos[:, None].float() * self.inv_freq[None, :]  # (T, n_rot/2)
        cos = ang.cos()[None, :, None, :]
        sin = ang.sin()[None, :, None, :]
        xr = x[..., :n_rot]
        x0 = xr[..., 0::2]
        x1 = xr[..., 1::2]
        r0 = x0 * cos - x1 * sin
        r1 = x0 * sin + x1 * cos
        rot = torch.stack([r0, r1], dim=-1).flatten(-2)
        return torch.cat([rot, x[..., n_rot:]], dim=-1) if n_rot < x.shape[-1] else rot

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        """tokens (B, T) int64 -> logits (B, T, n_vocab)."""
        return self.output(self.hidden(tokens))

    def hidden(self, tokens: torch.Tensor) -> torch.Tensor:
        """tokens (B, T) -> the final-norm hidden states (B, T, n_embd), before the LM head; a trainer that needs
        logits at some positions only (the targets) applies self.output to those rows and skips the rest."""
        c = self.cfg
        B, T = tokens.shape
        hd = c.head_dim
        dev = tokens.device
        pos = torch.arange(T, device=dev)
        x = F.embedding(tokens, self.tok_embd)
        mask = torch.full((T, T), float("-inf"), device=dev).triu(1)
        group = c.n_head // c.n_head_kv
        for layer in self.layers:
            h = rms_norm(x, layer.attn_norm, c.rms_eps)
            q = layer.attn_q(h).view(B, T, c.n_head, hd)
            k = layer.attn_k(h).view(B, T, c.n_head_kv, hd)
            v = layer.attn_v(h).view(B, T, c.n_head_kv, hd)
            q = self.rope(q, pos)
            k = self.rope(k, pos)
            if group > 1:  # GQA: query head j reads kv head j // group (ggml's broadcast)
                k = k.repeat_interleave(group, dim=2)
                v = v.repeat_interleave(group, dim=2)
            q, k, v = (t.transpose(1, 2) for t in (q, k, v))  # (B, H, T, D)
            att = (q @ k.transpose(-1, -2)) / math.sqrt(hd) + mask
            o = (att.softmax(-1) @ v).transpose(1, 2).reshape(B, T, c.n_embd)
            x = x + layer.attn_output(o)
            h = rms_norm(x, layer.ffn_norm, c.rms_eps)
            x = x + layer.ffn_down(F.silu(layer.ffn_gate(h)) * layer.ffn_up(h))
        return rms_norm(x, self.out_norm, c.rms_eps)


def load_llama(g: GGUFFile) -> Llama:
    cfg = LlamaConfig.from_gguf(g)
    weights = {t.name: torch.from_numpy(g.tensor_f32(t.name).copy()) for t in g.tensors}
    missing = [n for n in ["token_embd.weight", "output_norm.weight"] if n not in weights]
    for i in range(cfg.n_layer):
        missing += [f"blk.{i}.{n}.weight" for n in LORA_TARGETS + ("attn_norm", "ffn_norm") if f"blk.{i}.{n}.weight" not in weights]
    if missing:
        raise GGUFError(f"{g.path}: missing tensors {missing[:5]}{'...' if len(missing) > 5 else ''}")
    return Llama(cfg, weights)
