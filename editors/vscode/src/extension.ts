// Entry point: wires the server, the status bar, the chat and status panels
// and the commands together. Everything with logic lives in its own module.

import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { ChatPanel, selectionContext, type TurnTrace } from './chatPanel';
import { Server } from './client';
import { loadProfile } from './profiles';
import type { Status } from './protocol';
import { initialStatus, nextStatus, statusView, type StatusInput, type StatusState } from './statusState';
import { StatusPanel } from './statusPanel';
import { Review } from './review';
import type { Middleware } from 'vscode-languageclient/node';

/**
 * reviewMiddleware holds back the edit of every resolved LLxprt code action
 * and opens it for review instead, so a model's rewrite is shown as a diff to
 * accept or reject rather than applied blind. VS Code resolves a code action
 * only when the user picks it (or asks for its preview), so resolving is
 * where the review starts. It is started here rather than returned as the
 * action's command: VS Code drops a resolved command when the action list
 * was released while the (slow, model-backed) resolve ran.
 */
const reviewMiddleware: Middleware = {
  async resolveCodeAction(item, token, next) {
    const resolved = await next(item, token);
    if (!resolved || !resolved.edit || resolved.edit.size === 0) {
      return resolved;
    }
    const edit = resolved.edit;
    resolved.edit = undefined;
    if (!token.isCancellationRequested) {
      void vscode.commands.executeCommand('llxprt.reviewChange', edit, resolved.title);
    }
    return resolved;
  },
};

/** Settings whose change needs a new server process. */
const restartSettings = ['llxprt.serverPath', 'llxprt.logLevel', 'llxprt.demo', 'llxprt.configDir'];

export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel('LLxprt');
  const item = vscode.window.createStatusBarItem('llxprt.status', vscode.StatusBarAlignment.Right, 100);
  item.name = 'LLxprt';
  // LLXPRT_TEST_HOOKS names a folder: the end-to-end test reads what the
  // extension writes there instead of scraping the DOM alone.
  const hooksDir = process.env.LLXPRT_TEST_HOOKS ?? '';

  let state: StatusState = initialStatus;
  // Every distinct status bar look, for the test hook: a failover's warning
  // colour may last only until the next request.
  const history: { text: string; background: string }[] = [];
  // Created below, after the server it reads from; status events may arrive first.
  const panels: { status?: StatusPanel } = {};
  const render = () => {
    const view = statusView(state);
    item.text = view.text;
    item.tooltip = view.tooltip;
    item.command = view.command;
    item.backgroundColor = view.background ? new vscode.ThemeColor(`statusBarItem.${view.background}Background`) : undefined;
    item.show();
    if (hooksDir) {
      const last = history[history.length - 1];
      if (!last || last.text !== view.text || last.background !== (view.background ?? '')) {
        history.push({ text: view.text, background: view.background ?? '' });
      }
      writeJson(path.join(hooksDir, 'status.json'), { state, view, history });
    }
  };
  const onStatus = (input: StatusInput) => {
    state = nextStatus(state, input);
    render();
    if (input.type === 'event') {
      void panels.status?.refresh();
    }
  };
  const onStatusReply = (st: Status) => onStatus({ type: 'status', status: st });
  render();

  const review = new Review(output);
  const server = new Server(context, output, onStatus, reviewMiddleware);
  const turns: TurnTrace[] = [];
  const chat = new ChatPanel(
    context,
    server,
    hooksDir
      ? (t) => {
          turns.push(t);
          writeJson(path.join(hooksDir, 'chat.json'), turns);
        }
      : undefined,
  );
  const sp = new StatusPanel(server, onStatusReply);
  panels.status = sp;

  context.subscriptions.push(
    output,
    item,
    review,
    server,
    chat,
    sp,
    vscode.commands.registerCommand('llxprt.openChat', (prompt?: unknown) => chat.show(undefined, typeof prompt === 'string' ? prompt : undefined)),
    vscode.commands.registerCommand('llxprt.askSelection', (prompt?: unknown) => {
      const editor = vscode.window.activeTextEditor;
      if (!editor) {
        void vscode.window.showInformationMessage('LLxprt: select some code in an editor first.');
        return;
      }
      chat.show(selectionContext(editor), typeof prompt === 'string' ? prompt : undefined);
    }),
    vscode.commands.registerCommand('llxprt.loadProfile', (name?: unknown) => loadProfile(server, onStatusReply, typeof name === 'string' ? name : undefined)),
    vscode.commands.registerCommand('llxprt.showStatus', () => sp.show()),
    vscode.commands.registerCommand('llxprt.restartServer', async () => {
      await server.restart();
      vscode.window.setStatusBarMessage('LLxprt: server restarted', 3000);
    }),
    vscode.commands.registerCommand('llxprt.dumpCodeActions', () => dumpCodeActions(hooksDir)),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (restartSettings.some((s) => e.affectsConfiguration(s))) {
        void server.restart();
      } else if (e.affectsConfiguration('llxprt.profile')) {
        const name = vscode.workspace.getConfiguration('llxprt').get<string>('profile', '').trim();
        if (name) {
          void loadProfile(server, onStatusReply, name);
        }
      }
    }),
  );
  if (hooksDir) {
    void vscode.commands.executeCommand('setContext', 'llxprt.testHooks', true);
  }
  void server.ready();
}

export function deactivate(): void {
  // The Server is in context.subscriptions, whose disposal stops it.
}

function writeJson(file: string, data: unknown): void {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file + '.tmp', JSON.stringify(data, null, 2));
    fs.renameSync(file + '.tmp', file);
  } catch {
    // Test hooks are best effort; the DOM checks still run.
  }
}

/**
 * dumpCodeActions writes the code actions VS Code collects for the active
 * editor's selection (from every provider, llxprt-ls included) to
 * <hooks>/code-actions.json. Only the end-to-end test uses it.
 */
async function dumpCodeActions(hooksDir: string): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!hooksDir || !editor) {
    void vscode.window.showInformationMessage('LLxprt: set LLXPRT_TEST_HOOKS and open an editor to dump code actions.');
    return;
  }
  let range: vscode.Range = editor.selection;
  if (range.isEmpty) {
    range = editor.document.lineAt(range.start.line).range;
  }
  const actions = (await vscode.commands.executeCommand<(vscode.CodeAction | vscode.Command)[]>('vscode.executeCodeActionProvider', editor.document.uri, range)) ?? [];
  const out = actions.map((a) => {
    if ('kind' in a || 'edit' in a || 'isPreferred' in a || 'diagnostics' in a) {
      const ca = a as vscode.CodeAction;
      return { title: ca.title, kind: ca.kind?.value ?? '', isPreferred: ca.isPreferred ?? false, hasEdit: ca.edit !== undefined, command: ca.command?.command ?? '' };
    }
    const cmd = a as vscode.Command;
    return { title: cmd.title, kind: '', isPreferred: false, hasEdit: false, command: cmd.command };
  });
  writeJson(path.join(hooksDir, 'code-actions.json'), {
    uri: editor.document.uri.toString(),
    range: { start: range.start, end: range.end },
    actions: out,
  });
  vscode.window.setStatusBarMessage(`LLxprt: wrote ${out.length} code actions`, 3000);
}
