import { Counter, Gauge, type Registry } from 'prom-client';
import type { CameraState, CameraStats } from './types.js';

const STATES: CameraState[] = ['starting', 'streaming', 'backoff', 'stalled', 'failed', 'stopped'];

export interface IngestMetricsSource {
  cameraStats(): Array<[string, CameraStats]>;
  recordingBytes(): Array<[string, number]>;
  recordingsDeleted(): { age: number; cap: number };
}

/**
 * Per-camera metrics on the daemon's registry (never the global one), read
 * from the sources' stats at scrape time. Counters advance by the difference
 * since the last scrape, so they stay monotonic across ffmpeg restarts.
 */
export class IngestMetrics {
  private readonly last = new Map<string, number>();

  constructor(registry: Registry, src: IngestMetricsSource) {
    const self = this;
    new Gauge({
      name: 'homesight_camera_up',
      help: '1 while the camera delivers frames (state streaming), else 0',
      labelNames: ['camera'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [camera, s] of src.cameraStats()) this.set({ camera }, s.state === 'streaming' ? 1 : 0);
      },
    });
    new Gauge({
      name: 'homesight_camera_state',
      help: 'camera state: 1 for the current state label, 0 for the others',
      labelNames: ['camera', 'state'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [camera, s] of src.cameraStats()) for (const st of STATES) this.set({ camera, state: st }, s.state === st ? 1 : 0);
      },
    });
    new Gauge({
      name: 'homesight_camera_fps_in',
      help: 'frames per second arriving from ffmpeg at the detect rate',
      labelNames: ['camera'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [camera, s] of src.cameraStats()) this.set({ camera }, s.fps_in);
      },
    });
    new Gauge({
      name: 'homesight_camera_fps_out',
      help: 'frames per second taken by consumers (summed over consumers)',
      labelNames: ['camera'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [camera, s] of src.cameraStats()) this.set({ camera }, s.fps_out);
      },
    });
    new Gauge({
      name: 'homesight_camera_last_frame_timestamp_seconds',
      help: 'wall-clock time of the last frame (0 = none yet)',
      labelNames: ['camera'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [camera, s] of src.cameraStats()) this.set({ camera }, s.last_frame_at === null ? 0 : s.last_frame_at / 1000);
      },
    });
    const counter = (name: string, help: string, pick: (s: CameraStats) => number): void => {
      new Counter({
        name,
        help,
        labelNames: ['camera'],
        registers: [registry],
        collect() {
          for (const [camera, s] of src.cameraStats()) {
            const key = `${name}\u0000${camera}`;
            const v = pick(s);
            const d = v - (self.last.get(key) ?? 0);
            this.inc({ camera }, d > 0 ? d : 0);
            self.last.set(key, Math.max(v, self.last.get(key) ?? 0));
          }
        },
      });
    };
    counter('homesight_camera_dropped_frames_total', 'frames dropped because a consumer queue was full (oldest first)', (s) => s.dropped);
    counter('homesight_camera_decode_errors_total', 'decoder errors reported by ffmpeg', (s) => s.decode_errors);
    counter('homesight_camera_reconnects_total', 'ffmpeg restarts (disconnects, stalls, failures)', (s) => s.reconnects);
    new Gauge({
      name: 'homesight_recordings_bytes',
      help: 'bytes of indexed recording segments',
      labelNames: ['camera'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [camera, b] of src.recordingBytes()) this.set({ camera }, b);
      },
    });
    new Counter({
      name: 'homesight_recordings_deleted_total',
      help: 'recording segments deleted by retention',
      labelNames: ['reason'],
      registers: [registry],
      collect() {
        const d = src.recordingsDeleted();
        for (const reason of ['age', 'cap'] as const) {
          const key = `deleted\u0000${reason}`;
          const delta = d[reason] - (self.last.get(key) ?? 0);
          if (delta > 0) this.inc({ reason }, delta);
          self.last.set(key, Math.max(d[reason], self.last.get(key) ?? 0));
        }
      },
    });
  }
}
