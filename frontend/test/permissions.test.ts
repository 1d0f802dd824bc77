import { describe, expect, it } from 'vitest';
import { accessKey, accessReview, decisionOf, describeAccess, PermissionCache, rulesAllow, ACCESS_REVIEWS, RULES_REVIEWS } from '../src/api/permissions';

function fakeFetch(answer: (body: { spec: { resourceAttributes?: Record<string, string>; namespace?: string } }) => unknown, status = 201) {
  const calls: { url: string; body: unknown }[] = [];
  const fetch = async (url: string, init?: RequestInit) => {
    const body = JSON.parse(String(init?.body));
    calls.push({ url, body });
    return new Response(JSON.stringify(answer(body)), { status, headers: { 'Content-Type': 'application/json' } });
  };
  return { fetch, calls };
}

describe('accessKey', () => {
  it('keys every attribute, absent ones like empty ones', () => {
    const a = accessKey('/clusters/demo', { verb: 'patch', group: 'apps', resource: 'deployments', subresource: 'scale', namespace: 'default', name: 'web' });
    expect(a).toBe(accessKey('/clusters/demo', { name: 'web', namespace: 'default', subresource: 'scale', resource: 'deployments', group: 'apps', verb: 'patch' }));
    expect(accessKey('/c', { verb: 'list', resource: 'pods' })).toBe(accessKey('/c', { verb: 'list', group: '', resource: 'pods', subresource: '', namespace: '', name: '' }));
    const variants = [
      accessKey('/clusters/other', { verb: 'patch', group: 'apps', resource: 'deployments', subresource: 'scale', namespace: 'default', name: 'web' }),
      accessKey('/clusters/demo', { verb: 'update', group: 'apps', resource: 'deployments', subresource: 'scale', namespace: 'default', name: 'web' }),
      accessKey('/clusters/demo', { verb: 'patch', group: 'apps', resource: 'deployments', namespace: 'default', name: 'web' }),
      accessKey('/clusters/demo', { verb: 'patch', group: 'apps', resource: 'deployments', subresource: 'scale', namespace: 'team-a', name: 'web' }),
      accessKey('/clusters/demo', { verb: 'patch', group: 'apps', resource: 'deployments', subresource: 'scale', namespace: 'default' }),
    ];
    expect(new Set([a, ...variants]).size).toBe(6);
  });

  it('cannot be confused by separators inside values', () => {
    expect(accessKey('/c', { verb: 'get', resource: 'a', namespace: 'b|c' })).not.toBe(accessKey('/c', { verb: 'get', resource: 'a|b', namespace: 'c' }));
  });
});

describe('reviews', () => {
  it('sends resourceAttributes as kubectl auth can-i does', () => {
    expect(accessReview({ verb: 'create', resource: 'pods', subresource: 'exec', namespace: 'default', name: 'web-1' })).toEqual({
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      spec: { resourceAttributes: { verb: 'create', group: '', resource: 'pods', subresource: 'exec', namespace: 'default', name: 'web-1' } },
    });
  });

  it('says why not in words', () => {
    const check = { verb: 'patch', group: 'apps', resource: 'deployments', subresource: 'scale', namespace: 'x' };
    expect(describeAccess(check)).toBe('patch deployments/scale.apps in namespace x');
    expect(decisionOf(check, { allowed: false })).toEqual({ allowed: false, reason: 'You cannot patch deployments/scale.apps in namespace x.' });
    expect(decisionOf({ verb: 'patch', resource: 'nodes', name: 'n1' }, { allowed: false, reason: 'no RBAC policy matched' }).reason).toBe(
      'You cannot patch nodes “n1” cluster-wide (no RBAC policy matched).',
    );
    expect(decisionOf(check, { allowed: true, reason: 'RBAC: allowed by ClusterRoleBinding' })).toEqual({ allowed: true, reason: '' });
  });
});

