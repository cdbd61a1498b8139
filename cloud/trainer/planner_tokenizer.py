#!/usr/bin/env python3
"""The planner model's own tokenizer: SentencePiece BPE with byte fallback, trained on the corpus, stored in the
planner GGUF as llama/SPM tokenizer metadata so llama.cpp (node-llama-cpp) tokenizes exactly as the trainer does.

    python3 cloud/trainer/planner_tokenizer.py --corpus var/datasets/planner-corpus/train.jsonl \
        --out var/runs/tok/tokenizer.model --vocab 4096

Choices that make SentencePiece and llama.cpp's SPM tokenizer agree (test/trainer/tokenizer-parity.test.ts):
- BPE, not unigram: llama.cpp merges the adjacent pair whose merged piece has the highest score, which is
  SentencePiece's BPE encoder (piece scores are minus the merge rank); unigram would need Viterbi.
- identity normalisation, whitespace runs kept: llama.cpp does neither NFKC nor whitespace collapsing.
- no dummy prefix (GGUF add_space_prefix = false): llama.cpp re-adds the prefix space after every
  user-defined token, SentencePiece does not, so with a prefix the two disagree right after a placeholder.
- placeholders (`<person-1>`, `<camera-2>`, …: every `<kind-N>` in the corpus plus the first few of each
  known kind) and `<question>` are user-defined symbols: always one token, cut out before BPE by both implementations.
- byte fallback: any character outside the vocabulary becomes its UTF-8 bytes `<0xXX>`, never `<unk>`.
"""
from __future__ import annotations

import argparse
import json
import hashlib
import os
import random
import re
import struct
import sys
import tempfile
from typing import Any, Dict, Iterable, List, Tuple

sys.dont_write_bytecode = True  # no __pycache__ inside the repository

# Token types, shared by SentencePiece's ModelProto and GGUF's tokenizer.ggml.token_type.
NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE = 1, 2, 3, 4, 5, 6
UNK_ID, BOS_ID, EOS_ID, PAD_ID = 0, 1, 2, 3
PLACEHOLDER = re.compile(r"<[a-z][a-z_]*-\d+>")
# The mention kinds of daemon/grounding; their first placeholders are symbols even if a small corpus lacks them.
PLACEHOLDER_KINDS = ("person", "group", "camera", "room", "zone", "time", "number")
PLACEHOLDERS_PER_KIND = 8
# Fixed symbols of the plan text (daemon/grounding QUESTION_PLACEHOLDER: compose_answer's question as asked).
FIXED_SYMBOLS = ("<question>",)


class TokenizerError(Exception):
    pass


def placeholder_symbols(texts: Iterable[str]) -> List[str]:
    """`<question>`, every placeholder seen in texts and `<kind-1>`…`<kind-8>` of each known kind, in a stable order."""
    seen = {f"<{k}-{i}>" for k in PLACEHOLDER_KINDS for i in range(1, PLACEHOLDERS_PER_KIND + 1)}
    for t in texts:
        seen.update(PLACEHOLDER.findall(t))

    def key(s: str) -> Tuple[str, int]:
        kind, _, n = s[1:-1].rpartition("-")
        return kind, int(n)

    return list(FIXED_SYMBOLS) + sorted(seen, key=key)


def train_tokenizer(texts: List[str], out_model: str, vocab_size: int, extra_symbols: Iterable[str] = (),
                    max_texts: int = 400_000, seed: int = 0) -> None:
    """Trains the BPE model on texts (each may span lines) and writes SentencePiece's .model file. More than
    max_texts texts are subsampled here with a seeded shuffle (SentencePiece's own sampling is not seeded)."""
    import sentencepiece as spm

    symbols = placeholder_symbols(texts)
    if len(texts) > max_texts:
        texts = list(texts)
        random.Random(seed).shuffle(texts)
        texts = texts[:max_texts]
    symbols += [s for s in extra_symbols if s not in symbols]
    os.makedirs(os.path.dirname(os.path.abspath(out_model)), exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="hs-tok-") as tmp:
        lines_file = os.path.join(tmp, "lines.txt")
        with open(lines_file, "w", encoding="utf-8") as f:
            for t in texts:  # SentencePiece reads lines: newlines and tabs stay byte tokens
                for line in t.split("\n"):
                    if line.strip():
                        f.write(line.replace("\t", " ") + "\n")
        prefix = os.path.join(tmp, "tok")
        spm.SentencePieceTrainer.train(
            input=lines_file, model_prefix=prefix, model_type="bpe", vocab_size=vocab_size,
            hard_vocab_limit=False, byte_fallback=True, character_coverage=0.9999,
            normalization_rule_name="identity", remove_extra_whitespaces=False, add_dummy_prefix=False,
            split_digits=True, split_by_unicode_script=False, user_defined_symbols=symbols,
            unk_id=UNK_ID, bos_id=BOS_ID, eos_id=EOS_ID, pad_id=PAD_ID,
            unk_piece="<unk>", bos_piece="<s>", eos_piece="</s>", pad_piece="<pad>",
            num_threads=1, minloglevel=2,
        )
        tmp_model = out_model + ".tmp"
        with open(prefix + ".model", "rb") as src, open(tmp_model, "wb") as dst:
            dst.write(src.read())
        os.replace(tmp_model, out_model)


