import t from 'tap';
import { ImageTensorizer, type Box } from '../../daemon/vision/index.js';
import { clipBox, filterDetections, iou, nms, pointInPolygon, toFractions, zonesOf } from '../../daemon/vision/geometry.js';
import { decodeHeatmaps, decodeMovenet, decodeMovenetMultipose, decodeSimcc, decodeYolov8Pose } from '../../daemon/vision/decoders/pose.js';
import { decodeYolov8, decodeYolox, decodeYunet, gridAnchors } from '../../daemon/vision/decoders/detection.js';
import { invertAffine, similarityTransform, toImage, warpAffineNchw } from '../../daemon/vision/preprocess.js';
import { type Detection } from '../../daemon/vision/types.js';

const close = (a: number, b: number, eps = 1e-4): boolean => Math.abs(a - b) <= eps;
const closeAll = (a: readonly number[], b: readonly number[], eps = 1e-4): boolean =>
  a.length === b.length && a.every((v, i) => close(v, b[i]!, eps));

t.test('YOLOX: grid decode per stride, score = obj·cls, threshold, shape check', async (t) => {
  const inW = 64,
    inH = 64,
    nc = 2,
    per = 5 + nc;
  const rows = gridAnchors(inW, inH, [8, 16, 32]);
  t.equal(rows, 64 + 16 + 4);
  const out = new Float32Array(rows * per);
  // stride 16, gx 2, gy 1 → row 64 + 1·4 + 2
  const r = 64 + 4 + 2;
  out.set([0.5, 0.25, Math.log(2), 0, 0.9, 0.2, 0.8], r * per);
  // confident object, weak class: 0.9 · 0.3 = 0.27 < 0.35
  out.set([0, 0, 0, 0, 0.9, 0.3, 0.1], 3 * per);
  const dets = decodeYolox(out, [1, rows, per], inW, inH, 0.35);
  t.equal(dets.length, 1);
  t.ok(closeAll(dets[0]!.box, [24, 12, 32, 16]), `box ${dets[0]!.box}`);
  t.ok(close(dets[0]!.score, 0.72));
  t.equal(dets[0]!.classId, 1);
  t.throws(() => decodeYolox(out, [1, rows - 1, per], inW, inH, 0.35), /84/);
  t.throws(() => decodeYolox(out, [rows, per], inW, inH, 0.35), /\[1, N, 5\+C\]/);
});

t.test('YOLOv8: channels-first and transposed layouts give the same boxes', async (t) => {
  const n = 5,
    nc = 3,
    per = 4 + nc;
  const cf = new Float32Array(per * n);
  const cand = [100, 50, 20, 40, 0.1, 0.9, 0.3];
  cand.forEach((v, c) => (cf[c * n + 3] = v));
  const tr = new Float32Array(n * per);
  tr.set(cand, 3 * per);
  for (const [data, dims] of [
    [cf, [1, per, n]],
    [tr, [1, n, per]],
  ] as const) {
    const d = decodeYolov8(data, dims, 0.35, nc);
    t.equal(d.length, 1);
    t.same(d[0]!.box, [90, 30, 20, 40]);
    t.equal(d[0]!.classId, 1);
    t.ok(close(d[0]!.score, 0.9));
  }
  t.throws(() => decodeYolov8(cf, [1, per, n], 0.35, 80), /4 \+ 80 classes = 84/);
});

