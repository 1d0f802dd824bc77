import { useContext, useEffect, useId, useRef, useState, type MouseEvent as ReactMouseEvent } from 'react';
import { signOutUrl } from '../api/auth';
import { describeNamespaces, formatNamespaces, parseNamespaces } from '../api/namespaces';
import { routeToUrl, type Route } from '../api/routes';
import { ClusterContext } from './cluster';
import { GlobalSearch } from './search/GlobalSearch';
import { useApp } from './context';
import { Link, useNavigate } from './router';
import { readTheme, saveTheme, type ThemeChoice } from './theme';

export function Header({ route }: { route: Route }) {
  const { user } = useApp();
  return (
    <header className="header">
      <a className="skip-link" href="#content" onClick={skipToContent} data-testid="skip-link">
        Skip to content
      </a>
      <Link to="" className="brand" aria-label="Lamplight home">
        <span className="brand-mark" aria-hidden="true" />
        Lamplight
      </Link>
      <ClusterPicker route={route} />
      <NamespacePicker route={route} />
      <GlobalSearch />
      <div className="header-spacer" />
      <ThemeSwitch />
      {user && <UserMenu />}
    </header>
  );
}

/**
 * With `<base href>`, `href="#content"` would resolve against the base URL and leave the page:
 * move focus to the main region instead (the href stays for what the link means).
 */
function skipToContent(event: ReactMouseEvent<HTMLAnchorElement>) {
  const main = document.getElementById('content');
  if (!main) return;
  event.preventDefault();
  if (!main.hasAttribute('tabindex')) main.setAttribute('tabindex', '-1');
  main.focus();
}

/** Auto (the system's setting), light or dark; remembered in this browser. */
function ThemeSwitch() {
  const id = useId();
  const [choice, setChoice] = useState<ThemeChoice>(readTheme);
  return (
    <div className="picker theme-picker">
      <label htmlFor={id}>Theme</label>
      <select
        id={id}
        value={choice}
        onChange={(e) => {
          const next = e.target.value as ThemeChoice;
          setChoice(next);
          saveTheme(next);
        }}
        data-testid="theme-switch"
      >
        <option value="auto">Auto</option>
        <option value="light">Light</option>
        <option value="dark">Dark</option>
      </select>
    </div>
  );
}

function ClusterPicker({ route }: { route: Route }) {
  const { config } = useApp();
  const navigate = useNavigate();
  const id = useId();
  const current = 'cluster' in route ? route.cluster : '';
  if (config.clusters.length === 0) return null;
  const change = (cluster: string) => {
    // Keep the kind being browsed; namespaces differ between clusters.
    if (route.page === 'list') navigate(routeToUrl({ page: 'list', cluster, group: route.group, version: route.version, resource: route.resource }));
    else navigate(routeToUrl({ page: 'list', cluster, group: '', version: 'v1', resource: 'pods' }));
  };
  return (
    <div className="picker">
      <label htmlFor={id}>Cluster</label>
      <select id={id} value={current} onChange={(e) => change(e.target.value)} data-testid="cluster-picker">
        {!current && <option value="">Choose…</option>}
        {config.clusters.map((c) => (
          <option key={c.name} value={c.name} title={c.error ?? c.server}>
            {c.error ? `${c.name} (unavailable)` : c.name}
          </option>
        ))}
      </select>
    </div>
  );
}

function NamespacePicker({ route }: { route: Route }) {
  const ctx = useContext(ClusterContext);
  const navigate = useNavigate();
  const id = useId();
  const [typed, setTyped] = useState('');
  if (!ctx || !('cluster' in route)) return null;
  const ns = route.ns ?? '';
  const change = (value: string) => {
    navigate(routeToUrl({ ...route, ns: value || undefined }));
  };
  if (ctx.namespaces === null && ctx.namespacesError) {
    // Listing namespaces is not allowed: let the user type one.
    return (
      <form
        className="picker"
        onSubmit={(e) => {
          e.preventDefault();
          change(typed.trim());
        }}
      >
        <label htmlFor={id}>Namespace</label>
        <input
          id={id}
          data-testid="namespace-input"
          placeholder={ns || 'all namespaces'}
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
          title={`Cannot list namespaces: ${ctx.namespacesError.message}`}
        />
      </form>
    );
  }
  const options = ctx.namespaces ?? [];
  const picked = parseNamespaces(ns);
  const several = picked.length > 1;
  return (
    <div className="picker ns-picker">
      <label htmlFor={id}>Namespace</label>
      <select id={id} value={ns} onChange={(e) => change(e.target.value)} onFocus={ctx.refreshNamespaces} data-testid="namespace-picker">
        <option value="">All namespaces</option>
        {ns && !options.includes(ns) && <option value={ns}>{several ? describeNamespaces(ns) : ns}</option>}
        {options.map((n) => (
          <option key={n} value={n}>
            {n}
          </option>
        ))}
      </select>
      <SeveralNamespaces options={options} picked={picked} onPick={(names) => change(formatNamespaces(names) ?? '')} />
    </div>
  );
}

