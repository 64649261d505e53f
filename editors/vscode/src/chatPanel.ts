// The chat panel: a webview that streams answers from llxprt/chat. The
// transcript lives in ChatModel; this file moves it between the server and
// the page and handles Stop, Insert at cursor and Copy.

import { randomUUID } from 'crypto';
import * as path from 'path';
import * as vscode from 'vscode';
import { CancellationTokenSource } from 'vscode-languageclient/node';
import { ChatModel } from './chatModel';
import { errorMessage, type Server } from './client';
import { Methods, type ChatParams, type ChatProgress, type ChatResult } from './protocol';

/** Selection context attached to the next question. */
export interface ChatContext {
  uri: vscode.Uri;
  range: vscode.Range;
  label: string;
}

type FromPage =
  | { type: 'ask'; prompt: string }
  | { type: 'stop' }
  | { type: 'newChat' }
  | { type: 'insert'; turn: number; index: number }
  | { type: 'copy'; turn: number; index: number }
  | { type: 'clearContext' }
  | { type: 'ready' };

/** What the end-to-end test hook learns about each finished turn. */
export interface TurnTrace {
  id: number;
  prompt: string;
  state: string;
  deltas: number;
  answer: string;
  footer: string;
  note: string;
  sessionId: string;
}

/** How often streamed text is pushed to the page, at most. */
const renderIntervalMs = 50;

