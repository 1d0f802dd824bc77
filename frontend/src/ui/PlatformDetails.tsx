import { Fragment, type ReactNode } from 'react';
import { accessModesText, ingressRoutes, metricRows, podsText, policyTypes, roleRefLink, ruleRows, selectorText, subjectRows, trafficRows, type ObjectLink } from '../api/platform';
import { routeToUrl } from '../api/routes';
import { part, type K8sObject } from '../api/types';
import { useCluster } from './cluster';
import { Section } from './common';
import { Link } from './router';

/* Storage, networking, access control and policy: what each object means, with links to the objects it names. */

/** A link to an object's page, in the cluster and namespace choice of the page shown. */
function ObjectLinkTo({ to, children, testId }: { to: ObjectLink; children?: ReactNode; testId?: string }) {
  const { cluster, ns } = useCluster();
  return (
    <Link to={routeToUrl({ page: 'detail', cluster, ns, ...to })} data-testid={testId}>
      {children ?? to.name}
    </Link>
  );
}

/** A `<dl>` of the rows given; a row whose value is `undefined` or '' is left out. */
function Facts({ rows, testId }: { rows: [string, ReactNode][]; testId: string }) {
  return (
    <dl className="summary grid-summary" data-testid={testId}>
      {rows
        .filter(([, value]) => value !== undefined && value !== '')
        .map(([term, value]) => (
          <Fragment key={term}>
            <dt>{term}</dt>
            <dd>{value}</dd>
          </Fragment>
        ))}
    </dl>
  );
}