describe('PermissionCache', () => {
  it('asks once per check while fresh, again after the TTL', async () => {
    let now = 1000;
    const { fetch, calls } = fakeFetch((body) => ({ status: { allowed: body.spec.resourceAttributes?.verb === 'get' } }));
    const cache = new PermissionCache({ fetch, now: () => now, ttlMs: 30_000 });
    const get = { verb: 'get', resource: 'pods', namespace: 'default' };
    const del = { verb: 'delete', resource: 'pods', namespace: 'default' };
    const [a, b, c] = await Promise.all([cache.can('/clusters/demo', get), cache.can('/clusters/demo', get), cache.can('/clusters/demo', del)]);
    expect(a.allowed).toBe(true);
    expect(b).toBe(a);
    expect(c.allowed).toBe(false);
    expect(c.reason).toMatch(/You cannot delete pods in namespace default/);
    expect(calls.map((x) => x.url)).toEqual(['/clusters/demo' + ACCESS_REVIEWS, '/clusters/demo' + ACCESS_REVIEWS]);
    expect(cache.peek('/clusters/demo', get)).toEqual(a);
    now += 29_000;
    await cache.can('/clusters/demo', get);
    expect(calls).toHaveLength(2);
    now += 2_000;
    expect(cache.peek('/clusters/demo', get)).toBeUndefined();
    await cache.can('/clusters/demo', get);
    expect(calls).toHaveLength(3);
    // Another cluster is another question.
    await cache.can('/clusters/other', get);
    expect(calls).toHaveLength(4);
  });

  it('allows when the review itself fails, and asks again sooner', async () => {
    let now = 0;
    const { fetch, calls } = fakeFetch(() => ({ kind: 'Status', message: 'no reviews here', code: 404 }), 404);
    const cache = new PermissionCache({ fetch, now: () => now, errorTtlMs: 5000 });
    const decision = await cache.can('/c', { verb: 'delete', resource: 'pods' });
    expect(decision.allowed).toBe(true);
    expect(decision.reason).toMatch(/Could not check the permission \(404 Not Found: no reviews here\)/);
    now += 6000;
    await cache.can('/c', { verb: 'delete', resource: 'pods' });
    expect(calls).toHaveLength(2);
  });

  it('reads the rules of a namespace', async () => {
    const { fetch, calls } = fakeFetch((body) => ({ status: { resourceRules: [{ verbs: ['list'], apiGroups: [''], resources: ['pods'] }], namespace: body.spec.namespace } }));
    const cache = new PermissionCache({ fetch });
    const rules = await cache.rules('/c', 'team-a');
    expect(calls[0].url).toBe('/c' + RULES_REVIEWS);
    expect(calls[0].body).toEqual({ apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace: 'team-a' } });
    expect(rulesAllow(rules, 'list', '', 'pods')).toBe(true);
    expect(rulesAllow(rules, 'list', '', 'secrets')).toBe(false);
  });
});

describe('rulesAllow', () => {
  const review = {
    resourceRules: [
      { verbs: ['get', 'list', 'watch'], apiGroups: ['', 'apps'], resources: ['pods', 'deployments'] },
      { verbs: ['*'], apiGroups: ['batch'], resources: ['*'] },
      { verbs: ['list'], apiGroups: [''], resources: ['secrets'], resourceNames: ['only-this-one'] },
    ],
  };
  it('matches verbs, groups and resources, wildcards included', () => {
    expect(rulesAllow(review, 'list', '', 'pods')).toBe(true);
    expect(rulesAllow(review, 'list', 'apps', 'deployments')).toBe(true);
    expect(rulesAllow(review, 'delete', '', 'pods')).toBe(false);
    expect(rulesAllow(review, 'list', 'batch', 'cronjobs')).toBe(true);
    expect(rulesAllow(review, 'list', '', 'configmaps')).toBe(false);
  });
  it('does not count a rule limited to some names as listing', () => {
    expect(rulesAllow(review, 'list', '', 'secrets')).toBe(false);
  });
  it('allows when it cannot know', () => {
    expect(rulesAllow(null, 'list', '', 'secrets')).toBe(true);
    expect(rulesAllow({ ...review, incomplete: true }, 'list', '', 'secrets')).toBe(true);
  });
});
