import { describe, expect, it } from 'vitest';
import { checkEdited, cordonPatch, createTemplate, jobFromCronJob, kindActions, planDrain, restartPatch, RESTARTED_AT, withResourceVersion } from '../src/api/actions';
import type { K8sObject } from '../src/api/types';

describe('restartPatch', () => {
  it('sets the pod template annotation kubectl rollout restart sets, in RFC 3339 seconds', () => {
    expect(restartPatch(new Date('2026-12-03T19:20:30.456Z'))).toEqual({
      spec: { template: { metadata: { annotations: { [RESTARTED_AT]: '2026-12-03T19:20:30Z' } } } },
    });
    expect(RESTARTED_AT).toBe('kubectl.kubernetes.io/restartedAt');
  });
});

describe('kindActions', () => {
  it('offers scale, restart, node and CronJob actions on the right kinds', () => {
    expect(kindActions('apps', 'deployments')).toEqual({ scale: true, restart: true, node: false, cronJob: false });
    expect(kindActions('apps', 'replicasets')).toMatchObject({ scale: true, restart: false });
    expect(kindActions('apps', 'daemonsets')).toMatchObject({ scale: false, restart: true });
    expect(kindActions('apps', 'statefulsets')).toMatchObject({ scale: true, restart: true });
    expect(kindActions('', 'nodes')).toMatchObject({ node: true, scale: false });
    expect(kindActions('batch', 'cronjobs')).toMatchObject({ cronJob: true });
    expect(kindActions('example.com', 'deployments')).toEqual({ scale: false, restart: false, node: false, cronJob: false });
  });
  it('cordons with true and uncordons by removing the field', () => {
    expect(cordonPatch(true)).toEqual({ spec: { unschedulable: true } });
    expect(cordonPatch(false)).toEqual({ spec: { unschedulable: null } });
  });
});

describe('planDrain', () => {
  const pod = (name: string, extra: Record<string, unknown> = {}, meta: Record<string, unknown> = {}) => ({
    metadata: { name, namespace: 'default', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: 'u', controller: true }], ...meta },
    ...extra,
  });
  it('evicts managed pods and skips DaemonSet, mirror and terminating pods', () => {
    const pods = [
      pod('web-a'),
      pod('fluentd-x', {}, { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'fluentd', uid: 'd', controller: true }] }),
      pod('etcd-node-1', {}, { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: 'node-1', uid: 'n', controller: true }], annotations: { 'kubernetes.io/config.mirror': 'abc' } }),
      pod('web-b', {}, { deletionTimestamp: '2026-12-03T00:00:00Z' }),
      pod('bare', { status: { phase: 'Running' } }, { ownerReferences: [] }),
      pod('cache', { spec: { volumes: [{ name: 'tmp', emptyDir: {} }] } }),
      pod('done', { status: { phase: 'Succeeded' } }, { ownerReferences: undefined }),
    ];
    const plan = planDrain(pods);
    expect(plan.evict.map((p) => p.metadata.name)).toEqual(['web-a', 'bare', 'cache', 'done']);
    expect(plan.skip.map((s) => [s.pod.metadata.name, s.why])).toEqual([
      ['fluentd-x', 'managed by DaemonSet fluentd'],
      ['etcd-node-1', 'a static (mirror) pod'],
      ['web-b', 'already being deleted'],
    ]);
    expect(plan.warnings.map((w) => [w.pod.metadata.name, w.why])).toEqual([
      ['bare', 'no controller: it will not be recreated'],
      ['cache', 'its emptyDir data will be lost'],
    ]);
  });
});

describe('jobFromCronJob', () => {
  const cronJob: K8sObject = {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'nightly-report', namespace: 'team-a', uid: 'cj-uid' },
    spec: { schedule: '0 2 * * *', jobTemplate: { metadata: { labels: { app: 'report' } }, spec: { template: { spec: { containers: [{ name: 'r', image: 'report:1' }], restartPolicy: 'OnFailure' } } } } },
  };
  it('makes a Job from the template, owned by the CronJob', () => {
    const job = jobFromCronJob(cronJob, new Date(1_700_000_000_000));
    expect(job.kind).toBe('Job');
    expect(job.apiVersion).toBe('batch/v1');
    expect(job.metadata.name).toMatch(/^nightly-report-manual-[a-z0-9]+$/);
    expect(job.metadata.namespace).toBe('team-a');
    expect(job.metadata.labels).toEqual({ app: 'report' });
    expect(job.metadata.annotations).toEqual({ 'cronjob.kubernetes.io/instantiate': 'manual' });
    expect(job.metadata.ownerReferences).toEqual([{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'nightly-report', uid: 'cj-uid', controller: true, blockOwnerDeletion: true }]);
    expect(job.spec).toEqual((cronJob.spec as { jobTemplate: { spec: unknown } }).jobTemplate.spec);
    expect(job.spec).not.toBe((cronJob.spec as { jobTemplate: { spec: unknown } }).jobTemplate.spec);
  });
  it('keeps long names within a DNS label', () => {
    const long = { ...cronJob, metadata: { ...cronJob.metadata, name: 'a'.repeat(60) } };
    expect(jobFromCronJob(long, new Date()).metadata.name.length).toBeLessThanOrEqual(52);
  });
});

describe('editing', () => {
  const original: K8sObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default', resourceVersion: '7' } };
  it('refuses an edit that names another object', () => {
    expect(checkEdited({ ...original, spec: { replicas: 3 } }, original)).toBeNull();
    expect(checkEdited({ ...original, kind: 'StatefulSet' }, original)).toMatch(/kind must stay Deployment/);
    expect(checkEdited({ ...original, metadata: { name: 'other', namespace: 'default' } }, original)).toMatch(/metadata.name must stay web/);
    expect(checkEdited({ ...original, metadata: { name: 'web', namespace: 'x' } }, original)).toMatch(/namespace must stay default/);
    expect(checkEdited([original], original)).toMatch(/one object/);
  });
  it('reapplies over the live resourceVersion without touching the edit', () => {
    const copy = withResourceVersion(original, '9');
    expect(copy.metadata.resourceVersion).toBe('9');
    expect(original.metadata.resourceVersion).toBe('7');
  });
  it('starts a Create from the kind', () => {
    expect(createTemplate('v1', 'ConfigMap', 'team-a')).toBe('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ""\n  namespace: team-a\ndata:\n  key: value\n');
    expect(createTemplate('v1', 'Namespace', undefined)).not.toMatch(/namespace:/);
  });
});
