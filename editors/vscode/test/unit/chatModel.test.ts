import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { ChatModel } from '../../src/chatModel';

describe('ChatModel', () => {
  it('streams, completes and keeps the session id for follow-ups', () => {
    const m = new ChatModel();
    const t = m.ask('hello', 'main.go:3');
    assert.equal(m.running?.id, t.id);
    assert.ok(m.delta(t.id, 'Hel'));
    assert.ok(m.delta(t.id, 'lo **there**'));
    assert.match(m.renderTurn(t.id), /<p>Hello <strong>there<\/strong><\/p><span class="cursor">/);
    assert.ok(
      m.complete(t.id, {
        sessionId: 'sess-1',
        text: 'Hello **there**!',
        provider: 'openai',
        model: 'gpt-5.2',
        usage: { input_tokens: 3, output_tokens: 4 },
        costUSD: 0.002,
        attempts: [{ bucket: 'anthropic', outcome: 'failed', reason: 'overloaded', status: 529 }],
        failovers: 1,
      }),
    );
    assert.equal(m.sessionId, 'sess-1');
    assert.equal(m.running, undefined);
    const html = m.renderTurn(t.id);
    assert.match(html, /<div class="context">Selection: main.go:3<\/div>hello/);
    assert.match(html, /Hello <strong>there<\/strong>!/);
    assert.match(html, /<div class="meta served">openai \/ gpt-5.2 · 3 in · 4 out · \$0.002<\/div>/);
    assert.match(html, /<div class="meta failover">⚠ Failed over 1 time: anthropic \(529 overloaded\)<\/div>/);
    assert.doesNotMatch(html, /cursor/);

    const t2 = m.ask('and then?');
    m.complete(t2.id, { sessionId: 'sess-1', text: 'more' });
    assert.equal(m.sessionId, 'sess-1');
    assert.equal(m.all.length, 2);
  });

  it('refuses a second question while one streams', () => {
    const m = new ChatModel();
    m.ask('one');
    assert.throws(() => m.ask('two'), /still streaming/);
  });

  it('stop keeps the partial text and ignores what arrives later', () => {
    const m = new ChatModel();
    const t = m.ask('slow');
    m.delta(t.id, 'partial');
    assert.ok(m.stop(t.id));
    assert.equal(m.delta(t.id, ' late'), false);
    assert.equal(m.complete(t.id, { sessionId: 's', text: 'full' }), false);
    assert.equal(m.sessionId, '');
    const html = m.renderTurn(t.id);
    assert.match(html, /partial/);
    assert.doesNotMatch(html, /late|full/);
    assert.match(html, /Stopped\./);
    assert.equal(m.stop(t.id), false);
    m.ask('next'); // allowed after a stop
  });

  it('fail shows the error', () => {
    const m = new ChatModel();
    const t = m.ask('x');
    m.fail(t.id, 'LLxprt: every bucket failed <3>');
    assert.match(m.renderTurn(t.id), /<div class="meta error">LLxprt: every bucket failed &lt;3&gt;<\/div>/);
  });

  it('remembers code blocks per turn for Insert and Copy', () => {
    const m = new ChatModel();
    const t = m.ask('code please');
    m.complete(t.id, { sessionId: 's', text: 'A:\n```go\nfunc a() {}\n```\nB:\n```go\nfunc b() {}\n```' });
    m.renderTurn(t.id);
    assert.equal(m.codeBlock(t.id, 1)?.code, 'func b() {}');
    assert.equal(m.codeBlock(t.id, 2), undefined);
    assert.equal(m.codeBlock(99, 0), undefined);
  });

  it('notes dropped history turns', () => {
    const m = new ChatModel();
    const t = m.ask('x');
    m.complete(t.id, { sessionId: 's', text: 'y', droppedTurns: 2 });
    assert.match(m.renderTurn(t.id), /2 earlier turns were dropped to fit the context/);
  });

  it('reset starts a new session', () => {
    const m = new ChatModel();
    const t = m.ask('x');
    m.complete(t.id, { sessionId: 's', text: 'y' });
    m.reset();
    assert.equal(m.sessionId, '');
    assert.equal(m.all.length, 0);
  });
});
