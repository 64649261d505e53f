// Finding the llxprt-ls binary: the llxprt.serverPath setting, else
// llxprt-ls on PATH, else the copy bundled with the extension. Pure apart
// from the injected file check, so the order is unit-tested.

import * as path from 'path';

export const installHint = 'go install github.com/llxprt/llxprt-ls/cmd/llxprt-ls@latest';

export interface ResolveInput {
  /** The llxprt.serverPath setting ("" when unset). */
  configured: string;
  /** The PATH environment variable. */
  pathEnv: string;
  /** The extension's install folder (holds bin/llxprt-ls when bundled). */
  extensionPath: string;
  homeDir: string;
  platform: NodeJS.Platform;
  /** isExecutable reports whether a path is an executable regular file. */
  isExecutable: (p: string) => boolean;
}

export type ResolveResult = { ok: true; path: string; source: 'setting' | 'PATH' | 'bundled' } | { ok: false; message: string };

function binaryName(platform: NodeJS.Platform): string {
  return platform === 'win32' ? 'llxprt-ls.exe' : 'llxprt-ls';
}

/** resolveServer picks the binary to start, or says how to install one. */
export function resolveServer(input: ResolveInput): ResolveResult {
  const configured = input.configured.trim();
  if (configured !== '') {
    let p = configured;
    if (p === '~' || p.startsWith('~/')) {
      p = path.join(input.homeDir, p.slice(1));
    }
    if (input.isExecutable(p)) {
      return { ok: true, path: p, source: 'setting' };
    }
    return {
      ok: false,
      message: `llxprt.serverPath is "${configured}", which is not an executable file. Fix the setting, or clear it and install llxprt-ls: ${installHint}`,
    };
  }
  const name = binaryName(input.platform);
  const sep = input.platform === 'win32' ? ';' : ':';
  for (const dir of input.pathEnv.split(sep)) {
    if (dir === '') {
      continue;
    }
    const candidate = path.join(dir, name);
    if (input.isExecutable(candidate)) {
      return { ok: true, path: candidate, source: 'PATH' };
    }
  }
  const bundled = path.join(input.extensionPath, 'bin', name);
  if (input.isExecutable(bundled)) {
    return { ok: true, path: bundled, source: 'bundled' };
  }
  return {
    ok: false,
    message: `llxprt-ls was not found on PATH. Install it with \`${installHint}\` (and make sure $(go env GOPATH)/bin is on PATH), or set llxprt.serverPath.`,
  };
}

export interface ServerSettings {
  profile: string;
  logLevel: string;
  demo: boolean;
  configDir: string;
}

/** serverArgs builds the command line after the binary. */
export function serverArgs(s: ServerSettings): string[] {
  const args = ['lsp'];
  if (s.configDir.trim() !== '') {
    args.push('--config-dir', s.configDir.trim());
  }
  if (s.logLevel !== '') {
    args.push('--log-level', s.logLevel);
  }
  if (s.demo) {
    args.push('--demo');
  }
  return args;
}
