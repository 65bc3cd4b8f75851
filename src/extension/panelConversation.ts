// The panel's current conversation and the store behind it (workspace storage): which one is open
// is remembered per workspace, a new one is saved only once it has a turn, and asking on another
// connection than the conversation's starts a new one (each conversation is tied to its connection).
import { join } from 'node:path';
import type * as vscode from 'vscode';
import type { AskResult, ConversationTurn } from '../core/agents/askAgent';
import type { Conversation, ConversationStore, StoredTurn } from '../core/conversations/conversationStore';
import type { TokenUsage } from '../core/observability/events';
import { loadEngine } from './loadEngine';

const CURRENT_KEY = 'pipewright.conversationId';
const MAX_CONTEXT_TURNS = 10;

export class PanelConversation {
  private store?: ConversationStore;
  private conversation?: Conversation;

  constructor(private readonly context: vscode.ExtensionContext) {}

  private storeOf(): ConversationStore {
    const folder = (this.context.storageUri ?? this.context.globalStorageUri).fsPath;
    this.store ??= new (loadEngine().ConversationStore)(join(folder, 'conversations'));
    return this.store;
  }

  /** The open conversation: the remembered one, else a new (unsaved) one on `connectionId`. */
  async current(connectionId: string): Promise<Conversation> {
    if (!this.conversation) {
      const id = this.context.workspaceState.get<string>(CURRENT_KEY);
      this.conversation = (id ? await this.storeOf().load(id).catch(() => undefined) : undefined) ?? this.storeOf().create(connectionId);
    }
    return this.conversation;
  }

  async startNew(connectionId: string): Promise<Conversation> {
    this.conversation = this.storeOf().create(connectionId);
    await this.context.workspaceState.update(CURRENT_KEY, undefined);
    return this.conversation;
  }

  async switchTo(id: string): Promise<Conversation | undefined> {
    const found = await this.storeOf().load(id);
    if (!found) return undefined;
    this.conversation = found;
    await this.context.workspaceState.update(CURRENT_KEY, id);
    return found;
  }

  async delete(id: string): Promise<void> {
    await this.storeOf().delete(id);
    if (this.conversation?.id === id) {
      this.conversation = undefined;
      await this.context.workspaceState.update(CURRENT_KEY, undefined);
    }
  }

  list() {
    return this.storeOf().list();
  }

  history(query: string) {
    return this.storeOf().history(query);
  }

  /** The conversation a question on `connectionId` belongs to: another connection starts a new one. */
  async forQuestion(connectionId: string): Promise<{ conversation: Conversation; switched: boolean }> {
    const conversation = await this.current(connectionId);
    if (conversation.connectionId === connectionId) return { conversation, switched: false };
    if (conversation.turns.length === 0) {
      this.conversation = { ...conversation, connectionId };
      return { conversation: this.conversation, switched: false };
    }
    return { conversation: await this.startNew(connectionId), switched: true };
  }

  /** Earlier completed questions of the open conversation, as context for the model. */
  contextTurns(): ConversationTurn[] {
    return (this.conversation?.turns ?? [])
      .filter((t) => t.kind === 'ask' && t.status === 'completed' && t.answer)
      .slice(-MAX_CONTEXT_TURNS)
      .map((t) => ({ question: t.question, answer: t.answer!, ...(t.sql ? { sql: t.sql } : {}) }));
  }

  /** Saves a finished run as a turn of the open conversation. */
  async record(kind: StoredTurn['kind'], question: string, result: AskResult, usage?: TokenUsage): Promise<void> {
    const conversation = this.conversation;
    if (!conversation) return;
    const turn: StoredTurn = {
      kind,
      question,
      at: Date.now(),
      status: result.status,
      ...(result.answer ? { answer: result.answer } : {}),
      ...(result.sql ? { sql: result.sql } : {}),
      ...(result.result ? { result: result.result } : {}),
      ...(result.error ? { error: result.error } : {}),
      ...(usage ? { usage } : {}),
    };
    this.conversation = await this.storeOf().append(conversation, turn);
    await this.context.workspaceState.update(CURRENT_KEY, this.conversation.id);
  }
}
