"""Minimal GGUF v2/v3 reader and writer (no dependency beyond numpy).

Layout (ggml/docs/gguf.md): little-endian
  header   : magic b"GGUF", uint32 version, uint64 tensor_count, uint64 kv_count
  kv * n   : gguf_string key, uint32 value_type, value
  tensor*n : gguf_string name, uint32 n_dims, uint64 ne[n_dims] (ggml order: ne0 = fastest axis),
             uint32 ggml_type, uint64 offset (relative to the data section, multiple of the alignment)
  padding to general.alignment (default 32), then the data section; each tensor padded to the alignment.
gguf_string = uint64 length + UTF-8 bytes (no terminator).
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Dict, List, Optional, Tuple

import numpy as np

GGUF_MAGIC = b"GGUF"
DEFAULT_ALIGNMENT = 32

# Metadata value types.
T_UINT8, T_INT8, T_UINT16, T_INT16, T_UINT32, T_INT32, T_FLOAT32, T_BOOL, T_STRING, T_ARRAY, T_UINT64, T_INT64, T_FLOAT64 = range(13)

_SCALAR_FMT = {
    T_UINT8: "<B", T_INT8: "<b", T_UINT16: "<H", T_INT16: "<h", T_UINT32: "<I", T_INT32: "<i",
    T_FLOAT32: "<f", T_BOOL: "<?", T_UINT64: "<Q", T_INT64: "<q", T_FLOAT64: "<d",
}
_SCALAR_NP = {
    T_UINT8: np.uint8, T_INT8: np.int8, T_UINT16: np.uint16, T_INT16: np.int16, T_UINT32: np.uint32,
    T_INT32: np.int32, T_FLOAT32: np.float32, T_BOOL: np.bool_, T_UINT64: np.uint64, T_INT64: np.int64,
    T_FLOAT64: np.float64,
}

# ggml tensor types this module understands: id -> (name, block size in elements, bytes per block).
GGML_F32, GGML_F16, GGML_Q4_0, GGML_Q4_1, GGML_Q5_0, GGML_Q5_1, GGML_Q8_0 = 0, 1, 2, 3, 6, 7, 8
GGML_BF16 = 30
GGML_TYPES: Dict[int, Tuple[str, int, int]] = {
    GGML_F32: ("F32", 1, 4),
    GGML_F16: ("F16", 1, 2),
    GGML_Q4_0: ("Q4_0", 32, 18),
    GGML_Q4_1: ("Q4_1", 32, 20),
    GGML_Q8_0: ("Q8_0", 32, 34),
    GGML_BF16: ("BF16", 1, 2),
}


class GGUFError(Exception):
    pass


@dataclass
class TensorInfo:
    name: str
    shape: Tuple[int, ...]  # ggml order: shape[0] = ne0 (fastest-varying)
    ggml_type: int
    offset: int  # relative to the data section

    @property
    def n_elements(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n

    @property
    def type_name(self) -> str:
        return GGML_TYPES.get(self.ggml_type, (f"type{self.ggml_type}", 0, 0))[0]

    @property
    def n_bytes(self) -> int:
        if self.ggml_type not in GGML_TYPES:
            raise GGUFError(f"tensor {self.name}: ggml type {self.ggml_type} is not supported by this reader")
        _, blk, bpb = GGML_TYPES[self.ggml_type]
        if self.shape[0] % blk != 0:
            raise GGUFError(f"tensor {self.name}: ne0={self.shape[0]} is not a multiple of the block size {blk}")
        return self.n_elements // blk * bpb


@dataclass
class GGUFFile:
    version: int
    metadata: Dict[str, Any]
    metadata_types: Dict[str, Tuple[int, Optional[int]]]  # key -> (value type, array element type)
    tensors: List[TensorInfo]
    alignment: int
    data_offset: int  # absolute file offset of the data section
    path: str = ""
    _raw: bytes = field(default=b"", repr=False)

    def tensor(self, name: str) -> TensorInfo:
        for t in self.tensors:
            if t.name == name:
                return t
        raise GGUFError(f"{self.path}: no tensor named {name}")

    def raw_tensor(self, name: str) -> bytes:
        t = self.tensor(name)
        start = self.data_offset + t.offset
        return self._raw[start:start + t.n_bytes]

    def tensor_f32(self, name: str) -> np.ndarray:
        """The tensor as float32 in numpy (row-major) order, i.e. shape reversed: ne1 x ne0 for a matrix."""
        t = self.tensor(name)
        raw = self.raw_tensor(name)
        flat = dequantize(raw, t.ggml_type, t.n_elements, t.name)
        return flat.reshape(tuple(reversed(t.shape)))


def _f16_to_f32(b: bytes) -> np.ndarray:
    return np.frombuffer(b, dtype="<f2").astype(np.float32)


def dequantize(raw: bytes, ggml_type: int, n: int, name: str = "?") -> np.ndarray:
    if ggml_type == GGML_F32:
        return np.frombuffer(raw, dtype="<f4", count=n).astype(np.float32)
    if ggml_type == GGML_F16:
        return np.frombuffer(raw, dtype="<f2", count=n).astype(np.float32)
    if ggml_type == GGML_BF16:
        u = np.frombuffer(raw, dtype="<u2", count=n).astype(np.uint32) << 16
        return u.view(np.float32)
    if ggml_type == GGML_Q8_0:
        blocks = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 34)
        d = blocks[:, :2].copy().view("<f2").astype(np.float32)
        q = blocks[:, 2:].copy().view(np.int8).astype(np.float32)
        return (q * d).reshape(-1)[:n]
    if ggml_type == GGML_Q4_0:
        blocks = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 18)
        d = blocks[:, :2].copy().view("<f2").astype(np.float32)
        qs = blocks[:, 2:]
        lo = (qs & 0x0F).astype(np.int8) - 8
        hi = (qs >> 4).astype(np.int8) - 8
        q = np.concatenate([lo, hi], axis=1).astype(np.float32)
        return (q * d).reshape(-1)[:n]
    if ggml_type == GGML_Q4_1:
        blocks = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 20)
        d = blocks[:, :2].copy().view("<f2").astype(np.float32)
        m = blocks[:, 2:4].copy().view("<f2").astype(np.float32)
        qs = blocks[:, 4:]
        q = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32)
        return (q * d + m).reshape(-1)[:n]
    tname = GGML_TYPES.get(ggml_type, (f"ggml type id {ggml_type}",))[0]
    raise GGUFError(
        f"tensor {name}: {tname} is not supported (supported: F32, F16, BF16, Q8_0, Q4_0, Q4_1); "
        "re-export the base model as F16/F32/Q8_0 for training"
    )


def _round_half_away(x: np.ndarray) -> np.ndarray:
    """C's roundf (halves away from zero), which ggml's quantizers use; numpy's round is half-to-even."""
    return np.sign(x) * np.floor(np.abs(x) + 0.5)


