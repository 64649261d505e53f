// The status bar's state machine, kept free of the vscode API so it can be
// unit-tested: inputs are server lifecycle changes, llxprt/didChangeStatus
// events and llxprt/status replies; the output is what the item shows.

import type { Status, StatusEvent } from './protocol';

export type ServerState = 'starting' | 'running' | 'stopped' | 'missing';
export type Severity = 'normal' | 'warning' | 'error';

export interface StatusState {
  server: ServerState;
  profile: string;
  bucket: string;
  severity: Severity;
  /** The server's last message (why a failover happened, what is failing). */
  message: string;
  busy: boolean;
  /** Why the server stopped or could not start. */
  problem: string;
}

export type StatusInput =
  | { type: 'starting' }
  | { type: 'running' }
  | { type: 'stopped'; reason: string }
  | { type: 'missing'; reason: string }
  | { type: 'event'; event: StatusEvent }
  | { type: 'status'; status: Status };

export interface StatusView {
  text: string;
  tooltip: string;
  /** Which theme colour the item's background takes, if any. */
  background: 'warning' | 'error' | undefined;
  command: string;
}

export const initialStatus: StatusState = {
  server: 'starting',
  profile: '',
  bucket: '',
  severity: 'normal',
  message: '',
  busy: false,
  problem: '',
};

function severityOf(kind: string | undefined): Severity {
  return kind === 'warning' || kind === 'error' ? kind : 'normal';
}

/** nextStatus applies one input. It never mutates its argument. */
export function nextStatus(state: StatusState, input: StatusInput): StatusState {
  switch (input.type) {
    case 'starting':
      return { ...state, server: 'starting', busy: false, problem: '' };
    case 'running':
      return { ...state, server: 'running', problem: '' };
    case 'stopped':
      return { ...state, server: 'stopped', busy: false, problem: input.reason };
    case 'missing':
      return { ...initialStatus, server: 'missing', problem: input.reason };
    case 'event': {
      const ev = input.event;
      const next: StatusState = {
        ...state,
        server: 'running',
        profile: ev.profile ?? state.profile,
        bucket: ev.bucket || state.bucket,
        busy: ev.busy ?? false,
        message: ev.message ?? state.message,
      };
      const severity = severityOf(ev.kind);
      if (ev.profile !== undefined && ev.profile !== state.profile) {
        // A new profile starts with a clean slate: the old profile's
        // failover warning and serving bucket say nothing about it.
        next.severity = severity;
        next.bucket = ev.bucket ?? '';
        next.message = ev.message ?? '';
      } else if (ev.busy && severity === 'normal') {
        // "A request started" says nothing about health: keep a warning or
        // error visible until a request finishes normally.
        next.severity = state.severity;
        next.message = state.severity === 'normal' ? next.message : state.message;
      } else {
        next.severity = severity;
      }
      return next;
    }
    case 'status': {
      const st = input.status;
      const profileChanged = st.profile !== undefined && st.profile !== state.profile;
      return {
        ...state,
        server: 'running',
        profile: st.profile ?? state.profile,
        bucket: st.lastServed || (profileChanged ? '' : state.bucket),
        severity: profileChanged ? 'normal' : state.severity,
        message: profileChanged ? '' : state.message,
        busy: typeof st.busy === 'number' ? st.busy > 0 : (st.busy ?? state.busy),
      };
    }
  }
}

/** statusView is what the status bar item shows for a state. */
export function statusView(state: StatusState): StatusView {
  switch (state.server) {
    case 'starting':
      return { text: '$(loading~spin) LLxprt', tooltip: 'LLxprt: starting llxprt-ls…', background: undefined, command: 'llxprt.showStatus' };
    case 'missing':
      return {
        text: '$(error) LLxprt: no server',
        tooltip: `LLxprt: ${state.problem || 'llxprt-ls was not found'}\nClick to retry after installing it.`,
        background: 'error',
        command: 'llxprt.restartServer',
      };
    case 'stopped':
      return {
        text: '$(debug-disconnect) LLxprt: stopped',
        tooltip: `LLxprt: the server stopped${state.problem ? `: ${state.problem}` : ''}\nClick to restart it.`,
        background: 'error',
        command: 'llxprt.restartServer',
      };
    case 'running':
      break;
  }
  const icon = state.busy
    ? '$(sync~spin)'
    : state.severity === 'error'
      ? '$(error)'
      : state.severity === 'warning'
        ? '$(warning)'
        : '$(sparkle)';
  // An inline profile (--profile JSON, --demo) has no name.
  const text = `${icon} LLxprt${state.profile ? `: ${state.profile}` : ''}${state.bucket ? ` · ${state.bucket}` : ''}`;
  const lines = [`LLxprt profile: ${state.profile || '(inline or none)'}`];
  if (state.bucket) {
    lines.push(`Last served by: ${state.bucket}`);
  }
  if (state.severity === 'warning') {
    lines.push(`Failover: ${state.message || 'a bucket failed and another one served the request'}`);
  } else if (state.severity === 'error') {
    lines.push(`Every bucket is failing: ${state.message || 'no provider answered'}`);
  } else if (state.message) {
    lines.push(state.message);
  }
  if (state.busy) {
    lines.push('A request is running.');
  }
  lines.push('Click for the status of every bucket.');
  return {
    text,
    tooltip: lines.join('\n'),
    background: state.severity === 'normal' ? undefined : state.severity,
    command: 'llxprt.showStatus',
  };
}
