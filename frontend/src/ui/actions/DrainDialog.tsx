import { useEffect, useRef, useState } from 'react';
import { cordonPatch, eviction, planDrain } from '../../api/actions';
import { ApiError, getJson } from '../../api/client';
import type { K8sObject } from '../../api/types';
import { PATCH, sendJson } from '../../api/write';
import { useCluster } from '../cluster';
import { Dialog, WriteError } from './Dialog';

interface Pod extends K8sObject {
  spec?: { volumes?: { name: string; emptyDir?: unknown }[] };
  status?: { phase?: string };
}

type PodState = { state: 'waiting' } | { state: 'evicting'; attempt: number } | { state: 'evicted' } | { state: 'failed'; message: string };

/** A PodDisruptionBudget says "not now" with 429: try again, as kubectl drain does, for a while. */
const RETRY_MS = 5000;
const MAX_ATTEMPTS = 24;
const PARALLEL = 4;

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

/** `kubectl drain`: cordon the node, then evict its pods (not DaemonSet or mirror pods), with progress. */
export function DrainDialog({ node, nodeUrl, onClose, onDone }: { node: K8sObject; nodeUrl: string; onClose: () => void; onDone: (message: string) => void }) {
  const { prefix } = useCluster();
  const name = node.metadata.name;
  const [pods, setPods] = useState<Pod[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [phase, setPhase] = useState<'plan' | 'running' | 'done' | 'stopped'>('plan');
  const [progress, setProgress] = useState<Record<string, PodState>>({});
  const abort = useRef<AbortController | null>(null);
  const [summary, setSummary] = useState<string | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    getJson<{ items: Pod[] }>(`${prefix}/api/v1/pods?fieldSelector=${encodeURIComponent(`spec.nodeName=${name}`)}`, { signal: controller.signal }).then(
      (list) => setPods(list.items ?? []),
      (e) => {
        if ((e as Error)?.name !== 'AbortError') setError(e);
      },
    );
    return () => controller.abort();
  }, [prefix, name]);
  useEffect(() => () => abort.current?.abort(), []);

  const plan = pods ? planDrain(pods) : null;
  const key = (pod: Pod) => `${pod.metadata.namespace}/${pod.metadata.name}`;

  const drain = async () => {
    if (!plan) return;
    const controller = new AbortController();
    abort.current = controller;
    setPhase('running');
    setError(null);
    setProgress(Object.fromEntries(plan.evict.map((p) => [key(p), { state: 'waiting' } as PodState])));
    const set = (pod: Pod, state: PodState) => setProgress((p) => ({ ...p, [key(pod)]: state }));
    try {
      await sendJson('PATCH', nodeUrl, cordonPatch(true), { contentType: PATCH.merge });
    } catch (e) {
      setError(e);
      setPhase('stopped');
      return;
    }
    const queue = [...plan.evict];
    let failed = 0;
    const worker = async () => {
      for (let pod = queue.shift(); pod && !controller.signal.aborted; pod = queue.shift()) {
        const ns = pod.metadata.namespace ?? '';
        const url = `${prefix}/api/v1/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(pod.metadata.name)}/eviction`;
        for (let attempt = 1; ; attempt++) {
          set(pod, { state: 'evicting', attempt });
          try {
            await sendJson('POST', url, eviction(pod.metadata.name, ns), { signal: controller.signal });
            set(pod, { state: 'evicted' });
            break;
          } catch (e) {
            if (e instanceof ApiError && e.code === 404) {
              set(pod, { state: 'evicted' }); // already gone
              break;
            }
            if (e instanceof ApiError && e.code === 429 && attempt < MAX_ATTEMPTS && !controller.signal.aborted) {
              await sleep(RETRY_MS, controller.signal);
              continue;
            }
            failed++;
            set(pod, { state: 'failed', message: (e as Error)?.message ?? String(e) });
            break;
          }
        }
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
    if (controller.signal.aborted) {
      setPhase('stopped');
      return;
    }
    setPhase('done');
    setSummary(
      failed === 0
        ? `Drained node ${name}: cordoned, ${plan.evict.length} pod${plan.evict.length === 1 ? '' : 's'} evicted.`
        : `Node ${name} is cordoned; ${failed} of ${plan.evict.length} evictions failed.`,
    );
  };

  const evicted = Object.values(progress).filter((s) => s.state === 'evicted').length;
  const total = plan?.evict.length ?? 0;
  const stateText = (s: PodState | undefined) =>
    !s ? '' : s.state === 'evicting' ? (s.attempt > 1 ? `evicting (try ${s.attempt}: a disruption budget refused)` : 'evicting…') : s.state === 'failed' ? `failed: ${s.message}` : s.state;

  return (
    <Dialog
      title={`Drain node ${name}`}
      onClose={onClose}
      wide
      testId="drain-dialog"
      footer={
        phase === 'running' ? (
          <button type="button" onClick={() => abort.current?.abort()} data-testid="drain-stop">
            Stop
          </button>
        ) : (
          <>
            <button type="button" onClick={summary ? () => onDone(summary) : onClose} data-testid="drain-close">
              {phase === 'plan' ? 'Cancel' : 'Close'}
            </button>
            {phase === 'plan' && (
              <button type="button" className="button danger-button" onClick={() => void drain()} disabled={!plan} data-testid="drain-confirm">
                Cordon and evict {total} pod{total === 1 ? '' : 's'}
              </button>
            )}
          </>
        )
      }
    >
      <p>
        Draining marks the node unschedulable (cordon), then evicts its pods through the eviction API, so PodDisruptionBudgets are respected and
        controllers recreate the pods elsewhere. DaemonSet and static pods stay.
      </p>
      {!plan && !error && <div className="spinner" role="status">Listing the pods on {name}…</div>}
      {plan && (
        <>
          {phase !== 'plan' && (
            <p role="status" data-testid="drain-progress">
              <progress max={total || 1} value={evicted} aria-label="Pods evicted" /> {evicted} of {total} evicted
              {phase === 'done' ? ' — done' : phase === 'stopped' ? ' — stopped' : ''}
            </p>
          )}
          <table className="grid drain-table" data-testid="drain-pods">
            <thead>
              <tr>
                <th scope="col">Pod</th>
                <th scope="col">Namespace</th>
                <th scope="col">{phase === 'plan' ? 'Plan' : 'Progress'}</th>
              </tr>
            </thead>
            <tbody>
              {plan.evict.map((pod) => (
                <tr key={key(pod)} data-name={pod.metadata.name}>
                  <td>{pod.metadata.name}</td>
                  <td>{pod.metadata.namespace}</td>
                  <td className="wrap">
                    {phase === 'plan'
                      ? ['evict', ...plan.warnings.filter((w) => w.pod === pod).map((w) => `⚠ ${w.why}`)].join(' · ')
                      : stateText(progress[key(pod)])}
                  </td>
                </tr>
              ))}
              {plan.skip.map(({ pod, why }) => (
                <tr key={key(pod)} className="muted" data-name={pod.metadata.name}>
                  <td>{pod.metadata.name}</td>
                  <td>{pod.metadata.namespace}</td>
                  <td>skipped: {why}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {plan.evict.length + plan.skip.length === 0 && <p className="muted">No pods run on {name}.</p>}
        </>
      )}
      <WriteError error={error} what={phase === 'plan' ? `listing the pods of ${name}` : `draining ${name}`} />
    </Dialog>
  );
}