t.test('YuNet: score = sqrt(cls·obj), box and 5 landmarks per anchor', async (t) => {
  const inW = 32,
    inH = 32;
  const views: Record<string, { data: Float32Array; dims: number[] }> = {};
  for (const s of [8, 16, 32]) {
    const a = (inW / s) * (inH / s);
    views[`cls_${s}`] = { data: new Float32Array(a), dims: [1, a, 1] };
    views[`obj_${s}`] = { data: new Float32Array(a), dims: [1, a, 1] };
    views[`bbox_${s}`] = { data: new Float32Array(a * 4), dims: [1, a, 4] };
    views[`kps_${s}`] = { data: new Float32Array(a * 10), dims: [1, a, 10] };
  }
  const i = 5; // stride 8: gx 1, gy 1
  views.cls_8!.data[i] = 0.81;
  views.obj_8!.data[i] = 1;
  views.bbox_8!.data.set([0.5, 0.5, Math.log(2), Math.log(2)], i * 4);
  views.kps_8!.data.set([0, 0, 1, 0, 0.5, 0.5, 0, 1, 1, 1], i * 10);
  const faces = decodeYunet(views, inW, inH, 0.6);
  t.equal(faces.length, 1);
  t.ok(close(faces[0]!.score, 0.9));
  t.ok(closeAll(faces[0]!.box, [4, 4, 16, 16]), `box ${faces[0]!.box}`);
  t.ok(closeAll(faces[0]!.landmarks.flat(), [8, 8, 16, 8, 12, 12, 8, 16, 16, 16]));
  delete views.kps_32;
  t.throws(() => decodeYunet(views, inW, inH, 0.6), /kps_32/);
});

t.test('pose decoders: MoveNet single/multi, YOLOv8-pose, heatmaps, SimCC', async (t) => {
  const mv = new Float32Array(51);
  mv.set([0.25, 0.5, 0.9], 0);
  const k = decodeMovenet(mv, [1, 1, 17, 3], 192, 192);
  t.equal(k.length, 17);
  t.same(k[0], [96, 48, mv[2]]);
  t.throws(() => decodeMovenet(mv, [1, 17, 3], 192, 192));

  const mp = new Float32Array(6 * 56);
  mp.set([0.1, 0.2, 0.5, 0.6], 2 * 56 + 51);
  mp[2 * 56 + 55] = 0.6;
  mp[2 * 56 + 0] = 0.5; // nose y
  mp[2 * 56 + 1] = 0.25; // nose x
  mp[4 * 56 + 55] = 0.05;
  const poses = decodeMovenetMultipose(mp, [1, 6, 56], 256, 128, 0.2);
  t.equal(poses.length, 1, 'rows under the score are dropped');
  t.ok(poses[0]!.box.every((v, i) => close(v, [51.2, 12.8, 102.4, 51.2][i]!)));
  t.ok(close(poses[0]!.keypoints[0]![0], 64) && close(poses[0]!.keypoints[0]![1], 64));

  const n = 3,
    per = 56;
  const yp = new Float32Array(per * n);
  const cand = [50, 60, 20, 40, 0.8, ...Array.from({ length: 51 }, (_, j) => j)];
  cand.forEach((v, c) => (yp[c * n + 1] = v));
  const yposes = decodeYolov8Pose(yp, [1, per, n], 0.35);
  t.equal(yposes.length, 1);
  t.same(yposes[0]!.box, [40, 40, 20, 40]);
  t.same(yposes[0]!.keypoints[1], [3, 4, 5]);
  t.throws(() => decodeYolov8Pose(yp, [1, 50, n], 0.35), /\[1, 56, N\]/);

  const hm = new Float32Array(17 * 8 * 6);
  for (let j = 0; j < 17; j++) {
    const base = j * 48;
    hm[base + 3 * 6 + 2] = 0.9; // peak at x 2, y 3
    hm[base + 3 * 6 + 3] = 0.5; // right neighbour higher than left → +0.25
  }
  const hk = decodeHeatmaps(hm, [1, 17, 8, 6], 48, 64);
  t.ok(close(hk[0]![0], 22) && close(hk[0]![1], 28) && close(hk[0]![2], 0.9), `heatmap keypoint ${hk[0]}`);

  const sx = new Float32Array(17 * 96);
  const sy = new Float32Array(17 * 128);
  for (let j = 0; j < 17; j++) {
    sx[j * 96 + 40] = 0.7;
    sy[j * 128 + 100] = 0.6;
  }
  const sk = decodeSimcc(sx, [1, 17, 96], sy, [1, 17, 128], 48, 64);
  t.same(sk[16], [20, 50, sy[100]]);
  t.throws(() => decodeSimcc(sx, [1, 17, 96], sy, [1, 17, 100], 48, 64), /ratios differ/);
});

