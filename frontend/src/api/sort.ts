import type { Row } from './table';

const collator = new Intl.Collator(undefined, { numeric: true });

/**
 * Rows sorted by a key computed once per row (not per comparison): numbers when every key is one
 * (NaN last), else text in natural order ("pod-2" before "pod-10").
 */
export function sortRows(rows: Row[], key: (row: Row) => string | number, descending: boolean): Row[] {
  const keyed = rows.map((row) => ({ row, key: key(row) }));
  const numeric = keyed.every(({ key: k }) => typeof k === 'number' || (k !== '' && !Number.isNaN(Number(k))));
  let out: Row[];
  if (numeric) {
    const nums = keyed.map(({ row, key: k }) => ({ row, n: typeof k === 'number' ? (Number.isNaN(k) ? Infinity : k) : Number(k) }));
    nums.sort((a, b) => a.n - b.n);
    out = nums.map((x) => x.row);
  } else {
    keyed.sort((a, b) => collator.compare(String(a.key), String(b.key)));
    out = keyed.map((x) => x.row);
  }
  return descending ? out.reverse() : out;
}
