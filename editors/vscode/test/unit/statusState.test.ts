import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { initialStatus, nextStatus, statusView, type StatusInput, type StatusState } from '../../src/statusState';

function run(inputs: StatusInput[]): StatusState {
  return inputs.reduce(nextStatus, initialStatus);
}

describe('status bar state machine', () => {
  const running: StatusInput[] = [{ type: 'starting' }, { type: 'running' }];
  const cases: {
    name: string;
    inputs: StatusInput[];
    text: string;
    background: 'warning' | 'error' | undefined;
    command: string;
    tooltip?: RegExp;
  }[] = [
    { name: 'starting', inputs: [{ type: 'starting' }], text: '$(loading~spin) LLxprt', background: undefined, command: 'llxprt.showStatus' },
    {
      name: 'missing binary',
      inputs: [{ type: 'missing', reason: 'llxprt-ls was not found on PATH' }],
      text: '$(error) LLxprt: no server',
      background: 'error',
      command: 'llxprt.restartServer',
      tooltip: /not found on PATH/,
    },
    { name: 'running, nothing known yet', inputs: running, text: '$(sparkle) LLxprt', background: undefined, command: 'llxprt.showStatus' },
    {
      name: 'served normally',
      inputs: [...running, { type: 'event', event: { kind: 'normal', profile: 'demo', bucket: 'anthropic', busy: false } }],
      text: '$(sparkle) LLxprt: demo · anthropic',
      background: undefined,
      command: 'llxprt.showStatus',
      tooltip: /Last served by: anthropic/,
    },
    {
      name: 'busy shows a spinner',
      inputs: [...running, { type: 'event', event: { kind: 'normal', profile: 'demo', busy: true } }],
      text: '$(sync~spin) LLxprt: demo',
      background: undefined,
      command: 'llxprt.showStatus',
      tooltip: /A request is running/,
    },
    {
      name: 'failover turns it yellow with the reason',
      inputs: [...running, { type: 'event', event: { kind: 'warning', profile: 'demo', bucket: 'openai', message: 'anthropic overloaded (529)' } }],
      text: '$(warning) LLxprt: demo · openai',
      background: 'warning',
      command: 'llxprt.showStatus',
      tooltip: /Failover: anthropic overloaded \(529\)/,
    },
    {
      name: 'a new request keeps the warning',
      inputs: [
        ...running,
        { type: 'event', event: { kind: 'warning', profile: 'demo', bucket: 'openai', message: 'anthropic overloaded' } },
        { type: 'event', event: { kind: 'normal', profile: 'demo', busy: true } },
      ],
      text: '$(sync~spin) LLxprt: demo · openai',
      background: 'warning',
      command: 'llxprt.showStatus',
      tooltip: /Failover: anthropic overloaded/,
    },
    {
      name: 'a normal answer clears the warning',
      inputs: [
        ...running,
        { type: 'event', event: { kind: 'warning', profile: 'demo', bucket: 'openai', message: 'x' } },
        { type: 'event', event: { kind: 'normal', profile: 'demo', bucket: 'anthropic', busy: false } },
      ],
      text: '$(sparkle) LLxprt: demo · anthropic',
      background: undefined,
      command: 'llxprt.showStatus',
    },
    {
      name: 'every bucket failing is red and clicks through to status',
      inputs: [...running, { type: 'event', event: { kind: 'error', profile: 'demo', message: 'all 3 buckets failed' } }],
      text: '$(error) LLxprt: demo',
      background: 'error',
      command: 'llxprt.showStatus',
      tooltip: /Every bucket is failing: all 3 buckets failed/,
    },
    {
      name: 'switching profile clears the old warning and bucket',
      inputs: [
        ...running,
        { type: 'event', event: { kind: 'warning', profile: 'demo', bucket: 'openai', message: 'x' } },
        { type: 'event', event: { kind: 'normal', profile: 'work', busy: false } },
      ],
      text: '$(sparkle) LLxprt: work',
      background: undefined,
      command: 'llxprt.showStatus',
    },
    {
      name: 'a status reply after profile load',
      inputs: [...running, { type: 'event', event: { kind: 'error', profile: 'demo', message: 'down' } }, { type: 'status', status: { profile: 'backup', lastServed: '', busy: 0 } }],
      text: '$(sparkle) LLxprt: backup',
      background: undefined,
      command: 'llxprt.showStatus',
    },
    {
      name: 'a status reply for the same profile keeps the warning',
      inputs: [
        ...running,
        { type: 'event', event: { kind: 'warning', profile: 'demo', bucket: 'openai', message: 'x' } },
        { type: 'status', status: { profile: 'demo', lastServed: 'openai', busy: 0 } },
      ],
      text: '$(warning) LLxprt: demo · openai',
      background: 'warning',
      command: 'llxprt.showStatus',
    },
    {
      name: 'an inline profile has no name',
      inputs: [...running, { type: 'event', event: { kind: 'normal', profile: '', bucket: 'openai' } }],
      text: '$(sparkle) LLxprt · openai',
      background: undefined,
      command: 'llxprt.showStatus',
      tooltip: /profile: \(inline or none\)/,
    },
    {
      name: 'server stopped',
      inputs: [...running, { type: 'stopped', reason: 'crashed' }],
      text: '$(debug-disconnect) LLxprt: stopped',
      background: 'error',
      command: 'llxprt.restartServer',
      tooltip: /crashed/,
    },
    {
      name: 'restart keeps the profile shown',
      inputs: [...running, { type: 'event', event: { kind: 'normal', profile: 'demo' } }, { type: 'stopped', reason: 'x' }, { type: 'starting' }, { type: 'running' }],
      text: '$(sparkle) LLxprt: demo',
      background: undefined,
      command: 'llxprt.showStatus',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const view = statusView(run(c.inputs));
      assert.equal(view.text, c.text);
      assert.equal(view.background, c.background);
      assert.equal(view.command, c.command);
      if (c.tooltip) {
        assert.match(view.tooltip, c.tooltip);
      }
    });
  }

  it('does not mutate its input', () => {
    const before = structuredClone(initialStatus);
    nextStatus(initialStatus, { type: 'event', event: { kind: 'warning', profile: 'x' } });
    assert.deepEqual(initialStatus, before);
  });
});
