// Wire types of llxprt-ls's LSP extensions (the llxprt/* methods and the
// llxprt/didChangeStatus notification). They mirror the server's JSON; every
// field the extension does not strictly need is optional, so a newer server
// that adds or drops a detail does not break an older extension.

/** Token usage of one answer, in the server's snake_case. */
export interface Usage {
  input_tokens?: number;
  output_tokens?: number;
  cached_tokens?: number;
}

/** One try of one bucket while serving a request. */
export interface Attempt {
  bucket?: string;
  provider?: string;
  model?: string;
  /** "served", "failed", "skipped" (cooldown, open circuit) or "cancelled" (lost a hedge). */
  outcome?: string;
  reason?: string;
  kind?: string;
  status?: number;
}

export interface ChatParams {
  prompt: string;
  sessionId?: string;
  textDocument?: { uri: string };
  range?: { start: { line: number; character: number }; end: { line: number; character: number } };
  profile?: string;
  partialResultToken?: string;
  workDoneToken?: string;
}

export interface ChatResult {
  sessionId: string;
  text: string;
  provider?: string;
  model?: string;
  bucket?: string;
  usage?: Usage;
  costUSD?: number;
  attempts?: Attempt[];
  failovers?: number;
  droppedTurns?: number;
}

/** The value of a $/progress notification on a chat's partial-result token. */
export interface ChatProgress {
  text?: string;
}

export interface BucketSummary {
  provider?: string;
  model?: string;
  note?: string;
}

export interface ProfileInfo {
  name: string;
  format?: string;
  type?: string;
  policy?: string;
  buckets?: BucketSummary[] | null;
  notes?: string[] | string | null;
  valid?: boolean;
  error?: string;
  is_default?: boolean;
  active?: boolean;
  /** The profile the server was started with (--profile, --demo): serving, not saved, not loadable by name. */
  inline?: boolean;
}

export interface LoadProfileParams {
  name: string;
  persist?: boolean;
}

/** Per-bucket statistics in llxprt/status. Field names follow the server. */
export interface BucketStats {
  name?: string;
  provider?: string;
  model?: string;
  credential_source?: string;
  state?: string;
  circuit?: string;
  requests?: number;
  successes?: number;
  /** Failures by error kind ("rate_limited": 2, …); older servers sent a number. */
  failures?: Record<string, number> | number | null;
  cost_usd?: number;
  cooldown_reason?: string;
  disabled_reason?: string;
  [key: string]: unknown;
}

export interface Status {
  profile?: string;
  policy?: string;
  lastServed?: string;
  buckets?: BucketStats[] | null;
  warnings?: string[] | null;
  busy?: number | boolean;
}

export type StatusKind = 'normal' | 'warning' | 'error';

export interface StatusEvent {
  kind?: StatusKind | string;
  busy?: boolean;
  message?: string;
  profile?: string;
  bucket?: string;
  command?: string;
}

export const Methods = {
  chat: 'llxprt/chat',
  profiles: 'llxprt/profiles',
  loadProfile: 'llxprt/profile/load',
  saveProfile: 'llxprt/profile/save',
  status: 'llxprt/status',
  didChangeStatus: 'llxprt/didChangeStatus',
} as const;
