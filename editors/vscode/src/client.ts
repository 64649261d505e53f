// Starting, restarting and talking to `llxprt-ls lsp`. One Server object
// lives for the extension's lifetime; it owns at most one LanguageClient at a
// time and reports its lifecycle to the status bar.

import * as fs from 'fs';
import * as os from 'os';
import * as vscode from 'vscode';
import {
  CancellationToken,
  LanguageClient,
  ProgressType,
  State,
  type LanguageClientOptions,
  type Middleware,
  type ServerOptions,
} from 'vscode-languageclient/node';
import { installHint, resolveServer, serverArgs } from './serverPath';
import { Methods, type Status, type StatusEvent } from './protocol';
import type { StatusInput } from './statusState';

function isExecutable(p: string): boolean {
  try {
    const st = fs.statSync(p);
    if (!st.isFile()) {
      return false;
    }
    fs.accessSync(p, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** ServerUnavailable is thrown by request when no server is running. */
export class ServerUnavailable extends Error {}

export class Server implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private starting: Promise<LanguageClient | undefined> | undefined;
  private readonly listeners: vscode.Disposable[] = [];

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly output: vscode.OutputChannel,
    private readonly onStatus: (input: StatusInput) => void,
    private readonly middleware: Middleware = {},
  ) {}

  /** ready returns the running client, starting it if needed. */
  async ready(): Promise<LanguageClient | undefined> {
    if (this.client && this.client.state === State.Running) {
      return this.client;
    }
    this.starting ??= this.start().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private async start(): Promise<LanguageClient | undefined> {
    const cfg = vscode.workspace.getConfiguration('llxprt');
    const resolved = resolveServer({
      configured: cfg.get<string>('serverPath', ''),
      pathEnv: process.env.PATH ?? '',
      extensionPath: this.context.extensionPath,
      homeDir: os.homedir(),
      platform: process.platform,
      isExecutable,
    });
    if (!resolved.ok) {
      this.onStatus({ type: 'missing', reason: resolved.message });
      this.output.appendLine(resolved.message);
      void this.explainMissing(resolved.message);
      return undefined;
    }
    this.onStatus({ type: 'starting' });
    const args = serverArgs({
      profile: cfg.get<string>('profile', ''),
      logLevel: cfg.get<string>('logLevel', 'info'),
      demo: cfg.get<boolean>('demo', false),
      configDir: cfg.get<string>('configDir', ''),
    });
    this.output.appendLine(`starting ${resolved.path} ${args.join(' ')} (found via ${resolved.source})`);
    const serverOptions: ServerOptions = { command: resolved.path, args, options: { env: process.env } };
    const profile = cfg.get<string>('profile', '').trim();
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ scheme: 'file' }, { scheme: 'untitled' }],
      outputChannel: this.output,
      initializationOptions: profile ? { profile } : {},
      middleware: this.middleware,
    };
    const client = new LanguageClient('llxprt', 'LLxprt', serverOptions, clientOptions);
    this.listeners.push(
      client.onDidChangeState((e) => {
        if (e.newState === State.Running) {
          this.onStatus({ type: 'running' });
          // The status bar learns the active profile now (also after an
          // automatic restart), not at the first event.
          client.sendRequest<Status>(Methods.status, {}).then(
            (st) => this.onStatus({ type: 'status', status: st }),
            (err: unknown) => this.output.appendLine(`llxprt/status: ${errorMessage(err)}`),
          );
        } else if (e.newState === State.Stopped && this.client === client) {
          this.onStatus({ type: 'stopped', reason: 'see the LLxprt output for its log' });
        }
      }),
    );
    this.listeners.push(client.onNotification(Methods.didChangeStatus, (ev: StatusEvent) => this.onStatus({ type: 'event', event: ev })));
    this.client = client;
    try {
      await client.start();
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      this.onStatus({ type: 'stopped', reason: msg });
      void vscode.window.showErrorMessage(`LLxprt: could not start ${resolved.path}: ${msg}`, 'Show Log').then((pick) => {
        if (pick) {
          this.output.show();
        }
      });
      return undefined;
    }
    return client;
  }

  private async explainMissing(message: string): Promise<void> {
    const copy = 'Copy Install Command';
    const settings = 'Open Settings';
    const pick = await vscode.window.showErrorMessage(`LLxprt: ${message}`, copy, settings);
    if (pick === copy) {
      await vscode.env.clipboard.writeText(installHint);
    } else if (pick === settings) {
      await vscode.commands.executeCommand('workbench.action.openSettings', 'llxprt.serverPath');
    }
  }

  /** restart stops the current server (if any) and starts a fresh one. */
  async restart(): Promise<LanguageClient | undefined> {
    await this.stop();
    return this.ready();
  }

  async stop(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    this.listeners.splice(0).forEach((d) => d.dispose());
    if (c && c.state !== State.Stopped) {
      try {
        await c.stop(5000);
      } catch (err) {
        this.output.appendLine(`stopping llxprt-ls: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  /** request sends one llxprt/* request, starting the server if needed. */
  async request<R>(method: string, params: unknown, token?: CancellationToken): Promise<R> {
    const client = await this.ready();
    if (!client) {
      throw new ServerUnavailable('llxprt-ls is not running (see the LLxprt output)');
    }
    // vscode-jsonrpc counts arguments: an undefined token would turn params
    // into the array [params, null].
    return token ? client.sendRequest<R>(method, params, token) : client.sendRequest<R>(method, params);
  }

  /** onProgress subscribes to $/progress on a token of the running client. */
  async onProgress<P>(token: string, handler: (value: P) => void): Promise<vscode.Disposable> {
    const client = await this.ready();
    if (!client) {
      throw new ServerUnavailable('llxprt-ls is not running (see the LLxprt output)');
    }
    return client.onProgress(new ProgressType<P>(), token, handler);
  }

  dispose(): void {
    void this.stop();
  }
}

/** errorMessage turns a failed request into a one-line message for users. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) {
    return err.message;
  }
  if (err && typeof err === 'object' && 'message' in err) {
    return String((err as { message: unknown }).message);
  }
  return String(err);
}
