/** A line diff (longest common subsequence), for the editor's previews and conflicts. */

export type DiffOp = ' ' | '-' | '+';

export interface DiffLine {
  op: DiffOp;
  text: string;
  /** Line number in the old text (for ' ' and '-'), 1-based. */
  oldLine?: number;
  /** Line number in the new text (for ' ' and '+'), 1-based. */
  newLine?: number;
}

/** Above this many cells the middle is shown as all removed, then all added (still correct). */
const MAX_CELLS = 4_000_000;

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Every line of both texts, marked kept (' '), removed ('-') or added ('+'). */
export function diffLines(oldText: string, newText: string): DiffLine[] {
  const a = splitLines(oldText);
  const b = splitLines(newText);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const out: DiffLine[] = [];
  for (let i = 0; i < start; i++) out.push({ op: ' ', text: a[i], oldLine: i + 1, newLine: i + 1 });
  const n = endA - start;
  const m = endB - start;
  if (n * m > MAX_CELLS) {
    for (let i = start; i < endA; i++) out.push({ op: '-', text: a[i], oldLine: i + 1 });
    for (let j = start; j < endB; j++) out.push({ op: '+', text: b[j], newLine: j + 1 });
  } else {
    // lcs[i][j]: length of the LCS of a[start+i..endA) and b[start+j..endB).
    const width = m + 1;
    const lcs = new Uint32Array((n + 1) * width);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i * width + j] = a[start + i] === b[start + j] ? lcs[(i + 1) * width + j + 1] + 1 : Math.max(lcs[(i + 1) * width + j], lcs[i * width + j + 1]);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a[start + i] === b[start + j]) {
        out.push({ op: ' ', text: a[start + i], oldLine: start + i + 1, newLine: start + j + 1 });
        i++;
        j++;
      } else if (i < n && (j === m || lcs[(i + 1) * width + j] >= lcs[i * width + j + 1])) {
        // Removals before additions, as unified diffs show a changed line.
        out.push({ op: '-', text: a[start + i], oldLine: start + i + 1 });
        i++;
      } else {
        out.push({ op: '+', text: b[start + j], newLine: start + j + 1 });
        j++;
      }
    }
  }
  for (let k = 0; k < a.length - endA; k++) out.push({ op: ' ', text: a[endA + k], oldLine: endA + k + 1, newLine: endB + k + 1 });
  return out;
}

export interface Hunk {
  lines: DiffLine[];
}

/** The changed lines with `context` unchanged lines around each change; nearby changes share a hunk. */
export function diffHunks(lines: DiffLine[], context = 3): Hunk[] {
  const changed = lines.map((l) => l.op !== ' ');
  const keep = new Array<boolean>(lines.length).fill(false);
  changed.forEach((c, i) => {
    if (!c) return;
    for (let k = Math.max(0, i - context); k <= Math.min(lines.length - 1, i + context); k++) keep[k] = true;
  });
  const hunks: Hunk[] = [];
  let current: Hunk | null = null;
  lines.forEach((line, i) => {
    if (!keep[i]) {
      current = null;
      return;
    }
    if (!current) {
      current = { lines: [] };
      hunks.push(current);
    }
    current.lines.push(line);
  });
  return hunks;
}

/** How many lines were added and removed. */
export function diffStats(lines: DiffLine[]): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const l of lines) {
    if (l.op === '+') added++;
    else if (l.op === '-') removed++;
  }
  return { added, removed };
}
