import type { Box, Detection } from './types.js';

/** Intersection over union of two [x, y, w, h] boxes. */
export function iou(a: Box, b: Box): number {
  const x1 = Math.max(a[0], b[0]);
  const y1 = Math.max(a[1], b[1]);
  const x2 = Math.min(a[0] + a[2], b[0] + b[2]);
  const y2 = Math.min(a[1] + a[3], b[1] + b[3]);
  const iw = x2 - x1;
  const ih = y2 - y1;
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const union = a[2] * a[3] + b[2] * b[3] - inter;
  return union <= 0 ? 0 : inter / union;
}

/**
 * Class-aware greedy non-maximum suppression: a box suppresses lower-scored
 * boxes of the same class that overlap it by more than `iouThreshold`.
 */
export function nms<T extends { box: Box; score: number; classId: number }>(items: readonly T[], iouThreshold: number, maxOut = 300): T[] {
  const sorted = [...items].sort((a, b) => b.score - a.score);
  const keep: T[] = [];
  const removed = new Uint8Array(sorted.length);
  for (let i = 0; i < sorted.length && keep.length < maxOut; i++) {
    if (removed[i] === 1) continue;
    const a = sorted[i]!;
    keep.push(a);
    for (let j = i + 1; j < sorted.length; j++) {
      if (removed[j] === 1) continue;
      const b = sorted[j]!;
      if (b.classId === a.classId && iou(a.box, b.box) > iouThreshold) removed[j] = 1;
    }
  }
  return keep;
}

/** Clips a box to the image; returns null when nothing is left. */
export function clipBox(b: Box, width: number, height: number): Box | null {
  const x1 = Math.max(0, Math.min(width, b[0]));
  const y1 = Math.max(0, Math.min(height, b[1]));
  const x2 = Math.max(0, Math.min(width, b[0] + b[2]));
  const y2 = Math.max(0, Math.min(height, b[1] + b[3]));
  if (x2 - x1 < 1 || y2 - y1 < 1) return null;
  return [x1, y1, x2 - x1, y2 - y1];
}

/** Pixels → fractions of the frame, rounded to 4 decimals. */
export function toFractions(b: Box, width: number, height: number): [number, number, number, number] {
  const r = (v: number): number => Math.round(v * 10_000) / 10_000;
  return [r(b[0] / width), r(b[1] / height), r(b[2] / width), r(b[3] / height)];
}

/** Ray-casting point-in-polygon; polygon points are [x, y]. */
export function pointInPolygon(x: number, y: number, polygon: ReadonlyArray<readonly [number, number]>): boolean {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i]!;
    const [xj, yj] = polygon[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

export interface ZoneSpec {
  name: string;
  /** [x, y] fractions of the frame. */
  polygon: ReadonlyArray<readonly [number, number]>;
  /** Minimum box area (fraction of the frame) for a detection to count in this zone. */
  min_area: number;
}

/**
 * Zone membership of a box: a box is in a zone when its foot point
 * (bottom centre, where a person stands) lies inside the polygon and its area
 * reaches the zone's min_area.
 */
export function zonesOf(b: Box, width: number, height: number, zones: readonly ZoneSpec[]): string[] {
  if (zones.length === 0) return [];
  const fx = (b[0] + b[2] / 2) / width;
  const fy = (b[1] + b[3]) / height;
  const area = (b[2] * b[3]) / (width * height);
  const out: string[] = [];
  for (const z of zones) {
    if (area < z.min_area) continue;
    if (pointInPolygon(fx, Math.min(fy, 0.9999), z.polygon)) out.push(z.name);
  }
  return out;
}

export interface DetectionFilter {
  /** Class labels kept (empty = all). */
  labels: readonly string[];
  /** Minimum box area as a fraction of the frame. */
  minArea: number;
  /** When the camera has zones and this is true, detections outside every zone are dropped. */
  requireZone: boolean;
  zones: readonly ZoneSpec[];
}

/** Applies the label filter, min-area and zones; returns kept detections with their zones. */
export function filterDetections(
  dets: readonly Detection[],
  width: number,
  height: number,
  f: DetectionFilter,
): Array<Detection & { zones: string[] }> {
  const out: Array<Detection & { zones: string[] }> = [];
  const frameArea = width * height;
  for (const d of dets) {
    if (f.labels.length > 0 && !f.labels.includes(d.label)) continue;
    if ((d.box[2] * d.box[3]) / frameArea < f.minArea) continue;
    const zones = zonesOf(d.box, width, height, f.zones);
    if (f.requireZone && f.zones.length > 0 && zones.length === 0) continue;
    out.push({ ...d, zones });
  }
  return out;
}
