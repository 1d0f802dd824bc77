import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Backoff } from '../src/api/backoff';
import { LogStream, type LogStreamState } from '../src/api/logs';

/** A WebSocket the test drives. */
class FakeSocket {
  static all: FakeSocket[] = [];
  binaryType = 'blob';
  protocol = '';
  readyState = 0;
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: unknown }) => void) | null = null;
  onclose: ((e: { code: number }) => void) | null = null;
  constructor(
    readonly url: string,
    readonly protocols: string[],
  ) {
    FakeSocket.all.push(this);
  }
  open(protocol = 'binary.k8s.io') {
    this.protocol = protocol;
    this.readyState = 1;
    this.onopen?.();
  }
  receive(data: string | Uint8Array) {
    this.onmessage?.({ data: typeof data === 'string' ? data : data.buffer });
  }
  close(code = 1000) {
    this.readyState = 3;
    this.onclose?.({ code });
  }
}

const enc = (s: string) => new TextEncoder().encode(s);

describe('LogStream', () => {
  let lines: string[];
  let states: LogStreamState[];
  beforeEach(() => {
    vi.useFakeTimers();
    FakeSocket.all = [];
    lines = [];
    states = [];
  });
  afterEach(() => vi.useRealTimers());

  function stream(extra: Partial<ConstructorParameters<typeof LogStream>[0]> = {}) {
    return new LogStream({
      prefix: '/base/clusters/demo',
      namespace: 'default',
      pod: 'web-1',
      container: 'nginx',
      follow: true,
      tailLines: 100,
      location: { protocol: 'https:', host: 'dash.example.com' },
      WebSocket: FakeSocket as unknown as typeof WebSocket,
      backoff: new Backoff({ initial: 500 }),
      onLines: (l) => lines.push(...l.map((x) => x.text)),
      onState: (s) => states.push(s),
      ...extra,
    });
  }

  it('streams over a wss: WebSocket with the reader protocols and splits lines across messages', () => {
    const s = stream();
    s.start();
    const ws = FakeSocket.all[0];
    expect(ws.url).toMatch(/^wss:\/\/dash\.example\.com\/base\/clusters\/demo\/api\/v1\/namespaces\/default\/pods\/web-1\/log\?/);
    expect(ws.url).toContain('follow=true');
    expect(ws.url).toContain('tailLines=100');
    expect(ws.protocols).toEqual(['binary.k8s.io', 'base64.binary.k8s.io']);
    ws.open();
    ws.receive(new Uint8Array(0));
    ws.receive(enc('2024-01-01T00:00:01.5Z one\n2024-01-01T00:00:02Z tw'));
    ws.receive(enc('o\n'));
    expect(lines).toEqual(['one', 'two']);
    expect(states.at(-1)?.phase).toBe('streaming');
    s.stop();
  });

  it('decodes base64.binary.k8s.io text messages', () => {
    const s = stream();
    s.start();
    const ws = FakeSocket.all[0];
    ws.open('base64.binary.k8s.io');
    ws.receive('');
    ws.receive(btoa('2024-01-01T00:00:01Z hello\n'));
    expect(lines).toEqual(['hello']);
    s.stop();
  });

  it('reconnects when the stream ends, from the last time seen, without repeating lines', () => {
    const s = stream();
    s.start();
    const first = FakeSocket.all[0];
    first.open();
    first.receive(enc('2024-01-01T00:00:01Z a\n2024-01-01T00:00:02.25Z b\n'));
    first.close();
    // It delivered lines: healthy, so the next attempt is immediate.
    expect(states.at(-1)?.phase).toBe('reconnecting');
    vi.advanceTimersByTime(0);
    const second = FakeSocket.all[1];
    const q = new URL(second.url).searchParams;
    expect(q.get('sinceTime')).toBe('2024-01-01T00:00:02Z');
    expect(q.get('tailLines')).toBeNull();
    second.open();
    second.receive(enc('2024-01-01T00:00:01Z a\n2024-01-01T00:00:02.25Z b\n2024-01-01T00:00:03Z c\n'));
    expect(lines).toEqual(['a', 'b', 'c']);
    s.stop();
  });

  it('backs off while streams end without lines', () => {
    const s = stream({ healthyAfterMs: 10_000 });
    s.start();
    FakeSocket.all[0].open();
    FakeSocket.all[0].close();
    vi.advanceTimersByTime(499);
    expect(FakeSocket.all.length).toBe(1);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.all.length).toBe(2);
    FakeSocket.all[1].open();
    FakeSocket.all[1].close();
    vi.advanceTimersByTime(999);
    expect(FakeSocket.all.length).toBe(2);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.all.length).toBe(3);
    s.stop();
    expect(states.at(-1)?.phase).toBe('stopped');
    FakeSocket.all[2].close();
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.all.length).toBe(3);
  });

  it('pauses and goes on from the last line seen when following is switched off and on', () => {
    const s = stream();
    s.start();
    FakeSocket.all[0].open();
    FakeSocket.all[0].receive(enc('2024-01-01T00:00:01Z a\n2024-01-01T00:00:02Z b\n'));
    s.setFollow(false);
    expect(FakeSocket.all[0].readyState).toBe(3);
    expect(states.at(-1)?.phase).toBe('paused');
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.all.length).toBe(1);
    s.setFollow(true);
    expect(FakeSocket.all.length).toBe(2);
    const q = new URL(FakeSocket.all[1].url).searchParams;
    expect(q.get('follow')).toBe('true');
    expect(q.get('sinceTime')).toBe('2024-01-01T00:00:02Z');
    FakeSocket.all[1].open();
    FakeSocket.all[1].receive(enc('2024-01-01T00:00:02Z b\n2024-01-01T00:00:04Z d\n'));
    expect(lines).toEqual(['a', 'b', 'd']);
    s.stop();
  });

  it('does not reconnect without follow', () => {
    const s = stream({ follow: false });
    s.start();
    FakeSocket.all[0].open();
    FakeSocket.all[0].receive(enc('2024-01-01T00:00:01Z only\n'));
    FakeSocket.all[0].close();
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.all.length).toBe(1);
    expect(states.at(-1)?.phase).toBe('ended');
    expect(lines).toEqual(['only']);
  });

  it("asks over HTTP why a WebSocket did not open, and shows the API server's words", async () => {
    const fetch = vi.fn(async () =>
      new Response(JSON.stringify({ kind: 'Status', message: 'previous terminated container "nginx" in pod "web-1" not found', code: 400 }), { status: 400 }),
    );
    const s = stream({ previous: true, follow: false, fetch: fetch as unknown as typeof globalThis.fetch });
    s.start();
    FakeSocket.all[0].close(1006);
    await vi.waitFor(() => expect(states.at(-1)?.phase).toBe('error'));
    expect(states.at(-1)?.error?.message).toContain('previous terminated container');
    expect(states.at(-1)?.error?.code).toBe(400);
    const url = String((fetch.mock.calls[0] as unknown[])[0]);
    expect(url).toContain('previous=true');
    expect(url).not.toContain('follow');
  });
});
