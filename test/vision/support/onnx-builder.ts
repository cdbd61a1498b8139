/**
 * A minimal ONNX protobuf encoder for generated test models (onnxruntime-node
 * loads models but cannot build them). Hand-written protobuf: varints and
 * length-delimited fields of ModelProto / GraphProto / NodeProto /
 * TensorProto / ValueInfoProto / AttributeProto — only what the tests need.
 */

type Bytes = number[];

function varint(out: Bytes, v: number | bigint): void {
  let x = BigInt.asUintN(64, BigInt(v));
  while (x >= 0x80n) {
    out.push(Number(x & 0x7fn) | 0x80);
    x >>= 7n;
  }
  out.push(Number(x));
}

function key(out: Bytes, field: number, wire: 0 | 1 | 2 | 5): void {
  varint(out, (field << 3) | wire);
}

function fInt(out: Bytes, field: number, v: number | bigint): void {
  key(out, field, 0);
  varint(out, v);
}

function fBytes(out: Bytes, field: number, b: ArrayLike<number>): void {
  key(out, field, 2);
  varint(out, b.length);
  for (let i = 0; i < b.length; i++) out.push(b[i]!);
}

function fString(out: Bytes, field: number, s: string): void {
  fBytes(out, field, Buffer.from(s, 'utf8'));
}

function fMsg(out: Bytes, field: number, msg: Bytes): void {
  fBytes(out, field, msg);
}

function fFloat(out: Bytes, field: number, v: number): void {
  key(out, field, 5);
  const b = Buffer.alloc(4);
  b.writeFloatLE(v);
  out.push(...b);
}

export type ElemType = 'float32' | 'int32' | 'int64';
const ELEM: Record<ElemType, number> = { float32: 1, int32: 6, int64: 7 };

export interface TensorInit {
  name: string;
  type: ElemType;
  dims: number[];
  data: Float32Array | Int32Array | BigInt64Array | number[];
}

function tensorProto(t: TensorInit): Bytes {
  const out: Bytes = [];
  for (const d of t.dims) fInt(out, 1, d);
  fInt(out, 2, ELEM[t.type]);
  fString(out, 8, t.name);
  let raw: Buffer;
  if (t.type === 'float32') raw = Buffer.from(new Float32Array(t.data as ArrayLike<number>).buffer);
  else if (t.type === 'int32') raw = Buffer.from(new Int32Array(t.data as ArrayLike<number>).buffer);
  else
    raw = Buffer.from((t.data instanceof BigInt64Array ? t.data : BigInt64Array.from((t.data as number[]).map((v) => BigInt(v)))).buffer);
  fBytes(out, 9, raw);
  return out;
}

export interface ValueInfo {
  name: string;
  type: ElemType;
  /** Numbers are fixed dims, strings symbolic ones. */
  dims: Array<number | string>;
}

function valueInfo(v: ValueInfo): Bytes {
  const shape: Bytes = [];
  for (const d of v.dims) {
    const dim: Bytes = [];
    if (typeof d === 'number') fInt(dim, 1, d);
    else fString(dim, 2, d);
    fMsg(shape, 1, dim);
  }
  const tensorType: Bytes = [];
  fInt(tensorType, 1, ELEM[v.type]);
  fMsg(tensorType, 2, shape);
  const type: Bytes = [];
  fMsg(type, 1, tensorType);
  const out: Bytes = [];
  fString(out, 1, v.name);
  fMsg(out, 2, type);
  return out;
}

export type Attr =
  | { name: string; int: number }
  | { name: string; float: number }
  | { name: string; ints: number[] }
  | { name: string; tensor: TensorInit };

function attribute(a: Attr): Bytes {
  const out: Bytes = [];
  fString(out, 1, a.name);
  if ('int' in a) {
    fInt(out, 3, a.int);
    fInt(out, 20, 2);
  } else if ('float' in a) {
    fFloat(out, 2, a.float);
    fInt(out, 20, 1);
  } else if ('ints' in a) {
    for (const v of a.ints) fInt(out, 8, v);
    fInt(out, 20, 7);
  } else {
    fMsg(out, 5, tensorProto(a.tensor));
    fInt(out, 20, 4);
  }
  return out;
}

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  attrs?: Attr[];
}

function node(n: NodeSpec, i: number): Bytes {
  const out: Bytes = [];
  for (const x of n.inputs) fString(out, 1, x);
  for (const y of n.outputs) fString(out, 2, y);
  fString(out, 3, n.name ?? `${n.op}_${i}`);
  fString(out, 4, n.op);
  for (const a of n.attrs ?? []) fMsg(out, 5, attribute(a));
  return out;
}

export interface ModelSpec {
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  nodes: NodeSpec[];
  initializers?: TensorInit[];
  opset?: number;
  name?: string;
}

/** Encodes a ModelProto (IR version 8, default-domain opset 13 unless given). */
export function buildModel(spec: ModelSpec): Uint8Array {
  const graph: Bytes = [];
  spec.nodes.forEach((n, i) => fMsg(graph, 1, node(n, i)));
  fString(graph, 2, spec.name ?? 'test_graph');
  for (const t of spec.initializers ?? []) fMsg(graph, 5, tensorProto(t));
  for (const v of spec.inputs) fMsg(graph, 11, valueInfo(v));
  for (const v of spec.outputs) fMsg(graph, 12, valueInfo(v));
  const opset: Bytes = [];
  fString(opset, 1, '');
  fInt(opset, 2, spec.opset ?? 13);
  const model: Bytes = [];
  fInt(model, 1, 8);
  fString(model, 2, 'homesight-test');
  fMsg(model, 7, graph);
  fMsg(model, 8, opset);
  return Uint8Array.from(model);
}

/**
 * A model with one input that emits fixed outputs, whatever it is fed:
 * each output = Identity(initializer). The input is kept by adding
 * ReduceSum(input) × 0 to the first output, so it is a real graph input.
 */
export function constantOutputModel(input: ValueInfo, outputs: Array<{ name: string; dims: number[]; data: Float32Array }>): Uint8Array {
  const nodes: NodeSpec[] = [];
  const inits: TensorInit[] = [];
  const outInfos: ValueInfo[] = [];
  outputs.forEach((o, i) => {
    inits.push({ name: `${o.name}_const`, type: 'float32', dims: o.dims, data: o.data });
    outInfos.push({ name: o.name, type: 'float32', dims: o.dims });
    if (i > 0) nodes.push({ op: 'Identity', inputs: [`${o.name}_const`], outputs: [o.name] });
  });
  const first = outputs[0]!;
  let zeroSource = input.name;
  if (input.type !== 'float32') {
    nodes.push({ op: 'Cast', inputs: [input.name], outputs: ['input_f'], attrs: [{ name: 'to', int: 1 }] });
    zeroSource = 'input_f';
  }
  inits.push({ name: 'zero', type: 'float32', dims: [], data: [0] });
  nodes.push({ op: 'ReduceSum', inputs: [zeroSource], outputs: ['input_sum'], attrs: [{ name: 'keepdims', int: 0 }] });
  nodes.push({ op: 'Mul', inputs: ['input_sum', 'zero'], outputs: ['input_zero'] });
  nodes.push({ op: 'Add', inputs: [`${first.name}_const`, 'input_zero'], outputs: [first.name] });
  return buildModel({ inputs: [input], outputs: outInfos, nodes, initializers: inits });
}
