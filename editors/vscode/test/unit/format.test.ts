import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { answerFooter, failoverNote, failureCount, formatCost, formatTokens, profilePick, servedBy, statusTableHtml } from '../../src/format';

describe('formatCost', () => {
  const cases: [number | undefined, string][] = [
    [undefined, '$0'],
    [0, '$0'],
    [-1, '$0'],
    [Number.NaN, '$0'],
    [0.0000123, '$0.000012'],
    [0.004, '$0.004'],
    [0.0123, '$0.012'],
    [0.5, '$0.500'],
    [2.345, '$2.35'],
  ];
  for (const [in_, want] of cases) {
    it(`${in_} → ${want}`, () => assert.equal(formatCost(in_), want));
  }
});

describe('formatTokens', () => {
  it('prints in/out and cached only when present', () => {
    assert.equal(formatTokens({ input_tokens: 12, output_tokens: 34 }), '12 in · 34 out');
    assert.equal(formatTokens({ input_tokens: 12, output_tokens: 34, cached_tokens: 5 }), '12 in · 34 out (5 cached)');
    assert.equal(formatTokens(undefined), '0 in · 0 out');
  });
});

describe('servedBy and answerFooter', () => {
  it('names provider and model, falling back to the bucket', () => {
    assert.equal(servedBy({ provider: 'openai', model: 'gpt-5.2', bucket: 'b' }), 'openai / gpt-5.2');
    assert.equal(servedBy({ bucket: 'backup' }), 'backup');
    assert.equal(servedBy({}), 'unknown provider');
  });
  it('joins provider, tokens and cost', () => {
    assert.equal(
      answerFooter({ sessionId: 's', text: '', provider: 'anthropic', model: 'claude-sonnet-4-5', usage: { input_tokens: 10, output_tokens: 20 }, costUSD: 0.0123 }),
      'anthropic / claude-sonnet-4-5 · 10 in · 20 out · $0.012',
    );
  });
});

describe('failoverNote', () => {
  const cases: { name: string; in: Parameters<typeof failoverNote>[0]; want: string }[] = [
    { name: 'first try served', in: { attempts: [{ bucket: 'a', outcome: 'served' }], failovers: 0 }, want: '' },
    { name: 'no attempts', in: {}, want: '' },
    {
      name: 'one failover with reason and status',
      in: { attempts: [{ bucket: 'anthropic', outcome: 'failed', reason: 'overloaded', status: 529 }, { bucket: 'openai', outcome: 'served' }], failovers: 1 },
      want: 'Failed over 1 time: anthropic (529 overloaded)',
    },
    {
      name: 'two failovers, labels from provider/model',
      in: {
        attempts: [
          { provider: 'anthropic', model: 'claude', outcome: 'failed', kind: 'overloaded' },
          { bucket: 'openai', outcome: 'failed', reason: 'rate limited', status: 429 },
          { bucket: 'gemini', outcome: 'served' },
        ],
        failovers: 2,
      },
      want: 'Failed over 2 times: anthropic/claude (overloaded), openai (429 rate limited)',
    },
    {
      name: 'status not repeated when the reason has it',
      in: { attempts: [{ bucket: 'anthropic', outcome: 'failed', reason: '529 overloaded', status: 529 }], failovers: 1 },
      want: 'Failed over 1 time: anthropic (529 overloaded)',
    },
    {
      name: 'failovers count without attempts',
      in: { failovers: 1 },
      want: 'Failed over 1 time',
    },
    {
      name: 'skipped buckets only',
      in: { attempts: [{ bucket: 'anthropic', outcome: 'skipped', reason: 'circuit open until 10:31:40' }, { bucket: 'openai', outcome: 'served' }], failovers: 0 },
      want: 'Served by a fallback: anthropic (circuit open until 10:31:40)',
    },
    {
      name: 'a lost hedge is not a failover',
      in: { attempts: [{ bucket: 'a', outcome: 'cancelled' }, { bucket: 'b', outcome: 'served' }], failovers: 0 },
      want: '',
    },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(failoverNote(c.in), c.want));
  }
});

describe('statusTableHtml', () => {
  it('renders one row per bucket with escaped cells and summed failures', () => {
    const html = statusTableHtml({
      profile: 'demo',
      policy: 'failover',
      lastServed: 'openai',
      busy: 1,
      warnings: ['key <missing>'],
      buckets: [
        { name: 'anthropic', provider: 'anthropic', model: 'claude', credential_source: 'env ANTHROPIC_API_KEY', state: 'open', circuit: 'open', requests: 5, failures: { overloaded: 2, server: 1 }, cost_usd: 0.01, cooldown_reason: 'overloaded' },
        { name: 'openai', provider: 'openai', model: 'gpt-5.2', credential_source: 'keyfile', state: 'available', circuit: 'closed', requests: 3, failures: 0, cost_usd: 0 },
        { name: 'gemini', provider: 'gemini', model: 'flash', state: 'cooldown', circuit: 'half-open', requests: 1 },
      ],
    });
    assert.match(html, /Profile <strong>demo<\/strong> · policy failover · last served by openai · 1 request running/);
    assert.match(html, /<li>key &lt;missing&gt;<\/li>/);
    assert.match(html, /<td>anthropic<\/td><td>anthropic<\/td><td>claude<\/td><td>env ANTHROPIC_API_KEY<\/td><td class="state state-open" title="overloaded">open<\/td>/);
    assert.match(html, /<td class="num">5<\/td><td class="num">3 <span class="kinds">\(overloaded 2, server 1\)<\/span><\/td><td class="num">\$0.010<\/td>/);
    assert.match(html, /<tr class="served"><td>openai<\/td>/);
    assert.match(html, /cooldown \(circuit half-open\)/);
    assert.doesNotMatch(html, /circuit closed/, 'a closed circuit is the normal case, not worth a note');
  });
  it('says what to do with no buckets', () => {
    assert.match(statusTableHtml({ profile: '', buckets: null }), /No buckets: load a profile first/);
  });
  it('sums failures by kind', () => {
    assert.equal(failureCount({ a: 1, b: 2 }), 3);
    assert.equal(failureCount(4), 4);
    assert.equal(failureCount(null), 0);
  });
});

describe('profilePick', () => {
  it('shows type, marks, buckets and notes', () => {
    assert.deepEqual(
      profilePick({
        name: 'ha',
        type: 'lb',
        policy: 'failover',
        active: true,
        is_default: true,
        buckets: [
          { provider: 'anthropic', model: 'claude', note: 'primary' },
          { provider: 'openai', model: 'gpt' },
        ],
        notes: ['context-limit 200000'],
        valid: true,
      }),
      { label: 'ha', description: 'lb · failover (active, default)', detail: 'anthropic/claude (primary) → openai/gpt — context-limit 200000' },
    );
  });
  it('marks the inline profile the server was started with', () => {
    assert.deepEqual(
      profilePick({ name: 'demo', type: 'lb', policy: 'failover', active: true, inline: true, buckets: [{ provider: 'anthropic', model: 'claude' }], valid: true }),
      { label: 'demo', description: 'lb · failover (active, inline, not saved)', detail: 'anthropic/claude' },
    );
  });
  it('shows the error of an invalid profile', () => {
    assert.deepEqual(profilePick({ name: 'bad', valid: false, error: 'unknown provider "x"' }), { label: 'bad', description: '', detail: '$(error) unknown provider "x"' });
  });
});
