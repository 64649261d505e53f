// The chat transcript as plain data: turns, streaming, completion, stop and
// failure, the session id follow-ups reuse, and the HTML of each turn. The
// webview panel (chatPanel.ts) only moves this between the server and the
// page, so everything here is unit-tested without VS Code.

import { escapeHtml, renderMarkdown, type CodeBlock } from './markdown';
import { answerFooter, failoverNote } from './format';
import type { ChatResult } from './protocol';

export type TurnState = 'streaming' | 'done' | 'stopped' | 'failed';

export interface Turn {
  id: number;
  prompt: string;
  /** A short label of the attached context ("main.go:3-9"), if any. */
  context: string;
  answer: string;
  state: TurnState;
  footer: string;
  note: string;
  error: string;
  codeBlocks: CodeBlock[];
}

/** ChatModel holds one conversation. It is single-threaded like the UI. */
export class ChatModel {
  private turns: Turn[] = [];
  private nextId = 1;
  /** The server's session id, set by the first completed answer. */
  sessionId = '';

  get all(): readonly Turn[] {
    return this.turns;
  }

  /** The turn still streaming, if any: only one request runs at a time. */
  get running(): Turn | undefined {
    return this.turns.find((t) => t.state === 'streaming');
  }

  turn(id: number): Turn | undefined {
    return this.turns.find((t) => t.id === id);
  }

  /** ask starts a turn; it throws if one is still streaming. */
  ask(prompt: string, context = ''): Turn {
    if (this.running) {
      throw new Error('chat: an answer is still streaming; stop it first');
    }
    const t: Turn = { id: this.nextId++, prompt, context, answer: '', state: 'streaming', footer: '', note: '', error: '', codeBlocks: [] };
    this.turns.push(t);
    return t;
  }

  /** delta appends streamed text; it is ignored once the turn has ended. */
  delta(id: number, text: string): boolean {
    const t = this.turn(id);
    if (!t || t.state !== 'streaming' || !text) {
      return false;
    }
    t.answer += text;
    return true;
  }

  /** complete records the final answer, which wins over the streamed text. */
  complete(id: number, r: ChatResult): boolean {
    const t = this.turn(id);
    if (!t || t.state !== 'streaming') {
      return false;
    }
    t.state = 'done';
    if (typeof r.text === 'string' && r.text !== '') {
      t.answer = r.text;
    }
    t.footer = answerFooter(r);
    t.note = failoverNote(r);
    if (r.droppedTurns && r.droppedTurns > 0) {
      t.note = [t.note, `${r.droppedTurns} earlier turn${r.droppedTurns === 1 ? ' was' : 's were'} dropped to fit the context`].filter((s) => s).join('. ');
    }
    if (r.sessionId) {
      this.sessionId = r.sessionId;
    }
    return true;
  }

  /** stop ends a streaming turn at the user's request, keeping its text. */
  stop(id: number): boolean {
    const t = this.turn(id);
    if (!t || t.state !== 'streaming') {
      return false;
    }
    t.state = 'stopped';
    return true;
  }

  fail(id: number, message: string): boolean {
    const t = this.turn(id);
    if (!t || t.state !== 'streaming') {
      return false;
    }
    t.state = 'failed';
    t.error = message;
    return true;
  }

  /** reset starts a new conversation (a new server session). */
  reset(): void {
    this.turns = [];
    this.sessionId = '';
  }

  /** codeBlock returns the raw code behind a rendered block's buttons. */
  codeBlock(id: number, index: number): CodeBlock | undefined {
    return this.turn(id)?.codeBlocks[index];
  }

  /** renderTurn renders one turn and remembers its code blocks. */
  renderTurn(id: number): string {
    const t = this.turn(id);
    if (!t) {
      return '';
    }
    const answer = renderMarkdown(t.answer);
    t.codeBlocks = answer.codeBlocks;
    const ctx = t.context ? `<div class="context">Selection: ${escapeHtml(t.context)}</div>` : '';
    const parts = [
      `<div class="turn turn-${t.state}" data-turn="${t.id}">`,
      `<div class="prompt">${ctx}${escapeHtml(t.prompt)}</div>`,
      `<div class="answer">${answer.html}${t.state === 'streaming' ? '<span class="cursor">▍</span>' : ''}</div>`,
    ];
    if (t.state === 'stopped') {
      parts.push('<div class="meta stopped">Stopped.</div>');
    }
    if (t.state === 'failed') {
      parts.push(`<div class="meta error">${escapeHtml(t.error)}</div>`);
    }
    if (t.footer) {
      parts.push(`<div class="meta served">${escapeHtml(t.footer)}</div>`);
    }
    if (t.note) {
      parts.push(`<div class="meta failover">⚠ ${escapeHtml(t.note)}</div>`);
    }
    parts.push('</div>');
    return parts.join('');
  }
}