export class ChatPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private readonly model = new ChatModel();
  private pending: ChatContext | undefined;
  private running: { turn: number; cts: CancellationTokenSource } | undefined;
  private renderTimer: NodeJS.Timeout | undefined;
  private lastEditor: vscode.TextEditor | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly server: Server,
    private readonly trace?: (t: TurnTrace) => void,
  ) {
    this.lastEditor = vscode.window.activeTextEditor;
    this.disposables.push(
      vscode.window.onDidChangeActiveTextEditor((e) => {
        if (e) {
          this.lastEditor = e;
        }
      }),
    );
  }

  /** show opens (or reveals) the panel, optionally attaching a selection. */
  show(ctx?: ChatContext, prompt?: string): void {
    if (ctx) {
      this.pending = ctx;
    }
    if (!this.panel) {
      this.panel = this.createPanel();
    } else {
      this.panel.reveal(vscode.ViewColumn.Beside);
      this.postContext();
    }
    if (prompt) {
      void this.ask(prompt);
    }
  }

  private createPanel(): vscode.WebviewPanel {
    const media = vscode.Uri.file(path.join(this.context.extensionPath, 'media'));
    const panel = vscode.window.createWebviewPanel(
      'llxprt.chat',
      'LLxprt Chat',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false },
      { enableScripts: true, retainContextWhenHidden: true, localResourceRoots: [media] },
    );
    panel.iconPath = vscode.Uri.file(path.join(this.context.extensionPath, 'media', 'icon.svg'));
    panel.webview.html = this.html(panel.webview, media);
    panel.webview.onDidReceiveMessage((m: FromPage) => this.onMessage(m), undefined, this.disposables);
    panel.onDidDispose(
      () => {
        this.panel = undefined;
        this.stop();
      },
      undefined,
      this.disposables,
    );
    return panel;
  }

  private html(webview: vscode.Webview, media: vscode.Uri): string {
    const nonce = randomUUID().replace(/-/g, '');
    const css = webview.asWebviewUri(vscode.Uri.joinPath(media, 'chat.css'));
    const js = webview.asWebviewUri(vscode.Uri.joinPath(media, 'chat.js'));
    const csp = [
      "default-src 'none'",
      `style-src ${webview.cspSource}`,
      `script-src 'nonce-${nonce}'`,
      `img-src ${webview.cspSource} https: data:`,
    ].join('; ');
    return `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${css}"><title>LLxprt Chat</title></head>
<body><div id="llxprt-chat">
<div id="transcript" aria-live="polite"></div>
<div id="composer">
<div id="context" hidden><span id="context-label"></span><button id="context-clear" title="Remove the selection">×</button></div>
<textarea id="prompt" rows="3" placeholder="Ask LLxprt… (Enter to send, Shift+Enter for a new line)"></textarea>
<div id="buttons"><button id="send">Send</button><button id="stop" hidden>Stop</button><button id="new-chat" class="secondary">New chat</button><span id="session"></span></div>
</div></div>
<script nonce="${nonce}" src="${js}"></script></body></html>`;
  }

  private onMessage(m: FromPage): void {
    switch (m.type) {
      case 'ready':
        this.renderAll();
        return;
      case 'ask':
        void this.ask(m.prompt);
        return;
      case 'stop':
        this.stop();
        return;
      case 'newChat':
        this.stop();
        this.model.reset();
        this.renderAll();
        return;
      case 'clearContext':
        this.pending = undefined;
        this.postContext();
        return;
      case 'insert':
        void this.insert(m.turn, m.index);
        return;
      case 'copy': {
        const block = this.model.codeBlock(m.turn, m.index);
        if (block) {
          void vscode.env.clipboard.writeText(block.code).then(() => vscode.window.setStatusBarMessage('LLxprt: code copied', 2000));
        }
        return;
      }
    }
  }

  /** ask sends one question and streams its answer into the page. */
  async ask(prompt: string): Promise<void> {
    prompt = prompt.trim();
    if (!prompt) {
      return;
    }
    if (this.running) {
      void vscode.window.showInformationMessage('LLxprt: an answer is still streaming; press Stop first.');
      return;
    }
    const ctx = this.pending;
    this.pending = undefined;
    const turn = this.model.ask(prompt, ctx?.label ?? '');
    const cts = new CancellationTokenSource();
    this.running = { turn: turn.id, cts };
    this.post({ type: 'busy', busy: true });
    this.postContext();
    this.renderTurn(turn.id);

    const token = `llxprt-chat-${randomUUID()}`;
    const params: ChatParams = { prompt, partialResultToken: token };
    if (this.model.sessionId) {
      params.sessionId = this.model.sessionId;
    }
    if (ctx) {
      params.textDocument = { uri: ctx.uri.toString() };
      params.range = {
        start: { line: ctx.range.start.line, character: ctx.range.start.character },
        end: { line: ctx.range.end.line, character: ctx.range.end.character },
      };
    }
    let progress: vscode.Disposable | undefined;
    let deltas = 0;
    try {
      progress = await this.server.onProgress<ChatProgress>(token, (v) => {
        if (v && typeof v.text === 'string' && this.model.delta(turn.id, v.text)) {
          deltas++;
          this.scheduleRender(turn.id);
        }
      });
      const result = await this.server.request<ChatResult>(Methods.chat, params, cts.token);
      this.model.complete(turn.id, result);
    } catch (err) {
      if (!cts.token.isCancellationRequested) {
        this.model.fail(turn.id, `LLxprt: ${errorMessage(err)}`);
      }
    } finally {
      progress?.dispose();
      cts.dispose();
      if (this.running?.turn === turn.id) {
        this.running = undefined;
        this.post({ type: 'busy', busy: false });
      }
      this.renderTurn(turn.id);
      this.post({ type: 'session', sessionId: this.model.sessionId });
      const t = this.model.turn(turn.id);
      if (this.trace && t) {
        this.trace({ id: t.id, prompt: t.prompt, state: t.state, deltas, answer: t.answer, footer: t.footer, note: t.note, sessionId: this.model.sessionId });
      }
    }
  }

  /**
   * stop cancels the running request ($/cancelRequest, which cancels the
   * provider call on the server) and ends the turn at once, so the page does
   * not wait for the server to acknowledge.
   */
  stop(): void {
    const r = this.running;
    if (!r) {
      return;
    }
    this.running = undefined;
    r.cts.cancel();
    this.model.stop(r.turn);
    this.post({ type: 'busy', busy: false });
    this.renderTurn(r.turn);
  }

  private async insert(turnId: number, index: number): Promise<void> {
    const block = this.model.codeBlock(turnId, index);
    const editor = this.lastEditor;
    if (!block) {
      return;
    }
    if (!editor || editor.document.isClosed) {
      void vscode.window.showWarningMessage('LLxprt: open an editor to insert the code into.');
      return;
    }
    await vscode.window.showTextDocument(editor.document, editor.viewColumn);
    const ok = await editor.edit((b) => {
      for (const sel of editor.selections) {
        b.replace(sel, block.code);
      }
    });
    if (!ok) {
      void vscode.window.showWarningMessage('LLxprt: the editor refused the edit (is it read-only?).');
    }
  }

  private scheduleRender(turnId: number): void {
    if (this.renderTimer) {
      return;
    }
    this.renderTimer = setTimeout(() => {
      this.renderTimer = undefined;
      this.renderTurn(turnId);
    }, renderIntervalMs);
  }

  private renderTurn(turnId: number): void {
    this.post({ type: 'turn', id: turnId, html: this.model.renderTurn(turnId) });
  }

  private renderAll(): void {
    const turns = this.model.all.map((t) => ({ id: t.id, html: this.model.renderTurn(t.id) }));
    this.post({ type: 'all', turns, busy: this.running !== undefined, sessionId: this.model.sessionId });
    this.postContext();
  }

  private postContext(): void {
    this.post({ type: 'context', label: this.pending?.label ?? '' });
  }

  private post(msg: unknown): void {
    void this.panel?.webview.postMessage(msg);
  }

  dispose(): void {
    this.stop();
    if (this.renderTimer) {
      clearTimeout(this.renderTimer);
    }
    this.panel?.dispose();
    this.disposables.splice(0).forEach((d) => d.dispose());
  }
}

/** selectionContext describes an editor's selection for Ask about Selection. */
export function selectionContext(editor: vscode.TextEditor): ChatContext {
  let range: vscode.Range = editor.selection;
  if (range.isEmpty) {
    range = editor.document.lineAt(range.start.line).range;
  } else if (range.end.character === 0 && range.end.line > range.start.line) {
    // Whole lines selected with Shift+Down end at column 0 of the next line,
    // which is not part of the question.
    range = new vscode.Range(range.start, editor.document.lineAt(range.end.line - 1).range.end);
  }
  const name = path.basename(editor.document.uri.path) || editor.document.uri.toString();
  const lines = range.start.line === range.end.line ? `${range.start.line + 1}` : `${range.start.line + 1}-${range.end.line + 1}`;
  return { uri: editor.document.uri, range, label: `${name}:${lines}` };
}
