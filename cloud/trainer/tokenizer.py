"""SentencePiece-style (llama "SPM") tokenizer read from GGUF metadata.

Follows llama.cpp's llm_tokenizer_spm: the text gets a leading space (add_space_prefix), spaces become
U+2581, the text is split into UTF-8 characters, then adjacent pieces are merged greedily by the score of
the merged piece (highest first, leftmost on ties) as long as the merged text is a vocabulary token.
Pieces that are not tokens fall back to <0xXX> byte tokens.
"""
from __future__ import annotations

import heapq
from typing import Dict, List

from gguf import GGUFError, GGUFFile

SPACE = "\u2581"


class SpmTokenizer:
    def __init__(self, tokens: List[str], scores: List[float], bos_id: int, eos_id: int, unk_id: int,
                 add_space_prefix: bool = True):
        self.tokens = tokens
        self.scores = scores
        self.bos_id = bos_id
        self.eos_id = eos_id
        self.unk_id = unk_id
        self.add_space_prefix = add_space_prefix
        self.vocab: Dict[str, int] = {}
        for i, t in enumerate(tokens):
            self.vocab.setdefault(t, i)
        self.byte_ids = [self.vocab.get(f"<0x{b:02X}>", -1) for b in range(256)]

    @classmethod
    def from_gguf(cls, g: GGUFFile) -> "SpmTokenizer":
        m = g.metadata
        model = m.get("tokenizer.ggml.model")
        if model != "llama":
            raise GGUFError(f"{g.path}: tokenizer.ggml.model is {model!r}; only the llama SPM tokenizer is supported")
        tokens = m["tokenizer.ggml.tokens"]
        scores = m.get("tokenizer.ggml.scores") or [0.0] * len(tokens)
        return cls(
            tokens,
            [float(s) for s in scores],
            int(m.get("tokenizer.ggml.bos_token_id", 1)),
            int(m.get("tokenizer.ggml.eos_token_id", 2)),
            int(m.get("tokenizer.ggml.unknown_token_id", 0)),
            bool(m.get("tokenizer.ggml.add_space_prefix", True)),
        )

    @property
    def vocab_size(self) -> int:
        return len(self.tokens)

    def encode(self, text: str, bos: bool = False) -> List[int]:
        out: List[int] = [self.bos_id] if bos else []
        if text == "":
            return out
        if self.add_space_prefix:
            text = " " + text
        text = text.replace(" ", SPACE)
        # symbols as a doubly linked list over characters
        sym = list(text)
        prev = [i - 1 for i in range(len(sym))]
        nxt = [i + 1 if i + 1 < len(sym) else -1 for i in range(len(sym))]
        alive = [True] * len(sym)
        heap: list = []
        rev_merge: Dict[str, tuple] = {}

        def try_bigram(left: int, right: int) -> None:
            if left < 0 or right < 0:
                return
            s = sym[left] + sym[right]
            tid = self.vocab.get(s)
            if tid is None:
                return
            heapq.heappush(heap, (-self.scores[tid], left, right, s))
            rev_merge[s] = (left, right)

        for i in range(1, len(sym)):
            try_bigram(i - 1, i)
        while heap:
            _, left, right, s = heapq.heappop(heap)
            if not alive[left] or not alive[right] or sym[left] + sym[right] != s or nxt[left] != right:
                continue
            sym[left] = s
            alive[right] = False
            nxt[left] = nxt[right]
            if nxt[right] >= 0:
                prev[nxt[right]] = left
            try_bigram(prev[left], left)
            try_bigram(left, nxt[left])
        i = 0
        while i != -1:
            piece = sym[i]
            tid = self.vocab.get(piece)
            if tid is not None:
                out.append(tid)
            else:
                for b in piece.encode("utf-8"):
                    bid = self.byte_ids[b]
                    out.append(bid if bid >= 0 else self.unk_id)
            i = nxt[i]
        return out

    def decode(self, ids: List[int]) -> str:
        buf = bytearray()
        for i in ids:
            t = self.tokens[i]
            if t.startswith("<0x") and t.endswith(">") and len(t) == 6:
                buf.append(int(t[3:5], 16))
            elif i in (self.bos_id, self.eos_id):
                continue
            else:
                buf += t.replace(SPACE, " ").encode("utf-8")
        s = buf.decode("utf-8", errors="replace")
        return s[1:] if self.add_space_prefix and s.startswith(" ") else s