def quantize(flat: np.ndarray, ggml_type: int) -> bytes:
    """float32 values (a multiple of 32) -> ggml Q8_0 or Q4_0 blocks, as ggml's quantize_row_*_ref writes them."""
    x = flat.astype(np.float32).reshape(-1, 32)
    if ggml_type == GGML_Q8_0:
        d = np.abs(x).max(axis=1) / 127.0
        inv = np.divide(1.0, d, out=np.zeros_like(d), where=d != 0)
        q = _round_half_away(x * inv[:, None]).astype(np.int8)
        out = np.empty((x.shape[0], 34), dtype=np.uint8)
        out[:, :2] = d.astype("<f2").reshape(-1, 1).view(np.uint8)
        out[:, 2:] = q.view(np.uint8)
        return out.tobytes()
    if ggml_type == GGML_Q4_0:
        # d = (the value of largest magnitude, sign kept) / -8, so that value maps to -8 exactly
        idx = np.abs(x).argmax(axis=1)
        d = x[np.arange(x.shape[0]), idx] / -8.0
        inv = np.divide(1.0, d, out=np.zeros_like(d), where=d != 0)
        q = np.minimum(15, np.floor(x * inv[:, None] + 8.5)).astype(np.uint8)
        out = np.empty((x.shape[0], 18), dtype=np.uint8)
        out[:, :2] = d.astype("<f2").reshape(-1, 1).view(np.uint8)
        out[:, 2:] = q[:, :16] | (q[:, 16:] << 4)
        return out.tobytes()
    raise GGUFError(f"quantizing to {GGML_TYPES.get(ggml_type, (str(ggml_type),))[0]} is not implemented (Q8_0, Q4_0)")


