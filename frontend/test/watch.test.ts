import { describe, expect, it } from 'vitest';
import { Backoff } from '../src/api/backoff';
import { ListWatcher, type WatchSnapshot } from '../src/api/watch';

/** A streaming HTTP body the test writes watch events into. */
function stream() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({ start: (c) => (controller = c) });
  const enc = new TextEncoder();
  return {
    response: new Response(body, { status: 200 }),
    push: (event: unknown) => controller.enqueue(enc.encode(JSON.stringify(event) + '\n')),
    pushRaw: (text: string) => controller.enqueue(enc.encode(text)),
    end: () => controller.close(),
  };
}

const columns = [
  { name: 'Name', type: 'string', format: 'name' },
  { name: 'Data', type: 'string' },
];
const tableRow = (name: string, rv: string, data = '1') => ({ cells: [name, data], object: { metadata: { name, namespace: 'default', resourceVersion: rv } } });
const listOf = (rv: string, ...names: string[]) => ({ kind: 'Table', metadata: { resourceVersion: rv }, columnDefinitions: columns, rows: names.map((n) => tableRow(n, rv)) });
const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status });

type Handler = (url: string, init?: RequestInit) => Promise<Response> | Response;

function harness(handlers: Handler[]) {
  const calls: string[] = [];
  const sleeps: number[] = [];
  const snapshots: WatchSnapshot[] = [];
  let i = 0;
  const waiters: (() => void)[] = [];
  const fetch = async (url: string, init?: RequestInit) => {
    calls.push(url);
    const h = handlers[i++];
    waiters.splice(0).forEach((w) => w());
    if (!h) return new Promise<Response>(() => {}); // hang: the test is over
    return h(url, init);
  };
  const watcher = new ListWatcher({
    url: '/clusters/demo/api/v1/namespaces/default/configmaps',
    rowUrl: (ns, name) => `/clusters/demo/api/v1/namespaces/${ns}/configmaps/${name}`,
    fetch,
    backoff: new Backoff(),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    onChange: (s) => snapshots.push(s),
  });
  const until = async (predicate: () => boolean) => {
    for (let n = 0; n < 200 && !predicate(); n++) await new Promise((r) => setTimeout(r, 1));
    expect(predicate()).toBe(true);
  };
  return { watcher, calls, sleeps, snapshots, until, names: () => watcher.current.table?.rows.map((r) => r.name) };
}

