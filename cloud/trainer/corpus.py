"""The planner corpus as the trainer reads it: JSONL, one sample per line,
`{"id", "prompt", "target", "delex", "household", "template", "intent", "plan"}` (written by bench/corpus under
var/datasets/planner-corpus/{train,val,test,disjoint}.jsonl). The trainer learns p(target | prompt): the model
sees BOS + prompt + target + EOS and the loss covers the target tokens and EOS only.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import List


class CorpusError(Exception):
    pass


@dataclass(frozen=True)
class CorpusSample:
    id: str
    prompt: str
    target: str


def load_corpus(path: str, limit: int = 0) -> List[CorpusSample]:
    """Reads a corpus JSONL file; every line needs string `prompt` and `target` (`id` defaults to the line number)."""
    out: List[CorpusSample] = []
    with open(path, "r", encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as e:
                raise CorpusError(f"{path}:{n}: not JSON ({e.msg})")
            if not isinstance(rec, dict) or not isinstance(rec.get("prompt"), str) or not isinstance(rec.get("target"), str):
                raise CorpusError(f"{path}:{n}: a corpus line needs string fields prompt and target")
            if rec["target"] == "":
                raise CorpusError(f"{path}:{n}: empty target")
            out.append(CorpusSample(str(rec.get("id", f"{path}:{n}")), rec["prompt"], rec["target"]))
            if limit and len(out) >= limit:
                break
    if not out:
        raise CorpusError(f"{path}: no samples")
    return out


def tokenizer_texts(samples: List[CorpusSample]) -> List[str]:
    """What the tokenizer is trained on: each prompt and each target (they are tokenized separately)."""
    return [t for s in samples for t in (s.prompt, s.target)]
