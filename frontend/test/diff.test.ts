import { describe, expect, it } from 'vitest';
import { diffHunks, diffLines, diffStats } from '../src/api/diff';

const ops = (a: string, b: string) => diffLines(a, b).map((l) => l.op + l.text);

describe('diffLines', () => {
  it('keeps equal texts', () => {
    expect(ops('a\nb\n', 'a\nb\n')).toEqual([' a', ' b']);
    expect(diffLines('', '')).toEqual([]);
  });

  it('marks a changed line as removed then added, with line numbers', () => {
    const lines = diffLines('image: web:1\nreplicas: 2\n', 'image: web:2\nreplicas: 2\n');
    expect(lines).toEqual([
      { op: '-', text: 'image: web:1', oldLine: 1 },
      { op: '+', text: 'image: web:2', newLine: 1 },
      { op: ' ', text: 'replicas: 2', oldLine: 2, newLine: 2 },
    ]);
  });

  it('finds insertions and deletions in the middle', () => {
    expect(ops('a\nb\nc\nd', 'a\nc\nx\nd')).toEqual([' a', '-b', ' c', '+x', ' d']);
    expect(ops('', 'a\nb')).toEqual(['+a', '+b']);
    expect(ops('a\nb', '')).toEqual(['-a', '-b']);
  });

  it('is a minimal edit: every kept line is in both texts, in order', () => {
    const a = 'spec:\n  replicas: 2\n  template:\n    containers:\n    - image: nginx:1.25\n      name: web\n';
    const b = 'spec:\n  replicas: 3\n  template:\n    containers:\n    - image: nginx:1.27\n      name: web\n      ports: []\n';
    const lines = diffLines(a, b);
    expect(lines.filter((l) => l.op !== '+').map((l) => l.text)).toEqual(a.trimEnd().split('\n'));
    expect(lines.filter((l) => l.op !== '-').map((l) => l.text)).toEqual(b.trimEnd().split('\n'));
    expect(diffStats(lines)).toEqual({ added: 3, removed: 2 });
  });
});

describe('diffHunks', () => {
  it('shows changes with context and splits distant ones', () => {
    const a = Array.from({ length: 20 }, (_, i) => `line ${i}`).join('\n');
    const b = a.replace('line 2', 'LINE 2').replace('line 17', 'LINE 17');
    const hunks = diffHunks(diffLines(a, b), 2);
    expect(hunks).toHaveLength(2);
    expect(hunks[0].lines.map((l) => l.op + l.text)).toEqual([' line 0', ' line 1', '-line 2', '+LINE 2', ' line 3', ' line 4']);
    expect(hunks[1].lines[0].text).toBe('line 15');
    expect(diffHunks(diffLines(a, a))).toEqual([]);
  });
});
