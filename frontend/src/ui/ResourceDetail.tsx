import { useEffect, useMemo, useState } from 'react';
import { ageOf } from '../api/age';
import { conditionTone } from '../api/health';
import { findByKind, findResource, wellKnownResource } from '../api/discovery';
import { apiPath, routeToUrl, type Route } from '../api/routes';
import { rememberRecent } from '../api/search';
import type { K8sObject, OwnerReference } from '../api/types';
import { decodeSecretValue, isSecret, objectToYaml } from '../api/yaml';
import { useCluster } from './cluster';
import { Chips, ErrorBox, KeyValues, Section, Spinner } from './common';
import { useJson, useNow, useTitle, useWatchedTable } from './hooks';
import { ActionBar } from './actions/ActionBar';
import { JumpLinks } from './JumpLinks';
import { KindDetails } from './KindDetails';
import { LogsAndShell } from './logs/LogsAndShell';
import { ResourceTable } from './ResourceTable';
import { plural } from './ResourceList';
import { Link } from './router';

type DetailRoute = Extract<Route, { page: 'detail' }>;

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  lastUpdateTime?: string;
  lastHeartbeatTime?: string;
}

export function ResourceDetail({ route }: { route: DetailRoute }) {
  const { cluster, prefix, discovery, discoveryError, ns } = useCluster();
  // Before discovery answers, an everyday kind is read at once (see wellKnownResource).
  const info = discovery ? findResource(discovery, route) : wellKnownResource(route);
  const namespace = info?.namespaced ? route.namespace : undefined;
  const objectUrl = info ? prefix + apiPath(route, namespace, route.name) : null;

  // Live: watch this one object (a list narrowed by name); a new resourceVersion fetches it again.
  // The spec depends on the route's fields, not on the route object, which is new on every
  // navigation (e.g. picking another namespace in the header).
  const { group, version, resource, name } = route;
  const served = !!info;
  const watchSpec = useMemo(
    () => (served ? { url: prefix + apiPath({ group, version, resource }, namespace), params: { fieldSelector: `metadata.name=${name}` } } : null),
    [served, prefix, group, version, resource, namespace, name],
  );
  const watched = useWatchedTable(watchSpec);
  const row = watched.table?.rows.find((r) => r.name === route.name && (r.namespace ?? '') === (namespace ?? ''));
  const object = useJson<K8sObject>(objectUrl, row?.resourceVersion ?? '');
  const deleted = !!watched.table && !row && !!object.data;

  useTitle(route.name, route.resource, cluster);
  // A page seen is a recent item of the search (Ctrl+K).
  const kind = info?.kind;
  const found = !!object.data;
  useEffect(() => {
    if (kind && found) rememberRecent(cluster, { group, version, resource, kind, namespace, name });
  }, [cluster, group, version, resource, kind, namespace, name, found]);
  const listUrl = routeToUrl({ page: 'list', cluster, group: route.group, version: route.version, resource: route.resource, ns });

  if (!discovery && !info) return discoveryError ? null : <Spinner label="Reading the cluster's resources…" />;
  if (!info) {
    return (
      <div className="page">
        <h1>{route.name}</h1>
        <div className="error-box" role="alert" data-testid="error">
          <strong className="error-title">Not served</strong>
          <div className="error-message">
            Cluster {cluster} does not serve “{route.resource}” in {route.group || 'core'}/{route.version}.
          </div>
        </div>
      </div>
    );
  }

  const obj = object.data;
  return (
    <div className="page" data-testid="detail">
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <ol>
          <li>
            <Link to={routeToUrl({ page: 'cluster', cluster, ns })}>{cluster}</Link>
          </li>
          <li>
            <Link to={listUrl}>{plural(info.kind)}</Link>
          </li>
          {namespace && (
            <li>
              <Link to={routeToUrl({ page: 'list', cluster, group: route.group, version: route.version, resource: route.resource, ns: namespace })}>{namespace}</Link>
            </li>
          )}
          <li aria-current="page">{route.name}</li>
        </ol>
      </nav>
      <div className="page-head">
        <div>
          <h1 data-testid="detail-title">
            <span className="kind-tag">{info.kind}</span> {route.name}
          </h1>
        </div>
        <div className="page-actions">
          {watched.phase === 'live' && !deleted && (
            <span className="live">
              <span className="dot" aria-hidden="true" /> Live
            </span>
          )}
          <button type="button" onClick={object.reload}>
            Refresh
          </button>
        </div>
      </div>
      {obj && !deleted && <ActionBar object={obj} info={info} />}
      {deleted && (
        <div className="warning-box" role="status" data-testid="deleted">
          This {info.kind} was deleted. What you see is its last known state.
        </div>
      )}
      {object.error && !(deleted && object.error.code === 404) && <ErrorBox error={object.error} what={`reading ${info.resource} ${route.name}`} />}
      {!obj && !object.error && <Spinner />}
      {obj && <JumpLinks rootId="detail-body" />}
      <div id="detail-body">{obj && <ObjectView object={obj} route={route} namespaced={info.namespaced} />}</div>
    </div>
  );
}

