// LLxprt: Show Status — a webview with one row per bucket (provider, model,
// credential source, circuit state, requests, failures, cost), refreshed on
// every llxprt/didChangeStatus while it is open.

import { randomUUID } from 'crypto';
import * as vscode from 'vscode';
import { errorMessage, type Server } from './client';
import { statusTableHtml } from './format';
import { escapeHtml } from './markdown';
import { Methods, type Status } from './protocol';

export class StatusPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private refreshing = false;
  private again = false;

  constructor(
    private readonly server: Server,
    private readonly onStatus: (st: Status) => void,
  ) {}

  async show(): Promise<void> {
    if (this.panel) {
      this.panel.reveal();
    } else {
      this.panel = vscode.window.createWebviewPanel('llxprt.status', 'LLxprt Status', vscode.ViewColumn.Active, { enableScripts: true });
      this.panel.onDidDispose(() => (this.panel = undefined));
      this.panel.webview.onDidReceiveMessage((m: { type: string }) => {
        if (m.type === 'refresh') {
          void this.refresh();
        } else if (m.type === 'loadProfile') {
          void vscode.commands.executeCommand('llxprt.loadProfile');
        }
      });
    }
    await this.refresh();
  }

  /** refresh re-reads llxprt/status; calls during a refresh coalesce. */
  async refresh(): Promise<void> {
    if (!this.panel) {
      return;
    }
    if (this.refreshing) {
      this.again = true;
      return;
    }
    this.refreshing = true;
    try {
      let body: string;
      try {
        const st = await this.server.request<Status>(Methods.status, {});
        this.onStatus(st);
        body = statusTableHtml(st);
      } catch (err) {
        body = `<p class="error">Could not read the status: ${escapeHtml(errorMessage(err))}</p>`;
      }
      if (this.panel) {
        this.panel.webview.html = page(body);
      }
    } finally {
      this.refreshing = false;
      if (this.again) {
        this.again = false;
        void this.refresh();
      }
    }
  }

  dispose(): void {
    this.panel?.dispose();
  }
}

function page(body: string): string {
  const nonce = randomUUID().replace(/-/g, '');
  return `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'">
<style nonce="${nonce}">
body { font-family: var(--vscode-font-family); color: var(--vscode-foreground); padding: 8px 16px; }
table { border-collapse: collapse; width: 100%; font-size: 92%; }
th, td { text-align: left; padding: 3px 6px; border-bottom: 1px solid var(--vscode-panel-border, #8884); overflow-wrap: break-word; }
th, td.num { white-space: nowrap; }
.table { overflow-x: auto; }
.kinds { opacity: 0.8; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.served td:first-child::before { content: "▶ "; }
.state-open, .error { color: var(--vscode-errorForeground); }
.state-half-open { color: var(--vscode-editorWarning-foreground); }
.warnings { color: var(--vscode-editorWarning-foreground); }
button { color: var(--vscode-button-foreground); background: var(--vscode-button-background); border: none; padding: 3px 10px; cursor: pointer; }
</style></head><body id="llxprt-status">
<p><button id="refresh">Refresh</button> <button id="load">Load Profile…</button></p>
${body}
<script nonce="${nonce}">
const vscode = acquireVsCodeApi();
document.getElementById('refresh').addEventListener('click', () => vscode.postMessage({ type: 'refresh' }));
document.getElementById('load').addEventListener('click', () => vscode.postMessage({ type: 'loadProfile' }));
</script></body></html>`;
}
