// Pure formatting shared by the chat panel, the status view and the profile
// picker: how costs, tokens, failovers, bucket tables and profiles read.

import { escapeHtml } from './markdown';
import type { Attempt, BucketStats, ChatResult, ProfileInfo, Status, Usage } from './protocol';

/** formatCost prints dollars with enough digits to show sub-cent costs. */
export function formatCost(usd: number | undefined): string {
  if (usd === undefined || !Number.isFinite(usd) || usd <= 0) {
    return '$0';
  }
  if (usd >= 1) {
    return `$${usd.toFixed(2)}`;
  }
  if (usd >= 0.01) {
    return `$${usd.toFixed(3)}`;
  }
  return `$${usd.toPrecision(2).replace(/0+$/, '').replace(/\.$/, '')}`;
}

function n(v: number | undefined): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

/** formatTokens summarises usage as "12 in · 34 out (5 cached)". */
export function formatTokens(usage: Usage | undefined): string {
  const cached = n(usage?.cached_tokens);
  return `${n(usage?.input_tokens)} in · ${n(usage?.output_tokens)} out${cached > 0 ? ` (${cached} cached)` : ''}`;
}

/** servedBy names the provider and model of an answer. */
export function servedBy(r: Pick<ChatResult, 'provider' | 'model' | 'bucket'>): string {
  const pm = [r.provider, r.model].filter((s) => s).join(' / ');
  return pm || r.bucket || 'unknown provider';
}

function attemptLabel(a: Attempt): string {
  return a.bucket || [a.provider, a.model].filter((s) => s).join('/') || 'a bucket';
}

/**
 * failoverNote explains, in one line, which buckets failed before the one
 * that answered, or returns "" when the first try served the request.
 */
export function failoverNote(r: Pick<ChatResult, 'attempts' | 'failovers'>): string {
  const failed = (r.attempts ?? []).filter((a) => a.outcome === 'failed' || a.outcome === 'skipped');
  const count = n(r.failovers) > 0 ? n(r.failovers) : failed.filter((a) => a.outcome === 'failed').length;
  if (count === 0 && failed.length === 0) {
    return '';
  }
  if (count === 0) {
    // Only skipped buckets (cooling down, circuit open): no new failure, but
    // the answer did not come from the first choice.
    return `Served by a fallback: ${failed.map((a) => `${attemptLabel(a)} (${a.reason || 'skipped'})`).join(', ')}`;
  }
  const reasons = failed.map((a) => {
    const why = a.reason || a.kind || a.outcome || 'failed';
    if (a.outcome === 'skipped') {
      return `${attemptLabel(a)} (skipped: ${why})`;
    }
    const status = a.status && !why.includes(String(a.status)) ? `${a.status} ` : '';
    return `${attemptLabel(a)} (${status}${why})`;
  });
  const list = reasons.length > 0 ? `: ${reasons.join(', ')}` : '';
  return `Failed over ${count} time${count === 1 ? '' : 's'}${list}`;
}

/** answerFooter is the line shown under each chat answer. */
export function answerFooter(r: ChatResult): string {
  return `${servedBy(r)} · ${formatTokens(r.usage)} · ${formatCost(r.costUSD)}`;
}

function cell(v: unknown): string {
  if (v === undefined || v === null || v === '') {
    return '–';
  }
  return escapeHtml(String(v));
}

/** failureCount totals a bucket's failures, which the server counts by kind. */
export function failureCount(f: BucketStats['failures']): number {
  if (typeof f === 'number') {
    return n(f);
  }
  return Object.values(f ?? {}).reduce((sum, v) => sum + n(v), 0);
}

function failureCell(f: BucketStats['failures']): string {
  const total = failureCount(f);
  if (typeof f !== 'object' || f === null || total === 0) {
    return String(total);
  }
  const kinds = Object.entries(f)
    .filter(([, v]) => n(v) > 0)
    .map(([k, v]) => `${k} ${n(v)}`)
    .join(', ');
  return `${total} <span class="kinds">(${escapeHtml(kinds)})</span>`;
}

/** statusTableHtml renders llxprt/status as the status view's HTML body. */
export function statusTableHtml(st: Status): string {
  const head = ['Bucket', 'Provider', 'Model', 'Credentials', 'State', 'Requests', 'Failures', 'Cost'];
  const rows = (st.buckets ?? []).map((b: BucketStats) => {
    const state = b.state || b.circuit;
    const why = b.disabled_reason || b.cooldown_reason;
    const served = st.lastServed && b.name === st.lastServed ? ' class="served"' : '';
    return (
      `<tr${served}><td>${cell(b.name)}</td><td>${cell(b.provider)}</td><td>${cell(b.model)}</td>` +
      `<td>${cell(b.credential_source)}</td><td class="state state-${cell(state)}"${why ? ` title="${escapeHtml(why)}"` : ''}>${cell(state)}${b.circuit && b.circuit !== 'closed' && b.circuit !== state ? ` (circuit ${cell(b.circuit)})` : ''}</td>` +
      `<td class="num">${n(b.requests)}</td><td class="num">${failureCell(b.failures)}</td>` +
      `<td class="num">${formatCost(b.cost_usd)}</td></tr>`
    );
  });
  const busy = typeof st.busy === 'number' ? st.busy : st.busy ? 1 : 0;
  const summary =
    `<p class="summary">Profile <strong>${cell(st.profile)}</strong> · policy ${cell(st.policy)}` +
    ` · last served by ${cell(st.lastServed)} · ${busy} request${busy === 1 ? '' : 's'} running</p>`;
  const warnings = (st.warnings ?? []).map((w) => `<li>${escapeHtml(w)}</li>`).join('');
  const table =
    rows.length > 0
      ? `<div class="table"><table><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table></div>`
      : '<p>No buckets: load a profile first (LLxprt: Load Profile).</p>';
  return summary + (warnings ? `<ul class="warnings">${warnings}</ul>` : '') + table;
}

export interface ProfilePick {
  label: string;
  description: string;
  detail: string;
}

/** profilePick is how a profile appears in the Load Profile quick pick. */
export function profilePick(p: ProfileInfo): ProfilePick {
  const marks = [p.active ? 'active' : '', p.is_default ? 'default' : '', p.inline ? 'inline, not saved' : ''].filter((s) => s);
  const kind = [p.type, p.policy && p.policy !== p.type ? p.policy : ''].filter((s) => s).join(' · ');
  const description = [kind, marks.length > 0 ? `(${marks.join(', ')})` : ''].filter((s) => s).join(' ');
  let detail: string;
  if (p.valid === false) {
    detail = `$(error) ${p.error || 'invalid profile'}`;
  } else {
    const buckets = (p.buckets ?? []).map((b) => [b.provider, b.model].filter((s) => s).join('/') + (b.note ? ` (${b.note})` : ''));
    const notes = Array.isArray(p.notes) ? p.notes.join('; ') : (p.notes ?? '');
    detail = [buckets.join(' → '), notes].filter((s) => s).join(' — ');
  }
  return { label: p.name, description, detail };
}