/** "Several…": checkboxes for picking more than one namespace (the lists then merge them). */
function SeveralNamespaces({ options, picked, onPick }: { options: string[]; picked: string[]; onPick: (names: string[]) => void }) {
  const [open, setOpen] = useState(false);
  const [chosen, setChosen] = useState<string[]>(picked);
  const ref = useRef<HTMLDivElement>(null);
  const panelId = useId();
  const buttonRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        setOpen(false);
        buttonRef.current?.focus();
      }
    };
    const onClick = (e: MouseEvent) => ref.current && !ref.current.contains(e.target as Node) && setOpen(false);
    document.addEventListener('keydown', onKey);
    document.addEventListener('mousedown', onClick);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('mousedown', onClick);
    };
  }, [open]);
  const toggle = () => {
    if (!open) setChosen(picked);
    setOpen(!open);
  };
  return (
    <div className="ns-several" ref={ref}>
      <button type="button" ref={buttonRef} className="small-button" aria-expanded={open} aria-controls={panelId} onClick={toggle} data-testid="namespace-several">
        Several…
      </button>
      {open && (
        <div className="ns-panel" id={panelId} data-testid="namespace-panel">
          <fieldset>
            <legend>Namespaces to show together</legend>
            {options.length === 0 && <p className="muted small">No namespaces listed.</p>}
            <ul>
              {options.map((n) => (
                <li key={n}>
                  <label>
                    <input
                      type="checkbox"
                      checked={chosen.includes(n)}
                      onChange={(e) => setChosen(e.target.checked ? [...chosen, n] : chosen.filter((c) => c !== n))}
                      data-testid={`namespace-check-${n}`}
                    />{' '}
                    {n}
                  </label>
                </li>
              ))}
            </ul>
          </fieldset>
          <div className="ns-panel-actions">
            <button
              type="button"
              onClick={() => {
                setOpen(false);
                onPick(options.filter((n) => chosen.includes(n)).concat(chosen.filter((n) => !options.includes(n))));
              }}
              data-testid="namespace-apply"
            >
              Show {chosen.length === 0 ? 'all namespaces' : chosen.length === 1 ? chosen[0] : `${chosen.length} namespaces`}
            </button>
            <button type="button" className="small-button" onClick={() => setOpen(false)}>
              Cancel
            </button>
          </div>
        </div>
      )}
    </div>
  );
}

function UserMenu() {
  const { user, config, basePath } = useApp();
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  const menuId = useId();
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setOpen(false);
    const onClick = (e: MouseEvent) => ref.current && !ref.current.contains(e.target as Node) && setOpen(false);
    document.addEventListener('keydown', onKey);
    document.addEventListener('mousedown', onClick);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('mousedown', onClick);
    };
  }, [open]);
  if (!user) return null;
  const signOut = signOutUrl(config, basePath);
  const initials = user.username.slice(0, 2).toUpperCase();
  return (
    <div className="user-menu" ref={ref}>
      <button
        type="button"
        className="user-button"
        aria-haspopup="true"
        aria-expanded={open}
        aria-controls={menuId}
        onClick={() => setOpen((o) => !o)}
        data-testid="user-menu-button"
      >
        <span className="avatar" aria-hidden="true">
          {initials}
        </span>
        <span data-testid="user-name">{user.username}</span>
        <span aria-hidden="true">▾</span>
      </button>
      {open && (
        <div className="user-popup" id={menuId} role="dialog" aria-label="Signed-in user" data-testid="user-menu">
          <dl className="summary">
            <dt>User</dt>
            <dd>{user.username}</dd>
            <dt>Email</dt>
            <dd>{user.email || <span className="muted">none</span>}</dd>
            <dt>Groups</dt>
            <dd>
              {user.groups && user.groups.length > 0 ? (
                <ul className="chips" data-testid="user-groups">
                  {user.groups.map((g) => (
                    <li key={g} className="chip">
                      {g}
                    </li>
                  ))}
                </ul>
              ) : (
                <span className="muted">none</span>
              )}
            </dd>
            {user.authMethod && (
              <>
                <dt>Via</dt>
                <dd>{user.authMethod}</dd>
              </>
            )}
          </dl>
          {signOut ? (
            <a className="button" href={signOut} data-testid="sign-out">
              Sign out
            </a>
          ) : (
            <p className="muted small">Sign out at your identity proxy: the server has no logout URL configured.</p>
          )}
        </div>
      )}
    </div>
  );
}
