import { encodeModel, type GraphSpec, type NodeSpec, type TensorInit } from '../../../daemon/vision/graph/onnx.js';

/** Synthetic test models, encoded with daemon/vision/graph's ONNX writer (onnxruntime-node loads models but cannot build them). */

type ValueInfo = GraphSpec['inputs'][number];

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
  return encodeModel({ inputs: [input], outputs: outInfos, nodes, initializers: inits });
}
