import { ProtoError, ProtoWriter, fieldInt, fieldString, readFields, type ProtoField } from './protobuf.js';

/**
 * The parts of ONNX's ModelProto that graph surgery needs: reading the IR
 * version, opset imports and the graph's inputs and outputs, encoding nodes,
 * tensors and value infos, and rewriting a model with nodes put in front of
 * its graph. Field numbers are those of onnx.proto (IR version 3 and later).
 */

/** ModelProto fields. */
const MODEL = { irVersion: 1, producerName: 2, graph: 7, opsetImport: 8, metadataProps: 14 } as const;
/** GraphProto fields. */
const GRAPH = { node: 1, name: 2, initializer: 5, input: 11, output: 12, valueInfo: 13 } as const;

/** TensorProto.DataType values of the element types used here. */
export const ELEM_TYPE = { float32: 1, uint8: 2, int8: 3, int32: 6, int64: 7 } as const;
export type ElemType = keyof typeof ELEM_TYPE;

function elemName(code: number): ElemType | `type ${number}` {
  for (const [name, c] of Object.entries(ELEM_TYPE)) if (c === code) return name as ElemType;
  return `type ${code}`;
}

export interface ValueInfo {
  name: string;
  type: ElemType | `type ${number}`;
  /** Fixed dims as numbers, symbolic ones as their name ('' when unnamed). */
  dims: Array<number | string>;
}

export interface OpsetImport {
  domain: string;
  version: number;
}

export interface ModelSummary {
  irVersion: number;
  opsets: OpsetImport[];
  /** The graph's inputs, without those that are initializers (IR < 4 lists weights as inputs too). */
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  /** Byte range of the GraphProto payload inside the model. */
  graph: { start: number; end: number };
}

/** A byte string that is not the ONNX model expected (withImageInput turns it into E_MODEL_GRAPH_INPUT). */
export class OnnxFormatError extends Error {
  override name = 'OnnxFormatError';
}

function only<T>(items: T[], what: string): T {
  if (items.length !== 1) throw new OnnxFormatError(`expected one ${what}, found ${items.length}`);
  return items[0]!;
}

function readValueInfo(buf: Uint8Array, f: ProtoField): ValueInfo {
  let name = '';
  let type: ValueInfo['type'] = 'type 0';
  const dims: Array<number | string> = [];
  for (const v of readFields(buf, f.valueStart, f.valueEnd)) {
    if (v.field === 1 && v.wire === 2) name = fieldString(buf, v);
    if (v.field !== 2 || v.wire !== 2) continue;
    // TypeProto.tensor_type (1) → elem_type (1), shape (2) → dim (1) → dim_value (1) | dim_param (2).
    for (const t of readFields(buf, v.valueStart, v.valueEnd)) {
      if (t.field !== 1 || t.wire !== 2) continue;
      for (const tt of readFields(buf, t.valueStart, t.valueEnd)) {
        if (tt.field === 1 && tt.wire === 0) type = elemName(fieldInt(tt));
        if (tt.field !== 2 || tt.wire !== 2) continue;
        for (const dim of readFields(buf, tt.valueStart, tt.valueEnd)) {
          if (dim.field !== 1 || dim.wire !== 2) continue;
          let d: number | string = '';
          for (const dv of readFields(buf, dim.valueStart, dim.valueEnd)) {
            if (dv.field === 1 && dv.wire === 0) d = fieldInt(dv);
            if (dv.field === 2 && dv.wire === 2) d = fieldString(buf, dv);
          }
          dims.push(d);
        }
      }
    }
  }
  return { name, type, dims };
}

/** The name of an initializer (TensorProto.name, field 8). */
function tensorName(buf: Uint8Array, f: ProtoField): string {
  for (const t of readFields(buf, f.valueStart, f.valueEnd)) if (t.field === 8 && t.wire === 2) return fieldString(buf, t);
  return '';
}

