// Reviewing a code action's rewrite before it touches the file. The server's
// edit is held back (client middleware swaps it for the llxprt.reviewChange
// command); the user sees a diff of the file against the proposal and
// accepts or rejects it from the notification, the diff's title bar or the
// command palette. Accepting applies exactly the server's edit, unless the
// file changed meanwhile, in which case nothing is applied and the user is
// told to ask again.

import * as path from 'path';
import * as vscode from 'vscode';
import { applyEdits } from './textEdits';

export const proposalScheme = 'llxprt-proposal';

interface Pending {
  id: number;
  title: string;
  edit: vscode.WorkspaceEdit;
  /** Document versions when the proposal was made, by URI string. */
  versions: Map<string, number>;
  proposals: vscode.Uri[];
}

export class Review implements vscode.Disposable, vscode.TextDocumentContentProvider {
  private pending: Pending | undefined;
  private nextId = 1;
  private readonly contents = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly output: vscode.OutputChannel) {
    this.disposables.push(
      this.changed,
      vscode.workspace.registerTextDocumentContentProvider(proposalScheme, this),
      vscode.commands.registerCommand('llxprt.reviewChange', (edit: vscode.WorkspaceEdit, title: string) => this.offer(edit, title)),
      vscode.commands.registerCommand('llxprt.acceptChange', () => this.accept()),
      vscode.commands.registerCommand('llxprt.rejectChange', () => this.reject()),
    );
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString()) ?? '';
  }

  /** offer shows the edit as a diff and waits for Accept or Reject. */
  async offer(edit: vscode.WorkspaceEdit, title: string): Promise<void> {
    const entries = edit.entries().filter(([, edits]) => edits.length > 0);
    this.output.appendLine(`review: ${title}: ${entries.length} file(s) to review`);
    if (entries.length === 0) {
      void vscode.window.showInformationMessage(`${title}: nothing to change.`);
      return;
    }
    await this.clear();
    const id = this.nextId++;
    const p: Pending = { id, title, edit, versions: new Map(), proposals: [] };
    for (const [uri, edits] of entries) {
      const doc = await vscode.workspace.openTextDocument(uri);
      let text: string;
      try {
        text = applyEdits(
          doc.getText(),
          edits.map((e) => ({ start: doc.offsetAt(e.range.start), end: doc.offsetAt(e.range.end), newText: e.newText })),
        );
      } catch (err) {
        void vscode.window.showErrorMessage(`LLxprt: ${title}: ${err instanceof Error ? err.message : String(err)}`);
        return;
      }
      // The proposal keeps the file's name so it gets the same language mode.
      const proposal = vscode.Uri.from({ scheme: proposalScheme, path: uri.path, query: `review=${id}` });
      this.contents.set(proposal.toString(), text);
      this.changed.fire(proposal);
      p.versions.set(uri.toString(), doc.version);
      p.proposals.push(proposal);
    }
    this.pending = p;
    await vscode.commands.executeCommand('setContext', 'llxprt.reviewing', true);
    const [first] = entries;
    const more = entries.length > 1 ? ` (1 of ${entries.length} files)` : '';
    await vscode.commands.executeCommand('vscode.diff', first[0], p.proposals[0], `${path.basename(first[0].path)} ↔ ${title}${more}`, {
      preview: true,
    });
    this.output.appendLine(`review: ${title}: diff open, waiting for Accept or Reject`);
    const pick = await vscode.window.showInformationMessage(`${title}: review the suggested change, then accept or reject it.`, 'Accept', 'Reject');
    if (this.pending?.id !== id) {
      return; // already settled from the title bar or the palette
    }
    if (pick === 'Accept') {
      await this.accept();
    } else if (pick === 'Reject') {
      await this.reject();
    }
  }

  /** accept applies the pending edit if its files have not changed since. */
  async accept(): Promise<boolean> {
    const p = this.pending;
    if (!p) {
      void vscode.window.showInformationMessage('LLxprt: no suggested change to accept.');
      return false;
    }
    for (const [uri, version] of p.versions) {
      const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri);
      if (doc && doc.version !== version) {
        await this.clear();
        void vscode.window.showWarningMessage(`LLxprt: ${p.title}: ${path.basename(doc.uri.path)} changed after the suggestion was made; nothing applied. Run the action again.`);
        return false;
      }
    }
    // The same edits, without the "needs confirmation" annotation: the user
    // has just confirmed them.
    const apply = new vscode.WorkspaceEdit();
    for (const [uri, edits] of p.edit.entries()) {
      for (const e of edits) {
        apply.replace(uri, e.range, e.newText);
      }
    }
    const ok = await vscode.workspace.applyEdit(apply);
    await this.clear();
    if (!ok) {
      void vscode.window.showErrorMessage(`LLxprt: ${p.title}: VS Code refused the edit.`);
      return false;
    }
    vscode.window.setStatusBarMessage(`LLxprt: ${p.title} applied`, 3000);
    return true;
  }

  async reject(): Promise<void> {
    const p = this.pending;
    await this.clear();
    if (p) {
      vscode.window.setStatusBarMessage(`LLxprt: ${p.title} rejected`, 3000);
    }
  }

  /** clear forgets the pending proposal and closes its diff. */
  private async clear(): Promise<void> {
    const p = this.pending;
    this.pending = undefined;
    await vscode.commands.executeCommand('setContext', 'llxprt.reviewing', false);
    if (!p) {
      return;
    }
    const mine = new Set(p.proposals.map((u) => u.toString()));
    const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputTextDiff && mine.has(t.input.modified.toString()));
    if (tabs.length > 0) {
      await vscode.window.tabGroups.close(tabs);
    }
    for (const u of mine) {
      this.contents.delete(u);
    }
  }

  dispose(): void {
    this.disposables.splice(0).forEach((d) => d.dispose());
  }
}
