import { describe, expect, it } from 'vitest';
import { itemsOfList, matchScore, parseQuery, rankResults, readRecent, recentStorageKey, rememberRecent, RECENT_LIMIT, searchableKinds, type SearchItem } from '../src/api/search';
import { buildDiscovery } from '../src/api/discovery';

const pod = (name: string, namespace = 'default', labels: Record<string, string> = {}): SearchItem => ({ group: '', version: 'v1', resource: 'pods', kind: 'Pod', namespace, name, labels });
const deploy = (name: string, labels: Record<string, string> = {}): SearchItem => ({ group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment', namespace: 'default', name, labels });

function memoryStore() {
  const data = new Map<string, string>();
  return { getItem: (k: string) => data.get(k) ?? null, setItem: (k: string, v: string) => void data.set(k, v), data };
}

describe('global search', () => {
  it('parses names and labels', () => {
    expect(parseQuery('  ')).toEqual({ type: 'empty' });
    expect(parseQuery('Web')).toEqual({ type: 'name', text: 'web' });
    expect(parseQuery('app=web')).toEqual({ type: 'label', key: 'app', value: 'web' });
    expect(parseQuery('app==web')).toEqual({ type: 'label', key: 'app', value: 'web' });
    expect(parseQuery('app=')).toEqual({ type: 'label', key: 'app' });
    expect(parseQuery('label:tier')).toEqual({ type: 'label', key: 'tier' });
  });

  it('scores exact, prefix and substring names, and labels', () => {
    expect(matchScore(parseQuery('web'), pod('web'))).toBe(3);
    expect(matchScore(parseQuery('web'), pod('web-1'))).toBe(2);
    expect(matchScore(parseQuery('web'), pod('my-web'))).toBe(1);
    expect(matchScore(parseQuery('db'), pod('web'))).toBe(0);
    expect(matchScore(parseQuery('app=web'), pod('x', 'default', { app: 'web' }))).toBe(2);
    expect(matchScore(parseQuery('app=db'), pod('x', 'default', { app: 'web' }))).toBe(0);
    expect(matchScore(parseQuery('app='), pod('x', 'default', { app: 'web' }))).toBe(2);
  });

  it('ranks recent items first, then by score, kind and name', () => {
    const items = [pod('my-web'), pod('web-2'), deploy('web'), pod('web-1'), pod('db')];
    const recent = [pod('my-web'), pod('gone-web')];
    const ranked = rankResults(parseQuery('web'), items, recent).map((r) => `${r.recent ? '*' : ''}${r.item.kind}/${r.item.name}`);
    expect(ranked).toEqual(['*Pod/my-web', '*Pod/gone-web', 'Deployment/web', 'Pod/web-1', 'Pod/web-2']);
    expect(rankResults(parseQuery(''), items, recent).map((r) => r.item.name)).toEqual(['my-web', 'gone-web']);
    expect(rankResults(parseQuery('web'), items, [], 2)).toHaveLength(2);
  });

  it('keeps the recent items in storage, newest first, without duplicates', () => {
    const store = memoryStore();
    expect(readRecent('demo', store)).toEqual([]);
    rememberRecent('demo', pod('a', 'default', { app: 'x' }), store);
    rememberRecent('demo', pod('b'), store);
    rememberRecent('demo', pod('a'), store);
    expect(readRecent('demo', store).map((r) => r.name)).toEqual(['a', 'b']);
    expect(readRecent('demo', store)[0].labels).toBeUndefined();
    for (let i = 0; i < 20; i++) rememberRecent('demo', pod(`p${i}`), store);
    expect(readRecent('demo', store)).toHaveLength(RECENT_LIMIT);
    expect(readRecent('other', store)).toEqual([]);
    store.setItem(recentStorageKey('bad'), 'not json');
    expect(readRecent('bad', store)).toEqual([]);
  });

  it('reads items from a metadata list', () => {
    const list = { items: [{ metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } } }, { metadata: {} }] };
    expect(itemsOfList(list, { group: 'apps', version: 'v1', resource: 'deployments', kind: 'Deployment' })).toEqual([deploy('web', { app: 'web' })]);
  });

  it('searches every listable kind once, the everyday ones first, never events', () => {
    const list = (groupVersion: string, resources: [string, string, string[]][]) => ({
      groupVersion,
      resources: resources.map(([name, kind, verbs]) => ({ name, kind, namespaced: true, verbs })),
    });
    const d = buildDiscovery(
      list('v1', [
        ['configmaps', 'ConfigMap', ['get', 'list']],
        ['endpoints', 'Endpoints', ['get', 'list']],
        ['events', 'Event', ['get', 'list']],
        ['pods', 'Pod', ['get', 'list']],
      ]),
      [
        { name: 'apps', version: 'v1', list: list('apps/v1', [['deployments', 'Deployment', ['get', 'list']]]) },
        { name: 'coordination.k8s.io', version: 'v1', list: list('coordination.k8s.io/v1', [['leases', 'Lease', ['get', 'list']]]) },
        { name: 'events.k8s.io', version: 'v1', list: list('events.k8s.io/v1', [['events', 'Event', ['get', 'list']]]) },
        { name: 'example.com', version: 'v1', list: list('example.com/v1', [['widgets', 'Widget', ['get', 'list']]]) },
      ],
    );
    const kinds = searchableKinds(d).map((k) => `${k.group}/${k.resource}`);
    expect(kinds.slice(0, 3)).toEqual(['/pods', 'apps/deployments', '/configmaps']);
    expect([...kinds].sort()).toEqual(['/configmaps', '/endpoints', '/pods', 'apps/deployments', 'coordination.k8s.io/leases', 'example.com/widgets']);
  });
});
