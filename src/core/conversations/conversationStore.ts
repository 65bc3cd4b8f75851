// Conversations that survive a reload: one JSON file per conversation in a folder the host
// chooses (the editor: workspace storage), written atomically (a temp file renamed over the old
// one), validated when read, and bounded in size. What is kept is what the panel shows: the
// question, the answer, the final SQL and a capped preview of its result, masked like the audit
// log; never a connection's credentials (they are not in a turn) nor a full result set.
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ResultPreview } from '../observability/events';
import { redact } from '../observability/redact';
import { ConversationSchema, type Conversation, type StoredTurn } from './conversationTypes';

export { ConversationSchema, StoredTurnSchema, type Conversation, type StoredTurn } from './conversationTypes';

export interface ConversationSummary {
  id: string;
  title: string;
  connectionId: string;
  updatedAt: number;
  turns: number;
}

/** One searchable entry: a question, or a statement that ran. */
export interface HistoryEntry {
  kind: 'question' | 'sql';
  text: string;
  conversationId: string;
  conversationTitle: string;
  connectionId: string;
  at: number;
}

export interface StoreLimits {
  /** Bytes of one conversation file; the oldest turns go first beyond it. */
  maxFileBytes: number;
  /** Rows of a result preview kept per turn. */
  previewRows: number;
  /** Characters of one cell kept in a preview. */
  cellChars: number;
  /** Conversations kept; the least recently used go first beyond it. */
  maxConversations: number;
}

export const DEFAULT_STORE_LIMITS: StoreLimits = { maxFileBytes: 512 * 1024, previewRows: 20, cellChars: 200, maxConversations: 50 };

/** A conversation file that cannot be read: the file is kept (renamed) for the user, never overwritten. */
export class ConversationReadError extends Error {
  override name = 'ConversationReadError';
}

export class ConversationStore {
  constructor(private readonly dir: string, private readonly limits: StoreLimits = DEFAULT_STORE_LIMITS) {}

  create(connectionId: string, now = Date.now()): Conversation {
    return { version: 1, id: randomUUID(), title: 'New conversation', connectionId, createdAt: now, updatedAt: now, turns: [] };
  }

  async list(): Promise<ConversationSummary[]> {
    const all: ConversationSummary[] = [];
    for (const name of await this.files()) {
      const conversation = await this.load(name.slice(0, -'.json'.length)).catch(() => undefined);
      if (conversation) all.push({ id: conversation.id, title: conversation.title, connectionId: conversation.connectionId, updatedAt: conversation.updatedAt, turns: conversation.turns.length });
    }
    return all.sort((a, b) => b.updatedAt - a.updatedAt);
  }

  async load(id: string): Promise<Conversation | undefined> {
    if (!isId(id)) return undefined;
    const path = this.pathOf(id);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    let parsed: ReturnType<typeof ConversationSchema.safeParse>;
    try {
      parsed = ConversationSchema.safeParse(JSON.parse(text));
    } catch {
      parsed = { success: false } as typeof parsed;
    }
    if (!parsed.success || parsed.data.id !== id) {
      // Kept beside the others under another name, so nothing is lost and it is not read again.
      const kept = `${path}.unreadable-${Date.now()}`;
      await rename(path, kept).catch(() => undefined);
      throw new ConversationReadError(`The saved conversation ${id} could not be read (it was moved to ${kept}); the others are unaffected.`);
    }
    return parsed.data;
  }

  /** Adds a turn (capped and masked), names the conversation after its first question, and saves it. */
  async append(conversation: Conversation, turn: StoredTurn): Promise<Conversation> {
    const capped = this.capTurn(turn);
    const next: Conversation = {
      ...conversation,
      title: conversation.turns.length === 0 ? titleOf(capped.question) : conversation.title,
      updatedAt: turn.at,
      turns: [...conversation.turns, capped],
    };
    return this.save(next);
  }

  /** Writes atomically; beyond the size limit the oldest turns are dropped first (the newest is always kept). */
  async save(conversation: Conversation): Promise<Conversation> {
    const checked = ConversationSchema.parse(conversation);
    let text = JSON.stringify(checked);
    while (Buffer.byteLength(text) > this.limits.maxFileBytes && checked.turns.length > 1) {
      checked.turns.shift();
      text = JSON.stringify(checked);
    }
    await mkdir(this.dir, { recursive: true });
    const path = this.pathOf(checked.id);
    const temp = `${path}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;
    await writeFile(temp, text, { mode: 0o600 });
    await rename(temp, path);
    await this.prune(checked.id);
    return checked;
  }

  async delete(id: string): Promise<void> {
    if (isId(id)) await rm(this.pathOf(id), { force: true });
  }

  /** Questions and statements of every conversation, newest first; `query` filters by words (all must appear). */
  async history(query = ''): Promise<HistoryEntry[]> {
    const words = query.toLowerCase().split(/\s+/).filter(Boolean);
    const entries: HistoryEntry[] = [];
    for (const summary of await this.list()) {
      const conversation = await this.load(summary.id).catch(() => undefined);
      if (!conversation) continue;
      for (const turn of conversation.turns) {
        const base = { conversationId: conversation.id, conversationTitle: conversation.title, connectionId: conversation.connectionId, at: turn.at };
        if (turn.kind === 'ask') entries.push({ ...base, kind: 'question', text: turn.question });
        if (turn.sql) entries.push({ ...base, kind: 'sql', text: turn.sql });
      }
    }
    return entries
      .filter((e) => words.every((w) => e.text.toLowerCase().includes(w)))
      .sort((a, b) => b.at - a.at);
  }

  private capTurn(turn: StoredTurn): StoredTurn {
    const mask = (s: string) => redact(s);
    return {
      ...turn,
      question: mask(turn.question),
      ...(turn.answer !== undefined ? { answer: mask(turn.answer) } : {}),
      ...(turn.sql !== undefined ? { sql: mask(turn.sql) } : {}),
      ...(turn.error !== undefined ? { error: mask(turn.error) } : {}),
      ...(turn.result ? { result: this.capPreview(turn.result) } : {}),
    };
  }

  private capPreview(result: ResultPreview): ResultPreview {
    const rows = result.rows.slice(0, this.limits.previewRows).map((row) => row.map((cell) => {
      if (cell === null || typeof cell === 'number' || typeof cell === 'boolean') return cell;
      const text = redact(typeof cell === 'string' ? cell : JSON.stringify(cell));
      return text.length > this.limits.cellChars ? `${text.slice(0, this.limits.cellChars)}…` : text;
    }));
    return { columns: result.columns, rows, rowCount: result.rowCount, truncated: result.truncated || rows.length < result.rows.length };
  }

  private async prune(keep: string): Promise<void> {
    const all = await this.list();
    for (const old of all.slice(this.limits.maxConversations)) if (old.id !== keep) await this.delete(old.id);
  }

  private async files(): Promise<string[]> {
    try {
      return (await readdir(this.dir)).filter((n) => n.endsWith('.json') && isId(n.slice(0, -5)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }

  private pathOf(id: string): string {
    return join(this.dir, `${id}.json`);
  }
}

/** Ids are UUIDs: a name from a message or a file listing never becomes another path. */
function isId(id: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id);
}

function titleOf(question: string): string {
  const line = question.replace(/\s+/g, ' ').trim();
  return line.length > 80 ? `${line.slice(0, 79)}…` : line || 'New conversation';
}