function ObjectView({ object, route, namespaced }: { object: K8sObject; route: DetailRoute; namespaced: boolean }) {
  const { cluster, prefix, discovery, ns } = useCluster();
  const now = useNow(1000);
  const [reveal, setReveal] = useState(false);
  const meta = object.metadata ?? { name: route.name };
  const status = (object.status ?? {}) as { conditions?: Condition[] };
  const conditions = Array.isArray(status.conditions) ? status.conditions : [];
  const owners = meta.ownerReferences ?? [];
  const secret = isSecret(object);
  const yamlText = useMemo(() => objectToYaml(object, { reveal }), [object, reveal]);

  const eventsSpec = useMemo(
    () => ({
      url: prefix + (meta.namespace ? `/api/v1/namespaces/${encodeURIComponent(meta.namespace)}/events` : '/api/v1/events'),
      params: { fieldSelector: `involvedObject.name=${meta.name}` },
    }),
    [prefix, meta.namespace, meta.name],
  );
  const eventsServed = !!findResource(discovery, { group: '', version: 'v1', resource: 'events' });

  const ownerLink = (owner: OwnerReference) => {
    const info = findByKind(discovery, owner.apiVersion, owner.kind);
    if (!info) return null;
    return routeToUrl({
      page: 'detail',
      cluster,
      group: info.group,
      version: info.version,
      resource: info.resource,
      namespace: info.namespaced ? meta.namespace : undefined,
      name: owner.name,
      ns,
    });
  };

  return (
    <>
      <Section title="Summary">
        <dl className="summary grid-summary" data-testid="summary">
          <dt>Kind</dt>
          <dd>{object.kind}</dd>
          <dt>API version</dt>
          <dd>{object.apiVersion}</dd>
          <dt>Name</dt>
          <dd>{meta.name}</dd>
          {namespaced && (
            <>
              <dt>Namespace</dt>
              <dd>
                {meta.namespace && <Link to={routeToUrl({ page: 'detail', cluster, group: '', version: 'v1', resource: 'namespaces', name: meta.namespace, ns })}>{meta.namespace}</Link>}
              </dd>
            </>
          )}
          <dt>Age</dt>
          <dd title={meta.creationTimestamp}>
            {ageOf(meta.creationTimestamp, now)} <span className="muted">({meta.creationTimestamp})</span>
          </dd>
          <dt>UID</dt>
          <dd className="mono">{meta.uid}</dd>
          <dt>Resource version</dt>
          <dd className="mono">{meta.resourceVersion}</dd>
          {meta.generation !== undefined && (
            <>
              <dt>Generation</dt>
              <dd>{meta.generation}</dd>
            </>
          )}
          {meta.deletionTimestamp && (
            <>
              <dt>Deleting since</dt>
              <dd>{meta.deletionTimestamp}</dd>
            </>
          )}
          {owners.length > 0 && (
            <>
              <dt>Controlled by</dt>
              <dd>
                {owners
                  .filter((o) => o.controller)
                  .map((o) => {
                    const link = ownerLink(o);
                    return (
                      <span key={o.uid}>
                        {o.kind} {link ? <Link to={link}>{o.name}</Link> : o.name}
                      </span>
                    );
                  })}
              </dd>
            </>
          )}
        </dl>
      </Section>

      <KindDetails object={object} />

      <LogsAndShell object={object} />

      <Section title="Labels">
        <Chips
          values={meta.labels}
          linkFor={(k, v) =>
            routeToUrl({ page: 'list', cluster, group: route.group, version: route.version, resource: route.resource, ns: meta.namespace ?? ns, l: v ? `${k}=${v}` : k })
          }
        />
      </Section>
      <Section title="Annotations">
        <KeyValues values={secret && !reveal ? hideLastApplied(meta.annotations) : meta.annotations} testId="annotations" />
      </Section>

      {secret && <SecretData object={object} reveal={reveal} setReveal={setReveal} />}

      {conditions.length > 0 && (
        <Section title="Conditions">
          <table className="grid" data-testid="conditions">
            <thead>
              <tr>
                <th scope="col">Type</th>
                <th scope="col">Status</th>
                <th scope="col">Reason</th>
                <th scope="col">Message</th>
                <th scope="col">Last transition</th>
              </tr>
            </thead>
            <tbody>
              {conditions.map((c, i) => (
                <tr key={`${c.type}-${i}`}>
                  <td>{c.type}</td>
                  <td className={conditionTone(c.type, c.status) || undefined}>{c.status}</td>
                  <td>{c.reason}</td>
                  <td className="wrap">{c.message}</td>
                  <td title={c.lastTransitionTime}>{ageOf(c.lastTransitionTime ?? c.lastUpdateTime, now)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Section>
      )}

      {owners.length > 0 && (
        <Section title="Owner references">
          <table className="grid" data-testid="owners">
            <thead>
              <tr>
                <th scope="col">Kind</th>
                <th scope="col">Name</th>
                <th scope="col">API version</th>
                <th scope="col">Controller</th>
              </tr>
            </thead>
            <tbody>
              {owners.map((o) => {
                const link = ownerLink(o);
                return (
                  <tr key={o.uid || `${o.kind}/${o.name}`}>
                    <td>{o.kind}</td>
                    <td>{link ? <Link to={link}>{o.name}</Link> : o.name}</td>
                    <td>{o.apiVersion}</td>
                    <td>{o.controller ? 'yes' : 'no'}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </Section>
      )}

      {eventsServed && object.kind !== 'Event' && (
        <Section title="Events">
          <ResourceTable
            spec={eventsSpec}
            what={`events of ${meta.name}`}
            emptyText={`No events about ${meta.name}.`}
            testId="events"
            linkFor={(row) =>
              routeToUrl({ page: 'detail', cluster, group: '', version: 'v1', resource: 'events', namespace: row.namespace, name: row.name, ns })
            }
          />
        </Section>
      )}

      <Section
        title="YAML"
        id="yaml"
        actions={
          <>
            {secret && (
              <button type="button" onClick={() => setReveal(!reveal)} data-testid="yaml-reveal">
                {reveal ? 'Hide values' : 'Reveal values'}
              </button>
            )}
            <CopyButton text={yamlText} />
          </>
        }
      >
        <pre className="yaml" data-testid="yaml" tabIndex={0} aria-label="Object as YAML">
          <code>{yamlText}</code>
        </pre>
      </Section>
    </>
  );
}

function hideLastApplied(annotations: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!annotations) return annotations;
  const key = 'kubectl.kubernetes.io/last-applied-configuration';
  if (!(key in annotations)) return annotations;
  return { ...annotations, [key]: '(hidden: it holds the secret values; click Reveal)' };
}

function SecretData({ object, reveal, setReveal }: { object: K8sObject; reveal: boolean; setReveal: (v: boolean) => void }) {
  const data = (object.data ?? {}) as Record<string, string>;
  const [shown, setShown] = useState<Set<string>>(new Set());
  const keys = Object.keys(data);
  const toggle = (key: string) =>
    setShown((s) => {
      const next = new Set(s);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });
  return (
    <Section
      title="Data"
      actions={
        keys.length > 0 && (
          <button type="button" onClick={() => setReveal(!reveal)} data-testid="reveal-all">
            {reveal ? 'Hide all' : 'Reveal all'}
          </button>
        )
      }
    >
      {keys.length === 0 ? (
        <p className="muted">No data.</p>
      ) : (
        <table className="kv" data-testid="secret-data">
          <tbody>
            {keys.map((key) => {
              const visible = reveal || shown.has(key);
              const decoded = visible ? decodeSecretValue(data[key]) : null;
              return (
                <tr key={key}>
                  <th scope="row">{key}</th>
                  <td>
                    {decoded ? (
                      decoded.binary ? (
                        <span className="mono">
                          <span className="muted">(binary, {decoded.bytes} bytes, base64)</span> {decoded.text}
                        </span>
                      ) : (
                        <span className="pre-wrap mono" data-testid={`secret-value-${key}`}>
                          {decoded.text}
                        </span>
                      )
                    ) : (
                      <span className="muted" data-testid={`secret-hidden-${key}`}>
                        ••••••••
                      </span>
                    )}
                  </td>
                  <td className="actions-cell">
                    {!reveal && (
                      <button type="button" className="small-button" onClick={() => toggle(key)} aria-label={`${visible ? 'Hide' : 'Reveal'} ${key}`}>
                        {visible ? 'Hide' : 'Reveal'}
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </Section>
  );
}

function CopyButton({ text }: { text: string }) {
  const [done, setDone] = useState(false);
  return (
    <button
      type="button"
      onClick={() =>
        navigator.clipboard?.writeText(text).then(
          () => {
            setDone(true);
            setTimeout(() => setDone(false), 1500);
          },
          () => {},
        )
      }
    >
      {done ? 'Copied' : 'Copy'}
    </button>
  );
}