# ------------------------------------------------------------------ reading the .model (protobuf) without protobuf


def _varint(buf: bytes, pos: int) -> Tuple[int, int]:
    shift = result = 0
    while True:
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7


def _fields(buf: bytes):
    """(field number, wire type, value) for each field of one protobuf message."""
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        field, wire = key >> 3, key & 7
        if wire == 0:
            val, pos = _varint(buf, pos)
        elif wire == 1:
            val, pos = buf[pos:pos + 8], pos + 8
        elif wire == 2:
            n, pos = _varint(buf, pos)
            val, pos = buf[pos:pos + n], pos + n
        elif wire == 5:
            val, pos = buf[pos:pos + 4], pos + 4
        else:
            raise TokenizerError(f"unsupported protobuf wire type {wire}")
        yield field, wire, val


def read_spm_vocab(model_path: str) -> Tuple[List[str], List[float], List[int]]:
    """SentencePiece ModelProto -> (pieces, scores, types); field 1 = repeated SentencePiece{1 piece, 2 score, 3 type}."""
    with open(model_path, "rb") as f:
        buf = f.read()
    pieces: List[str] = []
    scores: List[float] = []
    types: List[int] = []
    for field, wire, val in _fields(buf):
        if field != 1 or wire != 2:
            continue
        piece, score, ptype = "", 0.0, NORMAL
        for f2, w2, v2 in _fields(val):
            if f2 == 1 and w2 == 2:
                piece = v2.decode("utf-8")
            elif f2 == 2 and w2 == 5:
                score = struct.unpack("<f", v2)[0]
            elif f2 == 3 and w2 == 0:
                ptype = v2
        pieces.append(piece)
        scores.append(score)
        types.append(ptype)
    if not pieces:
        raise TokenizerError(f"{model_path}: no pieces (not a SentencePiece model?)")
    return pieces, scores, types


def vocab_sha256(model_path: str) -> str:
    """A digest of the vocabulary itself (pieces, scores, types): what the GGUF stores. The .model file's own bytes
    also hold the training options, temp paths included, so they differ between identical trainings."""
    pieces, scores, types = read_spm_vocab(model_path)
    return hashlib.sha256(json.dumps([pieces, scores, types], ensure_ascii=False).encode("utf-8")).hexdigest()


def gguf_tokenizer_metadata(model_path: str) -> Dict[str, Any]:
    """The llama/SPM tokenizer keys llama.cpp reads (tokens, scores, token types, special ids, no prefix space)."""
    pieces, scores, types = read_spm_vocab(model_path)
    if types[UNK_ID] != UNKNOWN or types[BOS_ID] != CONTROL or types[EOS_ID] != CONTROL:
        raise TokenizerError(f"{model_path}: expected <unk>, <s>, </s> at ids 0, 1, 2")
    return {
        "tokenizer.ggml.model": "llama",
        "tokenizer.ggml.tokens": pieces,
        "tokenizer.ggml.scores": [float(s) for s in scores],
        "tokenizer.ggml.token_type": [int(t) for t in types],
        "tokenizer.ggml.bos_token_id": BOS_ID,
        "tokenizer.ggml.eos_token_id": EOS_ID,
        "tokenizer.ggml.unknown_token_id": UNK_ID,
        "tokenizer.ggml.padding_token_id": PAD_ID,
        "tokenizer.ggml.add_bos_token": True,
        "tokenizer.ggml.add_eos_token": False,
        "tokenizer.ggml.add_space_prefix": False,
    }


class SentencePieceEncoder:
    """The trainer's encoder: SentencePiece itself (fast, C++); the parity test proves llama.cpp agrees."""

    def __init__(self, model_path: str):
        import sentencepiece as spm

        self.model_path = model_path
        self.sp = spm.SentencePieceProcessor(model_file=model_path)
        self.bos_id, self.eos_id, self.pad_id = BOS_ID, EOS_ID, PAD_ID

    @property
    def vocab_size(self) -> int:
        return int(self.sp.get_piece_size())

    def encode(self, text: str) -> List[int]:
        return list(self.sp.encode(text)) if text else []

    def encode_many(self, texts: List[str]) -> List[List[int]]:
        return [list(x) for x in self.sp.encode(texts)]

    def decode(self, ids: List[int]) -> str:
        return self.sp.decode(ids)


def main(argv: List[str]) -> int:
    p = argparse.ArgumentParser(description="Train the planner's SentencePiece BPE tokenizer on corpus JSONL.")
    p.add_argument("--corpus", required=True, nargs="+", help="corpus JSONL files ({prompt, target} per line)")
    p.add_argument("--out", required=True, help=".model file to write")
    p.add_argument("--vocab", type=int, default=4096)
    a = p.parse_args(argv)
    from corpus import load_corpus, tokenizer_texts

    texts = tokenizer_texts([s for path in a.corpus for s in load_corpus(path)])
    train_tokenizer(texts, a.out, a.vocab)
    pieces, _, types = read_spm_vocab(a.out)
    print(json.dumps({"type": "tokenizer", "model": a.out, "vocab": len(pieces),
                      "user_defined": sum(1 for t in types if t == USER_DEFINED), "texts": len(texts)}))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    sys.exit(main(sys.argv[1:]))
