#!/usr/bin/env python3
"""Tokenizes strings with the trainer's tokenizers: stdin = JSON array of strings, stdout = JSON array of
token-id lists (no BOS). `tokenize_text.py MODEL.gguf` uses the SPM tokenizer read from the GGUF (tokenizer.py);
`tokenize_text.py --spm TOKENIZER.model` uses SentencePiece itself, as train_planner.py does. Used to check both
against llama.cpp's (node-llama-cpp model.tokenize)."""
import json
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ inside the repository
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

if len(sys.argv) == 3 and sys.argv[1] == "--spm":
    from planner_tokenizer import SentencePieceEncoder  # noqa: E402

    encode = SentencePieceEncoder(sys.argv[2]).encode
elif len(sys.argv) == 2:
    from gguf import read_gguf  # noqa: E402
    from tokenizer import SpmTokenizer  # noqa: E402

    encode = SpmTokenizer.from_gguf(read_gguf(sys.argv[1])).encode
else:
    sys.stderr.write("usage: tokenize_text.py MODEL.gguf < strings.json | tokenize_text.py --spm TOKENIZER.model < strings.json\n")
    sys.exit(64)
print(json.dumps([encode(s) for s in json.load(sys.stdin)]))
