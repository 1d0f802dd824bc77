import { oidcSignInUrl } from '../api/auth';
import type { ApiError } from '../api/client';

function Page({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <main className="auth-page" data-testid="auth-page">
      <div className="auth-card">
        <div className="brand brand-dark">
          <span className="brand-mark" aria-hidden="true" /> Lamplight
        </div>
        <h1>{title}</h1>
        {children}
      </div>
    </main>
  );
}

export function ProxyUnidentified({ error, loginUrl, logoutUrl }: { error: ApiError; loginUrl: string | null; logoutUrl: string | null }) {
  return (
    <Page title="Your proxy did not identify you">
      <p>
        Lamplight trusts an authenticating proxy to say who you are, and this request came without a user. Sign in through the proxy, or
        sign out and in again if your session is stale.
      </p>
      <p className="muted">Server said: {error.message}</p>
      <p className="actions">
        {loginUrl && (
          <a className="button primary" href={loginUrl}>
            Sign in
          </a>
        )}
        {logoutUrl && (
          <a className="button" href={logoutUrl}>
            Sign out
          </a>
        )}
        {!loginUrl && !logoutUrl && <span className="muted">The server has no login or logout URL to offer.</span>}
      </p>
    </Page>
  );
}

export function OidcSignIn({ basePath, cluster }: { basePath: string; cluster: string | undefined }) {
  const href = oidcSignInUrl(basePath, cluster, window.location.pathname + window.location.search);
  return (
    <Page title="Sign in">
      <p>This Lamplight signs you in with your organisation's identity provider (OpenID Connect).</p>
      <p className="actions">
        <a className="button primary" href={href} data-testid="sign-in">
          Sign in{cluster ? ` to ${cluster}` : ''}
        </a>
      </p>
    </Page>
  );
}

export function AuthRefused({ error, logoutUrl }: { error: ApiError; logoutUrl: string | null }) {
  return (
    <Page title="Access refused">
      <p role="alert" className="error-text">
        {error.title}: {error.message}
      </p>
      {logoutUrl && (
        <p className="actions">
          <a className="button" href={logoutUrl}>
            Sign out
          </a>
        </p>
      )}
    </Page>
  );
}
