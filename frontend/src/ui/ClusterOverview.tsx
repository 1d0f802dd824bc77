import { useEffect, useState } from 'react';
import { findByKind, findResource } from '../api/discovery';
import { countProblems, eventsWarningsFirst, formatBytes, formatCores, nodeUsage, PROBLEMS, type ListOf, type Problem } from '../api/health';
import { describeNamespaces, inNamespaces, namespaceFilter, queryNamespace } from '../api/namespaces';
import { apiPath, routeToUrl } from '../api/routes';
import { eventLastSeen, timeCellText } from '../api/time';
import { useCluster } from './cluster';
import { ErrorBox, Section, Spinner } from './common';
import { useJson, useTitle } from './hooks';
import { Link } from './router';
import { useTicking } from './ticker';

/** The overview reads its lists again this often (no watch: a page holds few connections). */
const REFRESH_MS = 30_000;
const EVENTS_SHOWN = 25;

type Obj = Record<string, unknown>;

function useRefreshTick(ms: number): number {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => document.visibilityState !== 'hidden' && setTick((t) => t + 1), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return tick;
}

function LiveAge({ time }: { time: string | undefined }) {
  const instant = Date.parse(time ?? '');
  const text = useTicking((now) => timeCellText(instant, '', now));
  return <span title={time}>{text}</span>;
}

function Meter({ used, total }: { used: number; total: number }) {
  const share = total > 0 && !Number.isNaN(used) ? Math.min(1, used / total) : 0;
  return (
    <span className="meter" aria-hidden="true">
      <span className={share > 0.85 ? 'high' : undefined} style={{ width: `${Math.round(share * 100)}%` }} />
    </span>
  );
}