class _Reader:
    def __init__(self, buf: bytes, path: str):
        self.buf = buf
        self.pos = 0
        self.path = path

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.buf):
            raise GGUFError(f"{self.path}: truncated file (wanted {n} bytes at offset {self.pos})")
        b = self.buf[self.pos:self.pos + n]
        self.pos += n
        return b

    def scalar(self, t: int) -> Any:
        fmt = _SCALAR_FMT[t]
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]

    def string(self) -> str:
        n = self.scalar(T_UINT64)
        return self.take(n).decode("utf-8", errors="replace")

    def value(self, t: int) -> Tuple[Any, Optional[int]]:
        if t in _SCALAR_FMT:
            return self.scalar(t), None
        if t == T_STRING:
            return self.string(), None
        if t == T_ARRAY:
            et = self.scalar(T_UINT32)
            n = self.scalar(T_UINT64)
            if et in _SCALAR_NP:
                size = np.dtype(_SCALAR_NP[et]).itemsize
                arr = np.frombuffer(self.take(n * size), dtype=np.dtype(_SCALAR_NP[et]).newbyteorder("<"))
                return arr.tolist(), et
            if et == T_STRING:
                return [self.string() for _ in range(n)], et
            if et == T_ARRAY:
                return [self.value(T_ARRAY)[0] for _ in range(n)], et
            raise GGUFError(f"{self.path}: unknown array element type {et}")
        raise GGUFError(f"{self.path}: unknown metadata value type {t} at offset {self.pos}")


def read_gguf(path: str) -> GGUFFile:
    with open(path, "rb") as f:
        buf = f.read()
    r = _Reader(buf, path)
    if r.take(4) != GGUF_MAGIC:
        raise GGUFError(f"{path}: not a GGUF file (bad magic)")
    version = r.scalar(T_UINT32)
    if version not in (2, 3):
        raise GGUFError(f"{path}: GGUF version {version} is not supported (2 or 3)")
    n_tensors = r.scalar(T_UINT64)
    n_kv = r.scalar(T_UINT64)
    meta: Dict[str, Any] = {}
    types: Dict[str, Tuple[int, Optional[int]]] = {}
    for _ in range(n_kv):
        key = r.string()
        vt = r.scalar(T_UINT32)
        val, et = r.value(vt)
        meta[key] = val
        types[key] = (vt, et)
    tensors = []
    for _ in range(n_tensors):
        name = r.string()
        nd = r.scalar(T_UINT32)
        shape = tuple(r.scalar(T_UINT64) for _ in range(nd))
        tt = r.scalar(T_UINT32)
        off = r.scalar(T_UINT64)
        tensors.append(TensorInfo(name, shape, tt, off))
    alignment = int(meta.get("general.alignment", DEFAULT_ALIGNMENT))
    data_offset = (r.pos + alignment - 1) // alignment * alignment
    g = GGUFFile(version, meta, types, tensors, alignment, data_offset, path, buf)
    for t in tensors:
        if t.ggml_type in GGML_TYPES and data_offset + t.offset + t.n_bytes > len(buf):
            raise GGUFError(f"{path}: tensor {t.name} runs past the end of the file")
    return g


# ---------------------------------------------------------------- writer


def _pack_string(s: str) -> bytes:
    b = s.encode("utf-8")
    return struct.pack("<Q", len(b)) + b


def _guess_type(v: Any) -> Tuple[int, Optional[int]]:
    if isinstance(v, bool):
        return T_BOOL, None
    if isinstance(v, int):
        return (T_UINT32, None) if 0 <= v < 2**32 else (T_INT64, None)
    if isinstance(v, float):
        return T_FLOAT32, None
    if isinstance(v, str):
        return T_STRING, None
    if isinstance(v, (list, tuple)):
        et = _guess_type(v[0])[0] if len(v) > 0 else T_UINT32
        return T_ARRAY, et
    raise GGUFError(f"cannot store metadata value of type {type(v).__name__}")


