import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { applyEdits } from '../../src/textEdits';

describe('applyEdits', () => {
  const cases: { name: string; text: string; edits: { start: number; end: number; newText: string }[]; want: string }[] = [
    { name: 'no edits', text: 'abc', edits: [], want: 'abc' },
    { name: 'replace all', text: 'abc', edits: [{ start: 0, end: 3, newText: '// x\nabc' }], want: '// x\nabc' },
    { name: 'replace middle', text: 'a\nb\nc', edits: [{ start: 2, end: 3, newText: 'B' }], want: 'a\nB\nc' },
    {
      name: 'several, given out of order',
      text: 'one two three',
      edits: [
        { start: 8, end: 13, newText: '3' },
        { start: 0, end: 3, newText: '1' },
      ],
      want: '1 two 3',
    },
    {
      name: 'inserts at one offset keep their order',
      text: 'ab',
      edits: [
        { start: 1, end: 1, newText: 'x' },
        { start: 1, end: 1, newText: 'y' },
      ],
      want: 'axyb',
    },
    { name: 'append', text: 'ab', edits: [{ start: 2, end: 2, newText: 'c' }], want: 'abc' },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(applyEdits(c.text, c.edits), c.want));
  }

  it('refuses overlapping edits', () => {
    assert.throws(
      () =>
        applyEdits('abcdef', [
          { start: 0, end: 3, newText: 'x' },
          { start: 2, end: 4, newText: 'y' },
        ]),
      /overlaps/,
    );
  });
  it('refuses an edit past the end', () => {
    assert.throws(() => applyEdits('ab', [{ start: 1, end: 5, newText: 'x' }]), /outside the text/);
  });
});
