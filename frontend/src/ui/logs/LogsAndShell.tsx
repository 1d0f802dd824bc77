import { useState } from 'react';
import type { K8sObject } from '../../api/types';
import { Section } from '../common';
import { PodTerminal } from '../terminal/PodTerminal';
import { PodLogs, WorkloadLogs } from './PodLogs';

const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet']);

/**
 * The Logs (and, for a pod, Shell) sections of a detail page: a pod's logs and shell, a workload's
 * logs across its pods. Logs stream only once shown, so opening a page costs no stream.
 */
export function LogsAndShell({ object }: { object: K8sObject }) {
  const [showLogs, setShowLogs] = useState(false);
  const pod = object.kind === 'Pod' && (object.apiVersion ?? 'v1') === 'v1';
  const workload = !!object.kind && WORKLOADS.has(object.kind) && (object.apiVersion ?? '').startsWith('apps/');
  if (!pod && !workload) return null;
  return (
    <>
      <Section
        title="Logs"
        id="logs"
        actions={
          <button type="button" onClick={() => setShowLogs(!showLogs)} aria-expanded={showLogs} data-testid="logs-toggle">
            {showLogs ? 'Hide logs' : workload ? 'Show logs of its pods' : 'Show logs'}
          </button>
        }
      >
        {showLogs ? pod ? <PodLogs pod={object} /> : <WorkloadLogs workload={object} /> : null}
      </Section>
      {pod && (
        <Section title="Shell" id="shell">
          <PodTerminal pod={object} />
        </Section>
      )}
    </>
  );
}