/** Reads what graph surgery needs from a serialised ModelProto; throws OnnxFormatError when it is not one. */
export function readModel(buf: Uint8Array): ModelSummary {
  try {
    let irVersion = 0;
    const opsets: OpsetImport[] = [];
    const graphs: ProtoField[] = [];
    for (const f of readFields(buf)) {
      if (f.field === MODEL.irVersion && f.wire === 0) irVersion = fieldInt(f);
      else if (f.field === MODEL.graph && f.wire === 2) graphs.push(f);
      else if (f.field === MODEL.opsetImport && f.wire === 2) {
        const o: OpsetImport = { domain: '', version: 0 };
        for (const v of readFields(buf, f.valueStart, f.valueEnd)) {
          if (v.field === 1 && v.wire === 2) o.domain = fieldString(buf, v);
          if (v.field === 2 && v.wire === 0) o.version = fieldInt(v);
        }
        opsets.push(o);
      }
    }
    const g = only(graphs, 'graph');
    const initializers = new Set<string>();
    const inputs: ValueInfo[] = [];
    const outputs: ValueInfo[] = [];
    for (const f of readFields(buf, g.valueStart, g.valueEnd)) {
      if (f.wire !== 2) continue;
      if (f.field === GRAPH.initializer) initializers.add(tensorName(buf, f));
      else if (f.field === GRAPH.input) inputs.push(readValueInfo(buf, f));
      else if (f.field === GRAPH.output) outputs.push(readValueInfo(buf, f));
    }
    if (irVersion === 0 || opsets.length === 0) throw new OnnxFormatError('no ir_version or opset_import: not an ONNX model');
    return {
      irVersion,
      opsets,
      inputs: inputs.filter((i) => !initializers.has(i.name)),
      outputs,
      graph: { start: g.valueStart, end: g.valueEnd },
    };
  } catch (err) {
    if (err instanceof ProtoError) throw new OnnxFormatError(`not a readable ONNX model: ${err.message}`);
    throw err;
  }
}

/** The version of the default (ai.onnx) operator set the model imports. */
export function defaultOpset(m: ModelSummary): number {
  const o = m.opsets.find((x) => x.domain === '' || x.domain === 'ai.onnx');
  if (o === undefined) throw new OnnxFormatError('the model imports no ai.onnx operator set');
  return o.version;
}

export interface TensorInit {
  name: string;
  type: 'float32' | 'int32' | 'int64' | 'uint8';
  dims: number[];
  data: ArrayLike<number> | BigInt64Array;
}

export type Attr =
  | { name: string; int: number }
  | { name: string; float: number }
  | { name: string; string: string }
  | { name: string; ints: number[] }
  | { name: string; floats: number[] }
  | { name: string; tensor: TensorInit };

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  attrs?: Attr[];
  /** Operator set domain ('' = ai.onnx). */
  domain?: string;
}

function tensorBytes(t: TensorInit): Uint8Array {
  switch (t.type) {
    case 'float32':
      return new Uint8Array(Float32Array.from(t.data as ArrayLike<number>).buffer);
    case 'int32':
      return new Uint8Array(Int32Array.from(t.data as ArrayLike<number>).buffer);
    case 'uint8':
      return Uint8Array.from(t.data as ArrayLike<number>);
    case 'int64': {
      const d = t.data instanceof BigInt64Array ? t.data : BigInt64Array.from(Array.from(t.data as ArrayLike<number>, (v) => BigInt(v)));
      return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
    }
  }
}

export function encodeTensor(t: TensorInit): ProtoWriter {
  const w = new ProtoWriter();
  for (const d of t.dims) w.int(1, d);
  w.int(2, ELEM_TYPE[t.type]);
  w.string(8, t.name);
  // raw_data is little-endian, as typed arrays are on every platform Node runs on.
  w.bytes(9, tensorBytes(t));
  return w;
}

export function encodeValueInfo(v: { name: string; type: ElemType; dims: Array<number | string> }): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of v.dims) {
    const dim = new ProtoWriter();
    if (typeof d === 'number') dim.int(1, d);
    else dim.string(2, d);
    shape.message(1, dim);
  }
  const tensorType = new ProtoWriter().int(1, ELEM_TYPE[v.type]).message(2, shape);
  const type = new ProtoWriter().message(1, tensorType);
  return new ProtoWriter().string(1, v.name).message(2, type);
}

/** AttributeProto.AttributeType values. */
const ATTR_TYPE = { float: 1, int: 2, string: 3, tensor: 4, floats: 6, ints: 7 } as const;

function encodeAttribute(a: Attr): ProtoWriter {
  const w = new ProtoWriter().string(1, a.name);
  if ('int' in a) w.int(3, a.int).int(20, ATTR_TYPE.int);
  else if ('float' in a) w.float(2, a.float).int(20, ATTR_TYPE.float);
  else if ('string' in a) w.string(4, a.string).int(20, ATTR_TYPE.string);
  else if ('ints' in a) {
    for (const v of a.ints) w.int(8, v);
    w.int(20, ATTR_TYPE.ints);
  } else if ('floats' in a) {
    for (const v of a.floats) w.float(7, v);
    w.int(20, ATTR_TYPE.floats);
  } else w.message(5, encodeTensor(a.tensor)).int(20, ATTR_TYPE.tensor);
  return w;
}

