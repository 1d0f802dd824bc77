import type { ReactNode } from 'react';
import { oidcSignInUrl } from '../api/auth';
import type { ApiError } from '../api/client';
import { useAppOptional } from './context';
import { Link } from './router';

/** An API error in the server's own words (a 403 names the user, verb and resource). */
export function ErrorBox({ error, what }: { error: ApiError; what?: string }) {
  const { basePath, config } = useAppOptional();
  const signIn = error.code === 401 && config?.auth?.mode === 'oidc';
  return (
    <div className="error-box" role="alert" data-testid="error">
      <strong className="error-title">
        {error.title}
        {what ? ` while ${what}` : ''}
      </strong>
      <div className="error-message">{error.message}</div>
      {signIn && (
        <a href={oidcSignInUrl(basePath ?? '/', clusterFromPath(), window.location.pathname + window.location.search)}>Sign in again</a>
      )}
    </div>
  );
}

function clusterFromPath(): string | undefined {
  const m = window.location.pathname.match(/\/c\/([^/]+)/);
  return m ? decodeURIComponent(m[1]) : undefined;
}

export function Spinner({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="spinner" role="status">
      {label}
    </div>
  );
}

/** Key/value pairs as a two-column table (labels, annotations, data). */
export function KeyValues({ values, empty = 'None', testId }: { values: Record<string, string> | undefined; empty?: string; testId?: string }) {
  const entries = Object.entries(values ?? {});
  if (entries.length === 0) return <p className="muted">{empty}</p>;
  return (
    <table className="kv" data-testid={testId}>
      <tbody>
        {entries.map(([k, v]) => (
          <tr key={k}>
            <th scope="row">{k}</th>
            <td>
              <span className="pre-wrap">{v}</span>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Labels as chips; with `linkFor`, each chip links (e.g. to the list selected by that label). */
export function Chips({ values, linkFor }: { values: Record<string, string> | undefined; linkFor?: (key: string, value: string) => string }) {
  const entries = Object.entries(values ?? {});
  if (entries.length === 0) return <span className="muted">None</span>;
  return (
    <ul className="chips">
      {entries.map(([k, v]) => (
        <li key={k} className="chip">
          {linkFor ? (
            <Link to={linkFor(k, v)} title={`List the ones labelled ${k}=${v}`}>
              {k}={v}
            </Link>
          ) : (
            <>
              {k}={v}
            </>
          )}
        </li>
      ))}
    </ul>
  );
}

export function Section({ title, children, id, actions }: { title: string; children: ReactNode; id?: string; actions?: ReactNode }) {
  const headingId = `h-${id ?? title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  return (
    <section className="section" aria-labelledby={headingId} id={id}>
      <div className="section-head">
        <h2 id={headingId}>{title}</h2>
        {actions && <div className="section-actions">{actions}</div>}
      </div>
      {children}
    </section>
  );
}
