#!/usr/bin/env python3
"""Tokenizes strings with the trainer's SPM tokenizer: stdin = JSON array of strings, stdout = JSON array of
token-id lists (no BOS). Used to check the tokenizer against llama.cpp's (node-llama-cpp model.tokenize)."""
import json
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ inside the repository
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gguf import read_gguf  # noqa: E402
from tokenizer import SpmTokenizer  # noqa: E402

if len(sys.argv) != 2:
    sys.stderr.write("usage: tokenize_text.py MODEL.gguf < strings.json\n")
    sys.exit(64)
tok = SpmTokenizer.from_gguf(read_gguf(sys.argv[1]))
print(json.dumps([tok.encode(s) for s in json.load(sys.stdin)]))
