import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { escapeHtml, renderInline, renderMarkdown } from '../../src/markdown';

describe('renderMarkdown', () => {
  const cases: { name: string; md: string; want: string }[] = [
    { name: 'paragraph joins lines with <br>', md: 'one\ntwo', want: '<p>one<br>two</p>' },
    { name: 'paragraphs split on blank lines', md: 'one\n\ntwo', want: '<p>one</p>\n<p>two</p>' },
    { name: 'heading', md: '## Title ##', want: '<h2>Title</h2>' },
    { name: 'bullet list', md: '- a\n- b', want: '<ul><li>a</li><li>b</li></ul>' },
    { name: 'ordered list', md: '1. a\n2) b', want: '<ol><li>a</li><li>b</li></ol>' },
    { name: 'list continuation', md: '- a\n  more', want: '<ul><li>a more</li></ul>' },
    { name: 'list kind change starts a new list', md: '- a\n1. b', want: '<ul><li>a</li></ul>\n<ol><li>b</li></ol>' },
    { name: 'rule', md: 'a\n\n---\n\nb', want: '<p>a</p>\n<hr>\n<p>b</p>' },
    { name: 'quote', md: '> quoted *text*', want: '<blockquote><p>quoted <em>text</em></p></blockquote>' },
    { name: 'html is escaped', md: '<script>alert("x")</script>', want: '<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</p>' },
    { name: 'empty', md: '', want: '' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(renderMarkdown(c.md).html, c.want);
    });
  }

  it('renders fenced code with buttons and returns the raw code', () => {
    const r = renderMarkdown('Here:\n\n```go\nif a < b {\n\treturn "x"\n}\n```\nafter');
    assert.deepEqual(r.codeBlocks, [{ lang: 'go', code: 'if a < b {\n\treturn "x"\n}', complete: true }]);
    assert.match(r.html, /<button class="code-insert" data-action="insert" data-index="0">Insert at cursor<\/button>/);
    assert.match(r.html, /<button class="code-copy" data-action="copy" data-index="0">Copy<\/button>/);
    assert.match(r.html, /<code class="language-go">if a &lt; b \{\n\treturn &quot;x&quot;\n\}<\/code>/);
    assert.match(r.html, /<p>after<\/p>$/);
  });

  it('numbers several code blocks in order', () => {
    const r = renderMarkdown('```\none\n```\ntext\n~~~py\ntwo\n~~~');
    assert.deepEqual(
      r.codeBlocks.map((b) => [b.lang, b.code]),
      [
        ['', 'one'],
        ['py', 'two'],
      ],
    );
    assert.match(r.html, /data-index="1"/);
  });

  it('keeps an unclosed fence open while streaming', () => {
    const r = renderMarkdown('text\n```ts\nconst a = 1;\nconst b');
    assert.equal(r.codeBlocks.length, 1);
    assert.equal(r.codeBlocks[0].complete, false);
    assert.equal(r.codeBlocks[0].code, 'const a = 1;\nconst b');
  });

  it('does not interpret markdown inside code blocks', () => {
    const r = renderMarkdown('```\n# not a heading\n**not bold**\n```');
    assert.doesNotMatch(r.html, /<h1>|<strong>/);
  });

  it('omits buttons when asked', () => {
    assert.doesNotMatch(renderMarkdown('```\nx\n```', false).html, /<button/);
  });
});

describe('renderInline', () => {
  const cases: { name: string; in: string; want: string }[] = [
    { name: 'bold and italic', in: '**b** and *i* and _j_', want: '<strong>b</strong> and <em>i</em> and <em>j</em>' },
    { name: 'code span is literal', in: 'use `a *b* <c>`', want: 'use <code>a *b* &lt;c&gt;</code>' },
    { name: 'double backtick span', in: '``a`b``', want: '<code>a`b</code>' },
    { name: 'web link', in: '[docs](https://example.com/a?b=1&c=2)', want: '<a href="https://example.com/a?b=1&amp;c=2" title="https://example.com/a?b=1&amp;c=2">docs</a>' },
    { name: 'javascript link stays text', in: '[x](javascript:alert(1))', want: '[x](javascript:alert(1))' },
    { name: 'attribute breakout is escaped', in: '[x](https://a.b/"onmouseover="y)', want: '<a href="https://a.b/&quot;onmouseover=&quot;y" title="https://a.b/&quot;onmouseover=&quot;y">x</a>' },
    { name: 'snake_case stays', in: 'a_b_c and 2*3*4', want: 'a_b_c and 2*3*4' },
    { name: 'unclosed backtick', in: 'a `b', want: 'a `b' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(renderInline(c.in), c.want);
    });
  }
});

describe('escapeHtml', () => {
  it('escapes the five special characters', () => {
    assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});
