import { describe, expect, it } from 'vitest';
import { nodeTone, podTone, readyTone, resourceOfUrl, statusColumnName, statusTone } from '../src/api/status';

describe('status tones', () => {
  it('finds the status column of a list', () => {
    expect(resourceOfUrl('/clusters/demo/api/v1/namespaces/default/pods')).toBe('pods');
    expect(resourceOfUrl('/clusters/demo/apis/apps/v1/deployments?x=1')).toBe('deployments');
    expect(statusColumnName('pods')).toBe('Status');
    expect(statusColumnName('deployments')).toBe('Ready');
    expect(statusColumnName('configmaps')).toBeUndefined();
  });

  it('tones pod statuses', () => {
    for (const s of ['Running', 'Completed', 'Succeeded']) expect(podTone(s)).toBe('ok');
    for (const s of ['Pending', 'ContainerCreating', 'Terminating', 'Init:0/2', 'PodInitializing']) expect(podTone(s)).toBe('progress');
    for (const s of ['CrashLoopBackOff', 'ImagePullBackOff', 'ErrImagePull', 'OOMKilled', 'Error', 'Failed', 'Init:CrashLoopBackOff', 'Evicted', 'Unknown']) expect(podTone(s)).toBe('bad');
    expect(podTone('')).toBe('neutral');
  });

  it('tones nodes and workloads', () => {
    expect(nodeTone('Ready')).toBe('ok');
    expect(nodeTone('NotReady')).toBe('bad');
    expect(nodeTone('Ready,SchedulingDisabled')).toBe('progress');
    expect(nodeTone('NotReady,SchedulingDisabled')).toBe('bad');
    expect(readyTone('3/3')).toBe('ok');
    expect(readyTone('1/3')).toBe('progress');
    expect(readyTone('0/0')).toBe('neutral');
    expect(readyTone('n/a')).toBe('neutral');
    expect(statusTone('deployments', '2/2')).toBe('ok');
    expect(statusTone('persistentvolumeclaims', 'Bound')).toBe('ok');
    expect(statusTone('persistentvolumeclaims', 'Pending')).toBe('progress');
    expect(statusTone('persistentvolumes', 'Failed')).toBe('bad');
    expect(statusTone('namespaces', 'Active')).toBe('ok');
  });
});