function Grid({ head, rows, testId, empty }: { head: string[]; rows: ReactNode[][]; testId: string; empty: string }) {
  if (!rows.length) return <p className="muted">{empty}</p>;
  return (
    <table className="grid" data-testid={testId}>
      <thead>
        <tr>
          {head.map((h) => (
            <th key={h} scope="col">
              {h}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((cells, i) => (
          <tr key={i}>
            {cells.map((cell, j) => (
              <td key={j}>{cell}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const none = <span className="muted">none</span>;

function Binding({ object }: { object: K8sObject }) {
  const role = roleRefLink(object as Parameters<typeof roleRefLink>[0]);
  const ref = part<{ kind?: string; name?: string }>(object.roleRef);
  const subjects = subjectRows(object as Parameters<typeof subjectRows>[0]);
  return (
    <>
      <Section title="Grants">
        <Facts testId="binding" rows={[['Role', role ? <ObjectLinkTo to={role} testId="role-ref">{`${ref.kind}/${ref.name}`}</ObjectLinkTo> : `${ref.kind ?? ''}/${ref.name ?? ''}`], ['Scope', object.kind === 'RoleBinding' ? `namespace ${object.metadata.namespace ?? ''} only` : 'every namespace, and cluster-scoped objects']]} />
      </Section>
      <Section title="Subjects">
        <Grid
          testId="subjects"
          head={['Kind', 'Name', 'Namespace']}
          empty="No subjects: the binding grants nothing."
          rows={subjects.map((s) => [s.kind, s.link ? <ObjectLinkTo to={s.link} /> : <span className="mono">{s.name}</span>, s.namespace ?? ''])}
        />
      </Section>
    </>
  );
}

function Rules({ object }: { object: K8sObject }) {
  const rows = ruleRows(object.rules as Parameters<typeof ruleRows>[0]);
  const aggregated = part<{ clusterRoleSelectors?: { matchLabels?: Record<string, string> }[] }>(object.aggregationRule).clusterRoleSelectors;
  return (
    <Section title="Rules">
      {aggregated?.length ? <p className="muted small">Aggregates the rules of the cluster roles labelled {aggregated.map((s) => selectorText(s)).join(' or ')}.</p> : null}
      <Grid
        testId="rules"
        head={['API groups', 'Resources', 'Names', 'Verbs']}
        empty="No rules: the role allows nothing."
        rows={rows.map((r) => [
          <span className="mono">{r.apiGroups}</span>,
          <span className="mono">{r.resources}</span>,
          r.resourceNames ? <span className="mono">{r.resourceNames}</span> : <span className="muted">all</span>,
          <span className={r.wildcard ? 'bad' : undefined} title={r.wildcard ? 'A wildcard: this rule reaches everything of its kind' : undefined}>
            {r.verbs}
          </span>,
        ])}
      />
    </Section>
  );
}

function Ingress({ object }: { object: K8sObject }) {
  const spec = part<{ ingressClassName?: string; tls?: unknown[] }>(object.spec);
  const addresses = part<{ loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } }>(object.status).loadBalancer?.ingress ?? [];
  const routes = ingressRoutes(object as Parameters<typeof ingressRoutes>[0]);
  return (
    <>
      <Section title="Ingress">
        <Facts
          testId="ingress"
          rows={[
            ['Class', spec.ingressClassName ? <ObjectLinkTo to={{ group: 'networking.k8s.io', version: 'v1', resource: 'ingressclasses', name: spec.ingressClassName }} /> : <span className="muted">the default class</span>],
            ['Addresses', addresses.length ? <span className="mono">{addresses.map((a) => a.ip ?? a.hostname).join(', ')}</span> : <span className="muted">not yet assigned</span>],
          ]}
        />
      </Section>
      <Section title="Rules">
        <Grid
          testId="ingress-rules"
          head={['Host', 'Path', 'Backend', 'TLS']}
          empty="No rules and no default backend."
          rows={routes.map((r) => [
            <span className="mono">{r.host}</span>,
            <span className="mono" title={r.pathType}>
              {r.path}
            </span>,
            r.service ? <ObjectLinkTo to={r.service}>{r.backend}</ObjectLinkTo> : <span className="mono">{r.backend}</span>,
            r.tlsSecret ? <ObjectLinkTo to={{ group: '', version: 'v1', resource: 'secrets', namespace: object.metadata.namespace, name: r.tlsSecret }} /> : none,
          ])}
        />
      </Section>
    </>
  );
}

function NetworkPolicy({ object }: { object: K8sObject }) {
  const spec = part<{ podSelector?: Parameters<typeof selectorText>[0]; ingress?: Parameters<typeof trafficRows>[0]; egress?: Parameters<typeof trafficRows>[0]; policyTypes?: string[] }>(object.spec);
  const namespace = object.metadata.namespace;
  const types = policyTypes(spec);
  const direction = (type: 'Ingress' | 'Egress', rules: Parameters<typeof trafficRows>[0], peer: 'from' | 'to') =>
    types.includes(type) && (
      <Section title={type === 'Ingress' ? 'Allowed in' : 'Allowed out'}>
        <Grid testId={`policy-${type.toLowerCase()}`} head={[peer === 'from' ? 'From' : 'To', 'Ports']} empty={`Nothing: all ${type.toLowerCase()} traffic of the selected pods is denied.`} rows={trafficRows(rules, peer, namespace).map((r) => [r.peers, r.ports])} />
      </Section>
    );
  return (
    <>
      <Section title="Network policy">
        <Facts
          testId="network-policy"
          rows={[
            ['Applies to', podsText(spec.podSelector, `every pod in ${namespace ?? 'the namespace'}`)],
            ['Isolates', types.join(' and ')],
          ]}
        />
      </Section>
      {direction('Ingress', spec.ingress, 'from')}
      {direction('Egress', spec.egress, 'to')}
    </>
  );
}

function Claim({ object }: { object: K8sObject }) {
  const spec = part<{ volumeName?: string; storageClassName?: string; volumeMode?: string; resources?: { requests?: { storage?: string } } }>(object.spec);
  const status = part<{ phase?: string; capacity?: { storage?: string }; accessModes?: string[] }>(object.status);
  return (
    <Section title="Claim">
      <Facts
        testId="claim"
        rows={[
          ['Status', <span className={status.phase === 'Bound' ? 'ok' : status.phase === 'Lost' ? 'bad' : undefined}>{status.phase ?? 'Pending'}</span>],
          ['Volume', spec.volumeName ? <ObjectLinkTo to={{ group: '', version: 'v1', resource: 'persistentvolumes', name: spec.volumeName }} testId="claim-volume" /> : <span className="muted">not bound yet</span>],
          ['Requested', spec.resources?.requests?.storage],
          ['Capacity', status.capacity?.storage],
          ['Access modes', accessModesText(status.accessModes)],
          ['Storage class', spec.storageClassName ? <ObjectLinkTo to={{ group: 'storage.k8s.io', version: 'v1', resource: 'storageclasses', name: spec.storageClassName }} testId="claim-class" /> : <span className="muted">none</span>],
          ['Volume mode', spec.volumeMode ?? 'Filesystem'],
        ]}
      />
    </Section>
  );
}

function Volume({ object }: { object: K8sObject }) {
  const spec = part<{ capacity?: { storage?: string }; accessModes?: string[]; persistentVolumeReclaimPolicy?: string; storageClassName?: string; claimRef?: { namespace?: string; name?: string } }>(object.spec);
  const status = part<{ phase?: string; reason?: string }>(object.status);
  const claim = spec.claimRef;
  return (
    <Section title="Volume">
      <Facts
        testId="volume"
        rows={[
          ['Status', `${status.phase ?? ''}${status.reason ? ` (${status.reason})` : ''}`],
          ['Claim', claim?.name ? <ObjectLinkTo to={{ group: '', version: 'v1', resource: 'persistentvolumeclaims', namespace: claim.namespace, name: claim.name }} testId="volume-claim">{`${claim.namespace ?? ''}/${claim.name}`}</ObjectLinkTo> : <span className="muted">available</span>],
          ['Capacity', spec.capacity?.storage],
          ['Access modes', accessModesText(spec.accessModes)],
          ['Reclaim policy', spec.persistentVolumeReclaimPolicy ?? 'Retain'],
          ['Storage class', spec.storageClassName ? <ObjectLinkTo to={{ group: 'storage.k8s.io', version: 'v1', resource: 'storageclasses', name: spec.storageClassName }} /> : undefined],
        ]}
      />
    </Section>
  );
}

function StorageClass({ object }: { object: K8sObject }) {
  const isDefault = object.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true';
  const parameters = part<Record<string, string>>(object.parameters);
  return (
    <Section title="Storage class">
      <Facts
        testId="storage-class"
        rows={[
          ['Provisioner', <span className="mono">{String(object.provisioner ?? '')}</span>],
          ['Default', isDefault ? 'yes: claims without a class get this one' : 'no'],
          ['Reclaim policy', String(object.reclaimPolicy ?? 'Delete')],
          ['Binding mode', String(object.volumeBindingMode ?? 'Immediate')],
          ['Volume expansion', object.allowVolumeExpansion === true ? 'allowed' : 'not allowed'],
          ['Parameters', Object.keys(parameters).length ? Object.entries(parameters).map(([k, v]) => `${k}=${v}`).join(', ') : undefined],
        ]}
      />
    </Section>
  );
}

function ServiceAccount({ object }: { object: K8sObject }) {
  const namespace = object.metadata.namespace;
  const secrets = (object.secrets as { name?: string }[] | undefined) ?? [];
  const pullSecrets = (object.imagePullSecrets as { name?: string }[] | undefined) ?? [];
  const link = (s: { name?: string }) => (s.name ? <ObjectLinkTo key={s.name} to={{ group: '', version: 'v1', resource: 'secrets', namespace, name: s.name }} /> : null);
  const list = (items: { name?: string }[]) => (items.length ? <span className="link-list">{items.map(link)}</span> : none);
  return (
    <Section title="Service account">
      <Facts
        testId="service-account"
        rows={[
          ['Token mounted', object.automountServiceAccountToken === false ? 'no (automountServiceAccountToken: false)' : 'yes, unless a pod says otherwise'],
          ['Secrets', list(secrets)],
          ['Image pull secrets', list(pullSecrets)],
        ]}
      />
    </Section>
  );
}

function Autoscaler({ object }: { object: K8sObject }) {
  const spec = part<{ scaleTargetRef?: { apiVersion?: string; kind?: string; name?: string }; minReplicas?: number; maxReplicas?: number }>(object.spec);
  const status = part<{ currentReplicas?: number; desiredReplicas?: number }>(object.status);
  const target = spec.scaleTargetRef;
  const targetLink = targetRef(target, object.metadata.namespace);
  const metrics = metricRows(object.spec as Parameters<typeof metricRows>[0], object.status as Parameters<typeof metricRows>[1]);
  return (
    <>
      <Section title="Autoscaling">
        <Facts
          testId="autoscaler"
          rows={[
            ['Scales', targetLink ? <ObjectLinkTo to={targetLink} testId="scale-target">{`${target?.kind}/${target?.name}`}</ObjectLinkTo> : `${target?.kind ?? ''}/${target?.name ?? ''}`],
            ['Replicas', `${status.currentReplicas ?? 0} now, ${status.desiredReplicas ?? 0} wanted, between ${spec.minReplicas ?? 1} and ${spec.maxReplicas ?? ''}`],
          ]}
        />
      </Section>
      <Section title="Metrics">
        <Grid testId="metrics" head={['Resource', 'Current', 'Target']} empty="No resource metrics (custom or external metrics are in the YAML)." rows={metrics.map((m) => [m.name, m.current, m.target])} />
      </Section>
    </>
  );
}

/** The workload an autoscaler scales, when it is a kind of `apps/v1`. */
function targetRef(target: { apiVersion?: string; kind?: string; name?: string } | undefined, namespace: string | undefined): ObjectLink | null {
  const plural: Record<string, string> = { Deployment: 'deployments', StatefulSet: 'statefulsets', ReplicaSet: 'replicasets' };
  if (!target?.name || !target.kind || !plural[target.kind] || target.apiVersion !== 'apps/v1') return null;
  return { group: 'apps', version: 'v1', resource: plural[target.kind], namespace, name: target.name };
}

function DisruptionBudget({ object }: { object: K8sObject }) {
  const spec = part<{ minAvailable?: number | string; maxUnavailable?: number | string; selector?: Parameters<typeof selectorText>[0] }>(object.spec);
  const status = part<{ currentHealthy?: number; desiredHealthy?: number; expectedPods?: number; disruptionsAllowed?: number }>(object.status);
  const allowed = status.disruptionsAllowed ?? 0;
  return (
    <Section title="Disruption budget">
      <Facts
        testId="disruption-budget"
        rows={[
          ['Pods', podsText(spec.selector, 'every pod')],
          ['Min available', spec.minAvailable !== undefined ? String(spec.minAvailable) : undefined],
          ['Max unavailable', spec.maxUnavailable !== undefined ? String(spec.maxUnavailable) : undefined],
          ['Healthy', `${status.currentHealthy ?? 0} of ${status.expectedPods ?? 0} (${status.desiredHealthy ?? 0} needed)`],
          ['Evictions allowed now', <span className={allowed === 0 ? 'bad' : 'ok'}>{allowed === 0 ? '0: a drain waits' : String(allowed)}</span>],
        ]}
      />
    </Section>
  );
}

/** The kinds around the workloads; `null` for the others. */
export default function PlatformDetails({ object }: { object: K8sObject }) {
  switch (object.kind) {
    case 'RoleBinding':
    case 'ClusterRoleBinding':
      return <Binding object={object} />;
    case 'Role':
    case 'ClusterRole':
      return <Rules object={object} />;
    case 'Ingress':
      return <Ingress object={object} />;
    case 'NetworkPolicy':
      return <NetworkPolicy object={object} />;
    case 'PersistentVolumeClaim':
      return <Claim object={object} />;
    case 'PersistentVolume':
      return <Volume object={object} />;
    case 'StorageClass':
      return <StorageClass object={object} />;
    case 'ServiceAccount':
      return <ServiceAccount object={object} />;
    case 'HorizontalPodAutoscaler':
      return <Autoscaler object={object} />;
    case 'PodDisruptionBudget':
      return <DisruptionBudget object={object} />;
    default:
      return null;
  }
}