t.test('geometry: IoU, class-aware NMS, clipping, fractions', async (t) => {
  t.equal(iou([0, 0, 10, 10], [0, 0, 10, 10]), 1);
  t.equal(iou([0, 0, 10, 10], [20, 20, 5, 5]), 0);
  t.ok(close(iou([0, 0, 10, 10], [5, 0, 10, 10]), 50 / 150));
  const d = (box: Box, score: number, classId: number): Detection => ({ box, score, classId, label: String(classId) });
  const kept = nms([d([0, 0, 10, 10], 0.9, 0), d([1, 0, 10, 10], 0.8, 0), d([1, 0, 10, 10], 0.7, 1), d([50, 50, 10, 10], 0.6, 0)], 0.5);
  t.same(
    kept.map((k) => k.score),
    [0.9, 0.7, 0.6],
    'same-class overlap suppressed, other class kept',
  );
  t.same(clipBox([-5, -5, 20, 20], 10, 10), [0, 0, 10, 10]);
  t.equal(clipBox([20, 20, 5, 5], 10, 10), null);
  t.same(toFractions([64, 36, 320, 180], 640, 360), [0.1, 0.1, 0.5, 0.5]);
});

t.test('zones: foot point in polygon, min_area, require_zone', async (t) => {
  const square = [
    [0.1, 0.5],
    [0.5, 0.5],
    [0.5, 1],
    [0.1, 1],
  ] as Array<[number, number]>;
  t.ok(pointInPolygon(0.3, 0.7, square));
  t.notOk(pointInPolygon(0.7, 0.7, square));
  const zones = [{ name: 'stove', polygon: square, min_area: 0.01 }];
  // Foot point (0.3·100, 0.9·100) inside; area 0.04.
  t.same(zonesOf([20, 50, 20, 40], 100, 100, zones), ['stove']);
  t.same(zonesOf([29, 85, 2, 5], 100, 100, zones), [], 'too small for the zone');
  const dets: Detection[] = [
    { box: [20, 50, 20, 40], score: 0.9, classId: 0, label: 'person' },
    { box: [70, 50, 20, 40], score: 0.9, classId: 0, label: 'person' },
    { box: [20, 50, 20, 40], score: 0.9, classId: 2, label: 'car' },
    { box: [20, 50, 1, 1], score: 0.9, classId: 0, label: 'person' },
  ];
  const f = filterDetections(dets, 100, 100, { labels: ['person'], minArea: 0.001, requireZone: true, zones });
  t.equal(f.length, 1);
  t.same(f[0]!.zones, ['stove']);
  t.equal(filterDetections(dets, 100, 100, { labels: ['person'], minArea: 0.001, requireZone: false, zones }).length, 2);
});

