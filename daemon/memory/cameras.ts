import type { Database, Statement } from 'better-sqlite3';
import type { Clock } from '../system/index.js';
import type { CameraInfo } from './types.js';

/** Which camera watches which room (from config), so queries can ask by room. */
export class CameraRegistry {
  private readonly s: Record<'upsert' | 'list' | 'inRoom', Statement>;

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
  ) {
    this.s = {
      upsert: db.prepare(
        'INSERT INTO cameras (name, room, updated) VALUES (?, ?, ?) ON CONFLICT(name) ' +
          'DO UPDATE SET room = excluded.room, updated = excluded.updated',
      ),
      list: db.prepare('SELECT name, room FROM cameras ORDER BY name'),
      inRoom: db.prepare('SELECT name FROM cameras WHERE room = ? ORDER BY name').pluck(),
    };
  }

  /** Records cameras and their rooms (cameras no longer configured are kept: their events still name them). */
  sync(cameras: CameraInfo[]): void {
    const now = this.clock.now();
    this.db.transaction(() => {
      for (const c of cameras) this.s.upsert.run(c.name, c.room, now);
    })();
  }

  list(): CameraInfo[] {
    return this.s.list.all() as CameraInfo[];
  }

  inRoom(room: string): string[] {
    return this.s.inRoom.all(room) as string[];
  }
}