/** A NodeProto; an unnamed node is called `<namePrefix><op>_<index>` (node names must be unique in a graph). */
export function encodeNode(n: NodeSpec, index: number, namePrefix = ''): ProtoWriter {
  const w = new ProtoWriter();
  for (const x of n.inputs) w.string(1, x);
  for (const y of n.outputs) w.string(2, y);
  w.string(3, n.name ?? `${namePrefix}${n.op}_${index}`);
  w.string(4, n.op);
  for (const a of n.attrs ?? []) w.message(5, encodeAttribute(a));
  if (n.domain !== undefined && n.domain !== '') w.string(7, n.domain);
  return w;
}

export interface GraphSpec {
  inputs: Array<{ name: string; type: ElemType; dims: Array<number | string> }>;
  outputs: Array<{ name: string; type: ElemType; dims: Array<number | string> }>;
  nodes: NodeSpec[];
  initializers?: TensorInit[];
  /** ai.onnx opset version (default 13). */
  opset?: number;
  irVersion?: number;
  name?: string;
}

/** Encodes a whole ModelProto (tests build their synthetic models with it). */
export function encodeModel(spec: GraphSpec): Uint8Array {
  const graph = new ProtoWriter();
  spec.nodes.forEach((n, i) => graph.message(GRAPH.node, encodeNode(n, i)));
  graph.string(GRAPH.name, spec.name ?? 'graph');
  for (const t of spec.initializers ?? []) graph.message(GRAPH.initializer, encodeTensor(t));
  for (const v of spec.inputs) graph.message(GRAPH.input, encodeValueInfo(v));
  for (const v of spec.outputs) graph.message(GRAPH.output, encodeValueInfo(v));
  return new ProtoWriter()
    .int(MODEL.irVersion, spec.irVersion ?? 8)
    .string(MODEL.producerName, 'homesight')
    .message(MODEL.graph, graph)
    .message(MODEL.opsetImport, new ProtoWriter().string(1, '').int(2, spec.opset ?? 13))
    .finish();
}

export interface Prefix {
  /** Nodes run before the model's own, in order; the last ones produce the replaced input. */
  nodes: NodeSpec[];
  /** Prefix of the new nodes' names, which must not clash with the model's (e.g. 'homesight/'). */
  namePrefix: string;
  /** New graph inputs. */
  inputs: Array<{ name: string; type: ElemType; dims: Array<number | string> }>;
  /** The original graph input the prefix now computes (removed from the graph's inputs). */
  replaces: string;
  /** Extra operator set imports (a domain the model does not import yet). */
  opsets?: OpsetImport[];
  /** Written to the model's metadata_props. */
  metadata?: Record<string, string>;
}

/**
 * A copy of the model whose graph starts with the prefix's nodes: the replaced
 * input leaves the graph's inputs and the new inputs join them. Every other
 * field is copied byte for byte; the new nodes come first, so the node list
 * stays in topological order.
 */
export function prependToGraph(model: Uint8Array, prefix: Prefix): Uint8Array {
  const summary = readModel(model);
  if (!summary.inputs.some((i) => i.name === prefix.replaces)) {
    throw new OnnxFormatError(`the model has no input "${prefix.replaces}" (inputs: ${summary.inputs.map((i) => i.name).join(', ')})`);
  }
  const graph = new ProtoWriter();
  prefix.nodes.forEach((n, i) => graph.message(GRAPH.node, encodeNode(n, i, prefix.namePrefix)));
  for (const f of readFields(model, summary.graph.start, summary.graph.end)) {
    if (f.field === GRAPH.input && f.wire === 2 && readValueInfo(model, f).name === prefix.replaces) continue;
    graph.raw(model.subarray(f.start, f.end));
  }
  for (const v of prefix.inputs) graph.message(GRAPH.input, encodeValueInfo(v));
  const out = new ProtoWriter();
  for (const f of readFields(model)) {
    if (f.field === MODEL.graph && f.wire === 2) out.message(MODEL.graph, graph);
    else out.raw(model.subarray(f.start, f.end));
  }
  for (const o of prefix.opsets ?? []) {
    if (summary.opsets.some((x) => x.domain === o.domain)) continue;
    out.message(MODEL.opsetImport, new ProtoWriter().string(1, o.domain).int(2, o.version));
  }
  for (const [key, value] of Object.entries(prefix.metadata ?? {})) {
    out.message(MODEL.metadataProps, new ProtoWriter().string(1, key).string(2, value));
  }
  return out.finish();
}