t.test('tensorizer: letterbox top-left/centre, BGR, normalisation, padding, NHWC int32', async (t) => {
  const img = { width: 4, height: 2, data: new Uint8Array(4 * 2 * 3) };
  for (let i = 0; i < 8; i++) img.data.set([10, 20, 30], i * 3);
  const tl = new ImageTensorizer({
    layout: 'nchw',
    color: 'bgr',
    mean: [0, 0, 0],
    std: [1, 1, 1],
    dtype: 'float32',
    align: 'topleft',
    pad: 114,
  });
  const { data, lb } = tl.fill(img, 8, 8);
  t.same([lb.scale, lb.padX, lb.padY], [2, 0, 0]);
  const at = (c: number, x: number, y: number): number => data[c * 64 + y * 8 + x]!;
  t.same([at(0, 3, 1), at(1, 3, 1), at(2, 3, 1)], [30, 20, 10], 'BGR planes');
  t.same([at(0, 3, 6), at(2, 7, 7)], [114, 114], 'padding rows');
  t.equal(tl.fill(img, 8, 8).data, data, 'the buffer is reused');

  const ctr = new ImageTensorizer({
    layout: 'nchw',
    color: 'rgb',
    mean: [10, 20, 30],
    std: [2, 4, 5],
    dtype: 'float32',
    align: 'center',
    pad: 0,
  });
  const c = ctr.fill(img, 8, 8);
  t.same([c.lb.padX, c.lb.padY], [0, 2]);
  t.equal(c.data[0 * 64 + 0 * 8 + 0], -5, 'pad normalised: (0 − 10) / 2');
  t.equal(c.data[2 * 64 + 3 * 8 + 4], 0, 'content normalised: (30 − 30) / 5');
  t.same(toImage(c.lb, 4, 4), [2, 1], 'input (4, 4) is image (2, 1)');

  // Bilinear upscale of a ramp: 0 and 100 → 0, 25, 75, 100.
  const ramp = { width: 2, height: 1, data: Uint8Array.from([0, 0, 0, 100, 0, 0]) };
  const rz = new ImageTensorizer({
    layout: 'nhwc',
    color: 'rgb',
    mean: [0, 0, 0],
    std: [1, 1, 1],
    dtype: 'int32',
    align: 'topleft',
    pad: 0,
  });
  const r = rz.fill(ramp, 4, 2);
  t.ok(r.data instanceof Int32Array);
  t.same([r.data[0], r.data[3], r.data[6], r.data[9]], [0, 25, 75, 100]);

  // Frame already at the input size: pixels are copied, not interpolated.
  const grad = { width: 4, height: 2, data: Uint8Array.from({ length: 24 }, (_, i) => i * 10) };
  const ex = new ImageTensorizer({
    layout: 'nchw',
    color: 'bgr',
    mean: [0, 0, 0],
    std: [1, 1, 1],
    dtype: 'float32',
    align: 'topleft',
    pad: 114,
  }).fill(grad, 4, 4);
  t.equal(ex.lb.scale, 1);
  t.same(Array.from(ex.data.subarray(32, 40)), [0, 30, 60, 90, 120, 150, 180, 210], 'R plane (last in BGR) = source R, pixel for pixel');
  t.same(Array.from(ex.data.subarray(8, 16)), [114, 114, 114, 114, 114, 114, 114, 114], 'rows below the frame are padding');

  // A region reaching past the left edge is padded there.
  const roi = rz.fill(img, 4, 2, [-2, 0, 4, 2]);
  t.same([roi.data[0], roi.data[3], roi.data[6], roi.data[9]], [0, 0, 10, 10]);
});

t.test('similarity transform and affine warp', async (t) => {
  const a = Math.PI / 6,
    s = 2;
  const m = [s * Math.cos(a), -s * Math.sin(a), 5, s * Math.sin(a), s * Math.cos(a), -3];
  const src: Array<[number, number]> = [
    [0, 0],
    [10, 0],
    [5, 7],
    [2, 9],
    [8, 9],
  ];
  const dst = src.map(([x, y]) => [m[0]! * x + m[1]! * y + m[2]!, m[3]! * x + m[4]! * y + m[5]!] as [number, number]);
  const est = similarityTransform(src, dst);
  est.forEach((v, i) => t.ok(close(v, m[i]!, 1e-9), `m[${i}] ${v} vs ${m[i]}`));
  const inv = invertAffine(est);
  const [x, y] = [3, 4];
  const fx = est[0] * x + est[1] * y + est[2],
    fy = est[3] * x + est[4] * y + est[5];
  t.ok(close(inv[0] * fx + inv[1] * fy + inv[2], x, 1e-9) && close(inv[3] * fx + inv[4] * fy + inv[5], y, 1e-9));
  const img = { width: 3, height: 3, data: Uint8Array.from({ length: 27 }, (_, i) => i * 9) };
  const out = new Float32Array(27);
  warpAffineNchw(img, [1, 0, 0, 0, 1, 0], 3, 3, out, { color: 'rgb', mean: [0, 0, 0], std: [1, 1, 1] });
  t.equal(out[4], img.data[4 * 3], 'identity warp copies R');
  t.equal(out[9 + 4], img.data[4 * 3 + 1], 'G plane');
});