def _pack_value(vt: int, v: Any, et: Optional[int]) -> bytes:
    if vt in _SCALAR_FMT:
        return struct.pack(_SCALAR_FMT[vt], v)
    if vt == T_STRING:
        return _pack_string(v)
    if vt == T_ARRAY:
        assert et is not None
        out = struct.pack("<IQ", et, len(v))
        if et in _SCALAR_NP:
            return out + np.asarray(v, dtype=np.dtype(_SCALAR_NP[et]).newbyteorder("<")).tobytes()
        return out + b"".join(_pack_value(et, x, None) for x in v)
    raise GGUFError(f"cannot pack value type {vt}")


class GGUFWriter:
    """Collects metadata and float tensors, then writes a GGUF v3 file in one go."""

    def __init__(self, alignment: int = DEFAULT_ALIGNMENT):
        self.alignment = alignment
        self.kv: List[Tuple[str, int, Any, Optional[int]]] = []
        self.tensors: List[Tuple[str, Tuple[int, ...], int, bytes]] = []

    def add(self, key: str, value: Any, vtype: Optional[int] = None, etype: Optional[int] = None) -> None:
        if vtype is None:
            vtype, etype = _guess_type(value)
        for i, (k, *_rest) in enumerate(self.kv):
            if k == key:  # GGUF keys are unique (llama.cpp refuses duplicates): replace in place
                self.kv[i] = (key, vtype, value, etype)
                return
        self.kv.append((key, vtype, value, etype))

    def copy_metadata(self, src: GGUFFile, skip: Tuple[str, ...] = ("general.alignment",)) -> None:
        """Copies every metadata key of src with its original value type."""
        for k, v in src.metadata.items():
            if k in skip:
                continue
            vt, et = src.metadata_types[k]
            self.kv.append((k, vt, v, et))

    def add_tensor(self, name: str, array: np.ndarray, ggml_type: int = GGML_F32) -> None:
        """array is in numpy (row-major) order; stored ne = reversed(array.shape)."""
        a = np.ascontiguousarray(array)
        if ggml_type == GGML_F32:
            data = a.astype("<f4").tobytes()
        elif ggml_type == GGML_F16:
            data = a.astype("<f2").tobytes()
        else:
            raise GGUFError("the writer stores F32 or F16 tensors only")
        self.tensors.append((name, tuple(reversed(a.shape)), ggml_type, data))

    def add_quantized_tensor(self, name: str, array: np.ndarray, ggml_type: int) -> None:
        """A 2-D+ float array stored as Q8_0 or Q4_0 (blocks of 32 along the row, ggml's reference rounding)."""
        a = np.ascontiguousarray(array, dtype=np.float32)
        if a.shape[-1] % 32 != 0:
            raise GGUFError(f"tensor {name}: row length {a.shape[-1]} is not a multiple of 32 ({GGML_TYPES[ggml_type][0]} blocks)")
        self.tensors.append((name, tuple(reversed(a.shape)), ggml_type, quantize(a.reshape(-1), ggml_type)))

    def add_raw_tensor(self, name: str, ne: Tuple[int, ...], ggml_type: int, data: bytes) -> None:
        self.tensors.append((name, ne, ggml_type, data))

    def write(self, path: str) -> None:
        al = self.alignment
        if al != DEFAULT_ALIGNMENT and not any(k == "general.alignment" for k, *_ in self.kv):
            self.add("general.alignment", al, T_UINT32)
        head = bytearray(GGUF_MAGIC + struct.pack("<IQQ", 3, len(self.tensors), len(self.kv)))
        for key, vt, v, et in self.kv:
            head += _pack_string(key) + struct.pack("<I", vt) + _pack_value(vt, v, et)
        offset = 0
        offsets = []
        for name, ne, tt, data in self.tensors:
            offsets.append(offset)
            head += _pack_string(name) + struct.pack("<I", len(ne)) + b"".join(struct.pack("<Q", d) for d in ne)
            head += struct.pack("<IQ", tt, offset)
            offset += (len(data) + al - 1) // al * al
        head += b"\0" * ((-len(head)) % al)
        with open(path, "wb") as f:
            f.write(head)
            for (_, _, _, data) in self.tensors:
                f.write(data)
                f.write(b"\0" * ((-len(data)) % al))
