import { describe, expect, it } from 'vitest';
import {
  conditionTone,
  countProblems,
  eventsWarningsFirst,
  formatBytes,
  formatCores,
  isStuckPending,
  nodeUsage,
  parseQuantity,
  problemFor,
} from '../src/api/health';

const now = Date.parse('2024-06-01T12:00:00Z');
const pod = (name: string, status: object, created = '2024-06-01T11:00:00Z') => ({ metadata: { name, creationTimestamp: created }, status });

describe('health', () => {
  it('counts what is broken', () => {
    const pods = {
      items: [
        pod('ok', { phase: 'Running', containerStatuses: [{ state: { running: {} } }] }),
        pod('crash', { phase: 'Running', containerStatuses: [{ state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { reason: 'OOMKilled' } } }] }),
        pod('pull', { phase: 'Pending', containerStatuses: [{ state: { waiting: { reason: 'ImagePullBackOff' } } }] }, '2024-06-01T11:58:00Z'),
        pod('stuck', { phase: 'Pending' }, '2024-06-01T11:00:00Z'),
        pod('fresh', { phase: 'Pending' }, '2024-06-01T11:59:00Z'),
      ],
    };
    const nodes = {
      items: [
        { metadata: { name: 'n1' }, status: { conditions: [{ type: 'Ready', status: 'True' }, { type: 'MemoryPressure', status: 'False' }] } },
        { metadata: { name: 'n2' }, status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } },
      ],
    };
    const jobs = { items: [{ metadata: { name: 'j' }, status: { conditions: [{ type: 'Failed', status: 'True' }] } }, { metadata: { name: 'k' }, status: {} }] };
    const events = { items: [{ type: 'Warning' }, { type: 'Normal' }] };
    // A budget blocks a drain when it allows no eviction while covering pods; one that covers no pod
    // yet (expectedPods 0) does not, nor does one that allows an eviction.
    const budgets = {
      items: [
        { metadata: { name: 'tight' }, status: { disruptionsAllowed: 0, expectedPods: 2 } },
        { metadata: { name: 'empty' }, status: { disruptionsAllowed: 0, expectedPods: 0 } },
        { metadata: { name: 'fine' }, status: { disruptionsAllowed: 1, expectedPods: 2 } },
      ],
    };
    expect(countProblems({ pods, nodes, jobs, events, budgets }, now)).toEqual({ crashloop: 1, imagepull: 1, pending: 1, oomkilled: 1, notready: 1, failed: 1, nodisruption: 1, warning: 1 });
    expect(countProblems({ pods: null }, now)).toEqual({});
    expect(isStuckPending(pod('x', { phase: 'Pending' }, '2024-06-01T11:56:00Z'), now)).toBe(false);
  });

  it('applies a ?problem= filter only to its resource', () => {
    expect(problemFor('crashloop', { group: '', resource: 'pods' })?.label).toMatch(/CrashLoopBackOff/);
    expect(problemFor('crashloop', { group: '', resource: 'nodes' })).toBeNull();
    expect(problemFor('failed', { group: 'batch', resource: 'jobs' })).not.toBeNull();
    expect(problemFor('nonsense', { group: '', resource: 'pods' })).toBeNull();
    expect(problemFor(undefined, { group: '', resource: 'pods' })).toBeNull();
  });

  it('reads quantities and node use', () => {
    expect(parseQuantity('250m')).toBe(0.25);
    expect(parseQuantity('4')).toBe(4);
    expect(parseQuantity('1Gi')).toBe(2 ** 30);
    expect(parseQuantity('131072Ki')).toBe(128 * 2 ** 20);
    expect(parseQuantity('1e3')).toBe(1000);
    expect(parseQuantity('12345678n')).toBeCloseTo(0.012345678);
    expect(parseQuantity('lots')).toBeNaN();
    expect(formatCores(0.25)).toBe('250m');
    expect(formatCores(2)).toBe('2');
    expect(formatBytes(1.5 * 2 ** 30)).toBe('1.5 GiB');
    const nodes = { items: [{ metadata: { name: 'n1' }, status: { allocatable: { cpu: '4', memory: '8Gi' }, conditions: [{ type: 'Ready', status: 'True' }] } }, { metadata: { name: 'n2' }, status: {} }] };
    const metrics = { items: [{ metadata: { name: 'n1' }, usage: { cpu: '500m', memory: '2Gi' } }] };
    expect(nodeUsage(nodes, metrics)).toEqual([
      { name: 'n1', ready: true, cpu: { used: 0.5, allocatable: 4 }, memory: { used: 2 ** 31, allocatable: 8 * 2 ** 30 } },
      { name: 'n2', ready: false },
    ]);
    expect(nodeUsage(nodes, null).map((n) => n.cpu)).toEqual([undefined, undefined]);
  });

  it('colours conditions by what is good for their type', () => {
    expect(conditionTone('Ready', 'True')).toBe('ok');
    expect(conditionTone('Ready', 'False')).toBe('bad');
    expect(conditionTone('MemoryPressure', 'False')).toBe('ok');
    expect(conditionTone('DiskPressure', 'True')).toBe('bad');
    expect(conditionTone('NetworkUnavailable', 'False')).toBe('ok');
    expect(conditionTone('ReplicaFailure', 'True')).toBe('bad');
    expect(conditionTone('Ready', 'Unknown')).toBe('');
  });

  it('puts warning events first, newest first', () => {
    const e = (type: string, t: string) => ({ type, lastTimestamp: t });
    const list = [e('Normal', '2024-06-01T11:59:00Z'), e('Warning', '2024-06-01T10:00:00Z'), e('Warning', '2024-06-01T11:00:00Z'), e('Normal', '2024-06-01T11:00:00Z')];
    const sorted = eventsWarningsFirst(list, (x) => Date.parse(x.lastTimestamp));
    expect(sorted.map((x) => `${x.type} ${x.lastTimestamp.slice(11, 16)}`)).toEqual(['Warning 11:00', 'Warning 10:00', 'Normal 11:59', 'Normal 11:00']);
  });
});
