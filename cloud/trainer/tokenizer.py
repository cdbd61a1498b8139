"""SentencePiece-style (llama "SPM") tokenizer read from GGUF metadata.

Follows llama.cpp's llm_tokenizer_spm: the text gets a leading space (add_space_prefix), spaces become
U+2581, the text is split into UTF-8 characters, then adjacent pieces are merged greedily by the score of
the merged piece (highest first, leftmost on ties) as long as the merged text is a vocabulary token.
Pieces that are not tokens fall back to <0xXX> byte tokens.
User-defined tokens (token type 4, e.g. the planner's placeholders `<person-1>`) are cut out of the text first,
longest first, as llama.cpp's tokenizer_st_partition does even without special-token parsing; each text fragment
is then tokenized on its own and, with add_space_prefix, gets the leading space again after such a token.
"""
from __future__ import annotations

import heapq
from typing import Dict, List, Optional

from gguf import GGUFError, GGUFFile

SPACE = "\u2581"
TOKEN_TYPE_USER_DEFINED = 4


class SpmTokenizer:
    def __init__(self, tokens: List[str], scores: List[float], bos_id: int, eos_id: int, unk_id: int,
                 add_space_prefix: bool = True, token_types: Optional[List[int]] = None):
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
        types = token_types or []
        # llama.cpp sorts its special tokens by text length, longest first, and cuts them out in that order
        self.user_defined = sorted((i for i, t in enumerate(types) if t == TOKEN_TYPE_USER_DEFINED and tokens[i]),
                                   key=lambda i: -len(tokens[i]))

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
            [int(t) for t in m.get("tokenizer.ggml.token_type") or []],
        )

    @property
    def vocab_size(self) -> int:
        return len(self.tokens)

    def encode(self, text: str, bos: bool = False) -> List[int]:
        out: List[int] = [self.bos_id] if bos else []
        prev_special = True  # llama.cpp: the first fragment and each one after a user-defined token get the prefix
        for frag in self._partition(text):
            if isinstance(frag, int):
                out.append(frag)
                prev_special = True
            else:
                self._encode_fragment((" " if self.add_space_prefix and prev_special else "") + frag, out)
                prev_special = False
        return out

    def _partition(self, text: str) -> list:
        """text -> fragments: str (plain text) or int (a user-defined token's id), in llama.cpp's order."""
        frags: list = [text] if text else []
        for tid in self.user_defined:
            piece = self.tokens[tid]
            nxt: list = []
            for f in frags:
                if isinstance(f, int) or piece not in f:
                    nxt.append(f)
                    continue
                parts = f.split(piece)
                for j, part in enumerate(parts):
                    if j > 0:
                        nxt.append(tid)
                    if part:
                        nxt.append(part)
            frags = nxt
        return frags

    def _encode_fragment(self, text: str, out: List[int]) -> None:
        if text == "":
            return
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
