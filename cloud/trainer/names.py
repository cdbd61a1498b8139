"""GGUF tensor names the trainer adapts (no torch import, so input checks stay fast)."""

# Per-layer projections LoRA can attach to, by their GGUF names (llama.cpp applies LoRA to each via build_lora_mm).
LORA_TARGETS = ("attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down")
# The LM head ("output.weight"), also a build_lora_mm in llama.cpp's llama graph. Adapting it matters for tokens
# the base model never learnt to emit (e.g. the byte tokens of "{" and "_" in a story-trained vocabulary).
OUTPUT_TARGET = "output"
ALL_TARGETS = LORA_TARGETS + (OUTPUT_TARGET,)
