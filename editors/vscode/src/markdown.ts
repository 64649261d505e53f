// A small, safe Markdown renderer for the chat panel. Model answers are
// untrusted text: everything is HTML-escaped first, and only a fixed set of
// constructs becomes markup (headings, paragraphs, lists, block quotes,
// rules, fenced code, inline code, bold, italic, http(s) links). It must also
// render half-streamed text sensibly: an unclosed fence is shown as an open
// code block rather than swallowing or breaking the page.

/** A fenced code block found while rendering, in document order. */
export interface CodeBlock {
  lang: string;
  code: string;
  /** False while the closing fence has not arrived yet (streaming). */
  complete: boolean;
}

export interface Rendered {
  html: string;
  codeBlocks: CodeBlock[];
}

const escapes: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** escapeHtml makes text safe for element content and quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => escapes[c]);
}

const fenceOpen = /^ {0,3}(`{3,}|~{3,})\s*([\w+#.-]*)[^`]*$/;

/**
 * renderMarkdown turns Markdown into HTML. Code blocks get an index
 * (data-index) that matches their position in the returned codeBlocks, so
 * the panel's Insert/Copy buttons can ask for the raw code by number instead
 * of trusting text read back from the page.
 */
export function renderMarkdown(source: string, codeButtons = true): Rendered {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  const out: string[] = [];
  const codeBlocks: CodeBlock[] = [];
  let para: string[] = [];
  let list: { ordered: boolean; items: string[] } | undefined;
  let quote: string[] = [];

  const flushPara = () => {
    if (para.length > 0) {
      out.push(`<p>${para.map(renderInline).join('<br>')}</p>`);
      para = [];
    }
  };
  const flushList = () => {
    if (list) {
      const tag = list.ordered ? 'ol' : 'ul';
      out.push(`<${tag}>${list.items.map((i) => `<li>${renderInline(i)}</li>`).join('')}</${tag}>`);
      list = undefined;
    }
  };
  const flushQuote = () => {
    if (quote.length > 0) {
      out.push(`<blockquote>${renderMarkdown(quote.join('\n'), codeButtons).html}</blockquote>`);
      quote = [];
    }
  };
  const flushAll = () => {
    flushPara();
    flushList();
    flushQuote();
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const fence = fenceOpen.exec(line);
    if (fence) {
      flushAll();
      const marker = fence[1];
      const body: string[] = [];
      let complete = false;
      for (i++; i < lines.length; i++) {
        const l = lines[i].trim();
        if (l.startsWith(marker[0].repeat(marker.length)) && /^(`+|~+)$/.test(l)) {
          complete = true;
          break;
        }
        body.push(lines[i]);
      }
      const block: CodeBlock = { lang: fence[2] ?? '', code: body.join('\n'), complete };
      codeBlocks.push(block);
      out.push(renderCodeBlock(block, codeBlocks.length - 1, codeButtons));
      continue;
    }
    if (/^\s*>/.test(line)) {
      flushPara();
      flushList();
      quote.push(line.replace(/^\s*> ?/, ''));
      continue;
    }
    flushQuote();
    if (line.trim() === '') {
      flushPara();
      flushList();
      continue;
    }
    const heading = /^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      flushAll();
      const level = heading[1].length;
      out.push(`<h${level}>${renderInline(heading[2])}</h${level}>`);
      continue;
    }
    if (/^ {0,3}([-*_])(\s*\1){2,}\s*$/.test(line)) {
      flushAll();
      out.push('<hr>');
      continue;
    }
    const item = /^\s*(?:([-*+])|(\d{1,9})[.)])\s+(.*)$/.exec(line);
    if (item) {
      flushPara();
      const ordered = item[2] !== undefined;
      if (list && list.ordered !== ordered) {
        flushList();
      }
      list ??= { ordered, items: [] };
      list.items.push(item[3]);
      continue;
    }
    if (list && /^\s{2,}\S/.test(line)) {
      // A continuation line of the last list item.
      list.items[list.items.length - 1] += ' ' + line.trim();
      continue;
    }
    flushList();
    para.push(line.trim());
  }
  flushAll();
  return { html: out.join('\n'), codeBlocks };
}

function renderCodeBlock(block: CodeBlock, index: number, buttons: boolean): string {
  const langClass = block.lang ? ` class="language-${escapeHtml(block.lang)}"` : '';
  const label = block.lang ? `<span class="code-lang">${escapeHtml(block.lang)}</span>` : '';
  const actions = buttons
    ? `<div class="code-actions">${label}` +
      `<button class="code-insert" data-action="insert" data-index="${index}">Insert at cursor</button>` +
      `<button class="code-copy" data-action="copy" data-index="${index}">Copy</button></div>`
    : '';
  return `<div class="code-block" data-index="${index}">${actions}<pre><code${langClass}>${escapeHtml(block.code)}</code></pre></div>`;
}

/**
 * renderInline handles code spans, links, bold and italic on one line of
 * text. Code spans are cut out first so that nothing inside them is
 * interpreted; the rest is escaped before any markup is added.
 */
export function renderInline(text: string): string {
  const parts = text.split(/(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)/);
  let html = '';
  // split with two capture groups yields [text, ticks, code, text, ticks, code, ...].
  for (let i = 0; i < parts.length; i += 3) {
    html += renderEmphasis(parts[i]);
    if (i + 2 < parts.length) {
      html += `<code>${escapeHtml(parts[i + 2].trim() === '' ? parts[i + 2] : parts[i + 2].replace(/^ (.*) $/, '$1'))}</code>`;
    }
  }
  return html;
}

function renderEmphasis(text: string): string {
  let s = escapeHtml(text);
  s = s.replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, (whole, label: string, url: string) => {
    // Only web links: javascript:, data:, command: and file URLs stay text.
    if (!/^https?:\/\//i.test(url)) {
      return whole;
    }
    return `<a href="${url}" title="${url}">${label}</a>`;
  });
  s = s.replace(/\*\*(?=\S)([\s\S]*?\S)\*\*/g, '<strong>$1</strong>');
  s = s.replace(/__(?=\S)([\s\S]*?\S)__/g, '<strong>$1</strong>');
  s = s.replace(/(^|[^*\w])\*(?=\S)([^*]*?\S)\*(?![*\w])/g, '$1<em>$2</em>');
  s = s.replace(/(^|[^_\w])_(?=\S)([^_]*?\S)_(?![_\w])/g, '$1<em>$2</em>');
  return s;
}
