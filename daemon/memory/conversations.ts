import type { Database, Statement } from 'better-sqlite3';
import { HomeSightError } from '../system/index.js';
import type { ConversationTurn } from './types.js';

/** Short-term memory: the turns of each conversation (question, answer, plan). */
export class ConversationStore {
  private readonly s: Record<'upsertConv' | 'addTurn' | 'recent' | 'list' | 'prune' | 'pruneEmpty', Statement>;

  constructor(private readonly db: Database) {
    this.s = {
      upsertConv: db.prepare(
        'INSERT INTO conversations (id, created, updated) VALUES (?, ?, ?) ON CONFLICT(id) ' +
          'DO UPDATE SET updated = max(updated, excluded.updated)',
      ),
      addTurn: db.prepare('INSERT INTO turns (conversation_id, question, answer, plan, at) VALUES (?, ?, ?, ?, ?)'),
      recent: db.prepare('SELECT question, answer, plan, at FROM turns WHERE conversation_id = ? ORDER BY at DESC, id DESC LIMIT ?'),
      list: db.prepare(
        'SELECT c.id, c.created, c.updated, (SELECT count(*) FROM turns t WHERE t.conversation_id = c.id) ' +
          'AS turns FROM conversations c ORDER BY c.updated DESC LIMIT ?',
      ),
      prune: db.prepare('DELETE FROM turns WHERE at < ?'),
      pruneEmpty: db.prepare(
        'DELETE FROM conversations WHERE updated < ? AND NOT EXISTS (SELECT 1 FROM turns t WHERE t.conversation_id = conversations.id)',
      ),
    };
  }

  /** Appends a turn; returns its id. */
  appendTurn(conversationId: string, turn: ConversationTurn): number {
    if (conversationId.length === 0) throw new HomeSightError('E_MEMORY_CONVERSATION', 'conversation id must not be empty');
    if (!Number.isFinite(turn.at)) throw new HomeSightError('E_MEMORY_CONVERSATION', 'turn.at must be a number (ms since epoch)');
    return this.db.transaction(() => {
      this.s.upsertConv.run(conversationId, turn.at, turn.at);
      const plan = turn.plan === undefined ? null : JSON.stringify(turn.plan);
      return Number(this.s.addTurn.run(conversationId, turn.question, turn.answer, plan, turn.at).lastInsertRowid);
    })();
  }

  /** The last n turns of a conversation, oldest first (ready to put in a prompt). */
  recentTurns(conversationId: string, n: number): ConversationTurn[] {
    const rows = this.s.recent.all(conversationId, Math.max(0, Math.floor(n))) as Array<{
      question: string;
      answer: string;
      plan: string | null;
      at: number;
    }>;
    return rows
      .reverse()
      .map((r) =>
        r.plan === null
          ? { question: r.question, answer: r.answer, at: r.at }
          : { question: r.question, answer: r.answer, plan: JSON.parse(r.plan) as unknown, at: r.at },
      );
  }

  conversations(limit = 50): Array<{ id: string; created: number; updated: number; turns: number }> {
    return this.s.list.all(limit) as Array<{ id: string; created: number; updated: number; turns: number }>;
  }

  /** Deletes turns older than `before` and conversations left empty; returns turns deleted. */
  pruneBefore(before: number): number {
    return this.db.transaction(() => {
      const n = this.s.prune.run(before).changes;
      this.s.pruneEmpty.run(before);
      return n;
    })();
  }
}