describe('ListWatcher', () => {
  it('lists in the Table format, then applies ADDED, MODIFIED and DELETED', async () => {
    const w = stream();
    let accept = '';
    const h = harness([
      (_u, init) => {
        accept = (init?.headers as Record<string, string>).Accept;
        return json(listOf('10', 'a', 'b'));
      },
      () => w.response,
    ]);
    h.watcher.start();
    await h.until(() => h.calls.length === 2);
    expect(accept).toContain('as=Table');
    expect(h.calls[1]).toContain('watch=true');
    expect(h.calls[1]).toContain('resourceVersion=10');
    expect(h.names()).toEqual(['a', 'b']);
    w.push({ type: 'ADDED', object: { kind: 'Table', rows: [tableRow('c', '11')] } });
    await h.until(() => h.names()?.length === 3);
    w.push({ type: 'MODIFIED', object: { kind: 'Table', rows: [tableRow('a', '12', '5')] } });
    await h.until(() => h.watcher.current.table?.rows[0].cells[1] === '5');
    // Two events in one chunk, the second split across chunks.
    w.pushRaw(JSON.stringify({ type: 'DELETED', object: { kind: 'Table', rows: [tableRow('b', '13')] } }) + '\n{"type":"DELE');
    w.pushRaw('TED","object":{"kind":"ConfigMap","metadata":{"name":"c","namespace":"default","resourceVersion":"14"}}}\n');
    await h.until(() => h.names()?.join() === 'a');
    expect(h.watcher.current.table?.resourceVersion).toBe('14');
    expect(h.watcher.current.phase).toBe('live');
    h.watcher.stop();
  });

  it('fetches the row of a plain-object event', async () => {
    const w = stream();
    const h = harness([() => json(listOf('10', 'a')), () => w.response, () => json(listOf('11', 'z'))]);
    h.watcher.start();
    await h.until(() => h.calls.length === 2);
    w.push({ type: 'ADDED', object: { kind: 'ConfigMap', metadata: { name: 'z', namespace: 'default', resourceVersion: '11' } } });
    await h.until(() => h.names()?.join() === 'a,z');
    expect(h.calls[2]).toBe('/clusters/demo/api/v1/namespaces/default/configmaps/z');
    h.watcher.stop();
  });

  it('relists and watches again from the new resourceVersion after 410 Expired', async () => {
    const w1 = stream();
    const w2 = stream();
    const h = harness([() => json(listOf('10', 'a')), () => w1.response, () => json(listOf('50', 'a', 'b')), () => w2.response]);
    h.watcher.start();
    await h.until(() => h.calls.length === 2);
    w1.push({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version' } });
    await h.until(() => h.calls.length === 4);
    expect(h.watcher.lists).toBe(2);
    expect(h.calls[3]).toContain('resourceVersion=50');
    expect(h.names()).toEqual(['a', 'b']);
    expect(h.watcher.current.error).toBeNull();
    h.watcher.stop();
  });

  it('relists when the stream ends, at once after a healthy watch', async () => {
    const w1 = stream();
    const h = harness([() => json(listOf('10', 'a')), () => w1.response, () => json(listOf('20', 'a')), () => stream().response]);
    h.watcher.start();
    await h.until(() => h.calls.length === 2);
    w1.push({ type: 'BOOKMARK', object: { kind: 'ConfigMap', metadata: { resourceVersion: '15' } } });
    w1.end();
    await h.until(() => h.calls.length === 4);
    expect(h.sleeps).toEqual([]);
    h.watcher.stop();
  });

  it('backs off exponentially while the server fails, shows the error, and recovers', async () => {
    const forbidden = { kind: 'Status', code: 403, reason: 'Forbidden', message: 'configmaps is forbidden: User "dev" cannot list resource "configmaps" in API group "" in the namespace "default"' };
    const h = harness([
      () => json(forbidden, 403),
      () => json({ kind: 'Status', code: 500, message: 'boom' }, 500),
      () => {
        throw new TypeError('Failed to fetch');
      },
      () => json(listOf('10', 'a')),
      () => stream().response,
    ]);
    h.watcher.start();
    await h.until(() => h.calls.length === 5);
    const errors = h.snapshots.map((s) => s.error).filter((e) => e !== null);
    expect(errors.map((e) => e!.code)).toEqual([403, 500, 0]);
    expect(errors[0]!.title).toBe('403 Forbidden');
    expect(errors[0]!.message).toContain('User "dev" cannot list resource "configmaps"');
    expect(h.sleeps).toEqual([500, 1000, 2000]);
    expect(h.watcher.current.error).toBeNull();
    expect(h.names()).toEqual(['a']);
    h.watcher.stop();
  });

  it('backs off when watches end at once without events, and resets after a healthy one', async () => {
    const quick = () => {
      const s = stream();
      s.end();
      return s.response;
    };
    const busy = stream();
    const h = harness([
      () => json(listOf('1', 'a')),
      quick,
      () => json(listOf('2', 'a')),
      quick,
      () => json(listOf('3', 'a')),
      () => busy.response,
      () => json(listOf('4', 'a')),
      quick,
    ]);
    h.watcher.start();
    await h.until(() => h.calls.length === 6);
    expect(h.sleeps).toEqual([500, 1000]);
    busy.push({ type: 'ADDED', object: { kind: 'Table', rows: [tableRow('b', '5')] } });
    busy.end();
    await h.until(() => h.calls.length >= 8);
    await h.until(() => h.sleeps.length === 3);
    expect(h.sleeps).toEqual([500, 1000, 500]);
    h.watcher.stop();
  });

  it('stops: no more requests or updates', async () => {
    const w = stream();
    const h = harness([() => json(listOf('10', 'a')), () => w.response]);
    const done = h.watcher.start();
    await h.until(() => h.calls.length === 2);
    const count = h.snapshots.length;
    h.watcher.stop();
    await done;
    expect(h.calls.length).toBe(2);
    expect(h.snapshots.length).toBe(count);
  });
});

describe('ListWatcher without the Table format', () => {
  it('lists a plain list and fetches plain objects for plain events', async () => {
    const w = stream();
    const h = harness([
      () => json({ kind: 'ConfigMapList', metadata: { resourceVersion: '3' }, items: [{ metadata: { name: 'a', namespace: 'default' } }] }),
      () => w.response,
      () => json({ kind: 'ConfigMap', metadata: { name: 'b', namespace: 'default', resourceVersion: '4' } }),
    ]);
    h.watcher.start();
    await h.until(() => h.calls.length === 2);
    expect(h.watcher.current.table?.columns.map((c) => c.name)).toEqual(['Name', 'Age']);
    w.push({ type: 'ADDED', object: { kind: 'ConfigMap', metadata: { name: 'b', namespace: 'default', resourceVersion: '4' } } });
    await h.until(() => h.names()?.join() === 'a,b');
    h.watcher.stop();
  });
});