/** The cluster at a glance: what is broken (linked to filtered lists), nodes and their use, warning events, then every API resource. */
export function ClusterOverview() {
  const { cluster, info, discovery, prefix, ns } = useCluster();
  useTitle('Overview', cluster);
  const tick = useRefreshTick(REFRESH_MS);
  const served = (group: string, resource: string, version = 'v1') => !!findResource(discovery, { group, version, resource });
  const inNs = (group: string, resource: string, version = 'v1') => (served(group, resource, version) ? prefix + apiPath({ group, version, resource }, queryNamespace(ns)) : null);
  // Several namespaces picked: all are read and the picked ones kept.
  const picked = namespaceFilter(ns);
  const only = (list: ListOf | null | undefined): ListOf | undefined =>
    list && picked ? { ...list, items: (list.items ?? []).filter((o) => inNamespaces(picked, (o as { metadata?: { namespace?: string } }).metadata?.namespace)) } : (list ?? undefined);
  const pods = useJson<ListOf>(discovery ? inNs('', 'pods') : null, tick);
  const jobs = useJson<ListOf>(discovery ? inNs('batch', 'jobs') : null, tick);
  const events = useJson<ListOf>(discovery ? inNs('', 'events') : null, tick);
  const budgets = useJson<ListOf>(discovery ? inNs('policy', 'poddisruptionbudgets') : null, tick);
  const nodes = useJson<ListOf>(discovery && served('', 'nodes') ? prefix + '/api/v1/nodes' : null, tick);
  const metricsGroup = discovery?.groups.find((g) => g.name === 'metrics.k8s.io' && !g.error && g.resources.some((r) => r.resource === 'nodes'));
  const metrics = useJson<ListOf>(metricsGroup ? `${prefix}/apis/metrics.k8s.io/${encodeURIComponent(metricsGroup.version)}/nodes` : null, tick);

  const now = Date.now();
  const counts = countProblems({ pods: only(pods.data), nodes: nodes.data, jobs: only(jobs.data), events: only(events.data), budgets: only(budgets.data) }, now);
  const usage = nodeUsage(nodes.data, metrics.data);
  const hasMetrics = !!metricsGroup && !!metrics.data && !metrics.error;
  const recent = eventsWarningsFirst(only(events.data)?.items ?? [], (e) => Date.parse(eventLastSeen(e) ?? '')).slice(0, EVENTS_SHOWN);
  const where = `in ${describeNamespaces(ns)}`;

  const card = (problem: Problem) => {
    const p = PROBLEMS[problem];
    const count = counts[problem];
    if (!served(p.group, p.resource, p.version)) return null;
    const url = routeToUrl({ page: 'list', cluster, group: p.group, version: p.version, resource: p.resource, ns: p.resource === 'nodes' ? undefined : ns, problem });
    return (
      <li key={problem}>
        <Link to={url} className={`health-card ${count === undefined ? '' : count > 0 ? 'bad' : 'ok'}`} data-testid={`health-${problem}`}>
          <span className="health-count">{count === undefined ? '…' : count}</span>
          {p.label}
        </Link>
      </li>
    );
  };

  const involvedLink = (e: Obj): string | null => {
    const o = (e.involvedObject ?? {}) as { apiVersion?: string; kind?: string; name?: string; namespace?: string };
    if (!o.kind || !o.name) return null;
    const r = findByKind(discovery, o.apiVersion ?? 'v1', o.kind);
    if (!r) return null;
    return routeToUrl({ page: 'detail', cluster, group: r.group, version: r.version, resource: r.resource, namespace: r.namespaced ? o.namespace : undefined, name: o.name, ns });
  };

  return (
    <div className="page" data-testid="overview">
      <div className="page-head">
        <div>
          <h1>{cluster}</h1>
          <p className="muted small">
            {info?.server && <>API server {info.server}</>}
            {info?.meta_data?.source && <> · from {info.meta_data.source}</>}
          </p>
        </div>
      </div>
      {!discovery ? (
        <Spinner label="Reading API discovery…" />
      ) : (
        <>
          <Section title="Needs attention" id="attention">
            <p className="muted small">
              Pods, jobs and disruption budgets {where}; read every {REFRESH_MS / 1000} s. Each count opens the list of what it counts.
            </p>
            {pods.error && <ErrorBox error={pods.error} what="listing pods" />}
            {nodes.error && <ErrorBox error={nodes.error} what="listing nodes" />}
            <ul className="health-grid" data-testid="health">
              {(['crashloop', 'imagepull', 'pending', 'oomkilled', 'notready', 'failed', 'nodisruption', 'warning'] as Problem[]).map(card)}
            </ul>
          </Section>

          {served('', 'nodes') && (
            <Section title="Nodes" id="nodes">
              {!hasMetrics && (
                <p className="muted" data-testid="no-metrics">
                  No metrics:{' '}
                  {metricsGroup
                    ? `metrics.k8s.io did not answer${metrics.error ? ` (${metrics.error.title})` : ''}.`
                    : 'this cluster does not serve metrics.k8s.io (metrics-server is not installed), so CPU and memory use are unknown.'}
                </p>
              )}
              {nodes.data && (
                <div className="table-scroll">
                  <table className="grid" data-testid="node-usage">
                    <caption className="sr-only">Nodes {hasMetrics ? 'and their CPU and memory use' : ''}</caption>
                    <thead>
                      <tr>
                        <th scope="col">Node</th>
                        <th scope="col">Ready</th>
                        {hasMetrics && <th scope="col">CPU</th>}
                        {hasMetrics && <th scope="col">Memory</th>}
                      </tr>
                    </thead>
                    <tbody>
                      {usage.map((n) => (
                        <tr key={n.name} data-name={n.name}>
                          <td className="name">
                            <Link to={routeToUrl({ page: 'detail', cluster, group: '', version: 'v1', resource: 'nodes', name: n.name, ns })}>{n.name}</Link>
                          </td>
                          <td className={n.ready ? 'ok' : 'bad'}>{n.ready ? 'Ready' : 'NotReady'}</td>
                          {hasMetrics && (
                            <td>
                              {n.cpu ? (
                                <>
                                  <Meter used={n.cpu.used} total={n.cpu.allocatable} />
                                  {formatCores(n.cpu.used)} / {formatCores(n.cpu.allocatable)}
                                </>
                              ) : (
                                <span className="muted">no sample</span>
                              )}
                            </td>
                          )}
                          {hasMetrics && (
                            <td>
                              {n.memory ? (
                                <>
                                  <Meter used={n.memory.used} total={n.memory.allocatable} />
                                  {formatBytes(n.memory.used)} / {formatBytes(n.memory.allocatable)}
                                </>
                              ) : (
                                <span className="muted">no sample</span>
                              )}
                            </td>
                          )}
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
            </Section>
          )}

          {served('', 'events') && (
            <Section
              title="Recent events"
              id="events"
              actions={
                <Link to={routeToUrl({ page: 'list', cluster, group: '', version: 'v1', resource: 'events', ns, problem: 'warning' })} className="small">
                  All warning events
                </Link>
              }
            >
              {events.error && <ErrorBox error={events.error} what="listing events" />}
              {events.data && recent.length === 0 && <p className="muted">No events {where}.</p>}
              {recent.length > 0 && (
                <div className="table-scroll">
                  <table className="grid" data-testid="overview-events">
                    <caption className="sr-only">Recent events {where}, warnings first, newest first</caption>
                    <thead>
                      <tr>
                        <th scope="col">Last seen</th>
                        <th scope="col">Type</th>
                        <th scope="col">Reason</th>
                        <th scope="col">Object</th>
                        <th scope="col">Message</th>
                      </tr>
                    </thead>
                    <tbody>
                      {recent.map((e, i) => {
                        const meta = (e.metadata ?? {}) as { name?: string; namespace?: string; uid?: string };
                        const o = (e.involvedObject ?? {}) as { kind?: string; name?: string };
                        const link = involvedLink(e);
                        const label = `${(o.kind ?? '').toLowerCase()}/${o.name ?? ''}`;
                        return (
                          <tr key={meta.uid ?? `${meta.namespace}/${meta.name}/${i}`} data-type={String(e.type ?? '')}>
                            <td className="time">
                              <LiveAge time={eventLastSeen(e)} />
                            </td>
                            <td className={e.type === 'Warning' ? 'bad' : undefined}>{String(e.type ?? '')}</td>
                            <td>{String(e.reason ?? '')}</td>
                            <td>{link ? <Link to={link}>{label}</Link> : label}</td>
                            <td className="wrap">{String(e.message ?? '')}</td>
                          </tr>
                        );
                      })}
                    </tbody>
                  </table>
                </div>
              )}
            </Section>
          )}

          <Section title="API resources" id="api-resources">
            <table className="grid" data-testid="api-resources">
              <caption className="sr-only">API resources of {cluster}</caption>
              <thead>
                <tr>
                  <th scope="col">Resource</th>
                  <th scope="col">Short names</th>
                  <th scope="col">API version</th>
                  <th scope="col">Namespaced</th>
                  <th scope="col">Kind</th>
                </tr>
              </thead>
              {discovery.groups.map((group) => (
                <tbody key={group.name}>
                  <tr className="group-row">
                    <th scope="rowgroup" colSpan={5}>
                      {group.label}
                      {group.error && <span className="error-text"> — discovery failed: {group.error}</span>}
                    </th>
                  </tr>
                  {group.resources.map((r) => (
                    <tr key={r.resource}>
                      <td>
                        <Link to={routeToUrl({ page: 'list', cluster, group: r.group, version: r.version, resource: r.resource, ns })}>{r.resource}</Link>
                      </td>
                      <td>{r.shortNames.join(',')}</td>
                      <td>{r.group ? `${r.group}/${r.version}` : r.version}</td>
                      <td>{r.namespaced ? 'true' : 'false'}</td>
                      <td>{r.kind}</td>
                    </tr>
                  ))}
                </tbody>
              ))}
            </table>
          </Section>
        </>
      )}
    </div>
  );
}
