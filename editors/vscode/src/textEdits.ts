// Applying text edits to a string, for the review diff's "after" side. Pure,
// so it is unit-tested; offsets come from vscode.TextDocument.offsetAt.

export interface OffsetEdit {
  start: number;
  end: number;
  newText: string;
}

/**
 * applyEdits returns text with the edits applied. Like LSP, every offset
 * refers to the original text; edits must not overlap (an error says which
 * do, instead of producing a garbled proposal). Inserts at one offset keep
 * their order.
 */
export function applyEdits(text: string, edits: readonly OffsetEdit[]): string {
  const sorted = edits.map((e, i) => ({ ...e, i })).sort((a, b) => a.start - b.start || a.end - b.end || a.i - b.i);
  let out = '';
  let pos = 0;
  for (const e of sorted) {
    if (e.start < pos || e.end < e.start || e.end > text.length) {
      throw new Error(`review: edit ${e.i} [${e.start}, ${e.end}) overlaps another or lies outside the text (length ${text.length})`);
    }
    out += text.slice(pos, e.start) + e.newText;
    pos = e.end;
  }
  return out + text.slice(pos);
}
