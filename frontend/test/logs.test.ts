import { describe, expect, it } from 'vitest';
import { capLines, countMatches, findMatches, highlightParts, LineSplitter, lineText, logUrl, mergeByTime, splitTimestamp, timestampKey, toWebSocketUrl, type LogLine } from '../src/api/logs';

let seq = 0;
function line(ts: string, text: string, pod?: string): LogLine {
  return { seq: seq++, ts, key: timestampKey(ts), text, pod };
}

describe('log URL', () => {
  it('always asks for timestamps and passes the options', () => {
    const url = logUrl('/b/clusters/demo', 'default', 'web-1', { container: 'nginx', follow: true, previous: true, tailLines: 500 });
    expect(url.startsWith('/b/clusters/demo/api/v1/namespaces/default/pods/web-1/log?')).toBe(true);
    const q = new URLSearchParams(url.split('?')[1]);
    expect(Object.fromEntries(q)).toEqual({ container: 'nginx', follow: 'true', previous: 'true', timestamps: 'true', tailLines: '500' });
  });

  it('drops tailLines for "all" and when reconnecting from a time', () => {
    expect(logUrl('/p', 'ns', 'p', { tailLines: -1 })).not.toContain('tailLines');
    const q = new URLSearchParams(logUrl('/p', 'ns', 'p', { tailLines: 10, sinceTime: '2024-01-01T00:00:00Z' }).split('?')[1]);
    expect(q.get('tailLines')).toBeNull();
    expect(q.get('sinceTime')).toBe('2024-01-01T00:00:00Z');
  });

  it('becomes a ws:/wss: URL on the page host', () => {
    expect(toWebSocketUrl('/x/clusters/c/api', { protocol: 'http:', host: 'h:1' })).toBe('ws://h:1/x/clusters/c/api');
    expect(toWebSocketUrl('/x', { protocol: 'https:', host: 'h' })).toBe('wss://h/x');
  });
});

describe('timestamps', () => {
  it('sorts RFC3339Nano timestamps whatever their digits', () => {
    const a = timestampKey('2024-05-01T10:00:05.12Z');
    const b = timestampKey('2024-05-01T10:00:05.123Z');
    const c = timestampKey('2024-05-01T10:00:05Z');
    expect(c < a && a < b).toBe(true);
    expect(a).toBe('2024-05-01T10:00:05.120000000Z');
    expect(timestampKey('2024-05-01T12:00:05.5+02:00')).toBe('2024-05-01T10:00:05.500000000Z');
    expect(timestampKey('nope')).toBe('');
  });

  it('splits a line into its timestamp and text', () => {
    expect(splitTimestamp('2024-05-01T10:00:05.123456789Z GET / 200')).toEqual({
      ts: '2024-05-01T10:00:05.123456789Z',
      key: '2024-05-01T10:00:05.123456789Z',
      text: 'GET / 200',
    });
    expect(splitTimestamp('no time here')).toEqual({ ts: '', key: '', text: 'no time here' });
  });
});

describe('LineSplitter', () => {
  it('joins lines across chunks, UTF-8 included, and keeps the unterminated rest for the end', () => {
    const s = new LineSplitter();
    const bytes = new TextEncoder().encode('héllo\r\nwor');
    expect(s.push(bytes.subarray(0, 2))).toEqual([]); // "h" and half of "é"
    expect(s.push(bytes.subarray(2))).toEqual(['héllo']);
    expect(s.push('ld\nlast')).toEqual(['world']);
    expect(s.end()).toEqual(['last']);
    expect(s.end()).toEqual([]);
  });
});

describe('merging pods by time', () => {
  it('appends a later batch and sorts it', () => {
    const a = [line('2024-01-01T00:00:01Z', 'a1', 'a'), line('2024-01-01T00:00:03Z', 'a3', 'a')];
    const merged = mergeByTime(a, [line('2024-01-01T00:00:05Z', 'b5', 'b'), line('2024-01-01T00:00:04Z', 'b4', 'b')]);
    expect(merged.map((l) => l.text)).toEqual(['a1', 'a3', 'b4', 'b5']);
  });

  it('interleaves a backlog from another pod, keeping equal times in arrival order', () => {
    const a = [line('2024-01-01T00:00:01Z', 'a1'), line('2024-01-01T00:00:03Z', 'a3'), line('2024-01-01T00:00:05Z', 'a5')];
    const merged = mergeByTime(a, [line('2024-01-01T00:00:02Z', 'b2'), line('2024-01-01T00:00:03Z', 'b3'), line('2024-01-01T00:00:06Z', 'b6')]);
    expect(merged.map((l) => l.text)).toEqual(['a1', 'b2', 'a3', 'b3', 'a5', 'b6']);
    expect(a.map((l) => l.text)).toEqual(['a1', 'a3', 'a5']); // not mutated
  });

  it('puts lines without a timestamp after the others', () => {
    const merged = mergeByTime([line('2024-01-01T00:00:01Z', 'a1')], [line('', 'x'), line('2024-01-01T00:00:00Z', 'b0')]);
    expect(merged.map((l) => l.text)).toEqual(['b0', 'a1', 'x']);
  });

  it('returns the same array for an empty batch', () => {
    const a = [line('2024-01-01T00:00:01Z', 'a1')];
    expect(mergeByTime(a, [])).toBe(a);
  });
});

describe('cap', () => {
  it('keeps the newest lines, dropping whole blocks', () => {
    const lines = Array.from({ length: 250 }, (_, i) => line('', String(i)));
    expect(capLines(lines, 300)).toEqual({ lines, dropped: 0 });
    const one = capLines(lines, 200);
    expect(one.dropped).toBe(50);
    expect(one.lines[0].text).toBe('50');
    const blocks = capLines(lines, 200, 100);
    expect(blocks.dropped).toBe(100);
    expect(blocks.lines.length).toBe(150);
  });
});

describe('search', () => {
  it('finds every case-insensitive occurrence', () => {
    expect(findMatches('Error error ERR', 'err')).toEqual([
      [0, 3],
      [6, 9],
      [12, 15],
    ]);
    expect(findMatches('aaa', 'aa')).toEqual([[0, 2]]);
    expect(findMatches('x', '')).toEqual([]);
  });

  it('splits text into highlighted parts', () => {
    expect(highlightParts('GET /health 200', 'health')).toEqual([
      { text: 'GET /', match: false },
      { text: 'health', match: true },
      { text: ' 200', match: false },
    ]);
    expect(highlightParts('abc', 'z')).toEqual([{ text: 'abc', match: false }]);
  });

  it('counts matches and matching lines', () => {
    expect(countMatches(['tick=1 tick', 'nothing', 'TICK'], 'tick')).toEqual({ matches: 3, lines: 2 });
    expect(countMatches(['a'], '')).toEqual({ matches: 0, lines: 0 });
  });

  it('shows the timestamp and pod when asked', () => {
    const l = line('2024-01-01T00:00:01Z', 'hello', 'web-1');
    expect(lineText(l, { timestamps: false, pod: false })).toBe('hello');
    expect(lineText(l, { timestamps: true, pod: true })).toBe('2024-01-01T00:00:01Z web-1 hello');
  });
});
