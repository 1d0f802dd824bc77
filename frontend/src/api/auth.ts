import type { ApiError } from './client';
import type { AppConfig } from './types';

/** What the app shows after reading /me. */
export type AuthGate =
  | { kind: 'user' }
  /** Mode none (or /me failed otherwise): the dashboard works, without a user menu. */
  | { kind: 'anonymous' }
  | { kind: 'oidc-sign-in' }
  | { kind: 'proxy-unidentified'; loginUrl: string | null; logoutUrl: string | null }
  | { kind: 'refused'; logoutUrl: string | null };

export function authGate(config: AppConfig, meError: ApiError | null): AuthGate {
  if (!meError) return { kind: 'user' };
  const mode = config.auth?.mode ?? 'none';
  const status = meError.status ?? {};
  const loginUrl = status.loginUrl ?? config.auth?.loginUrl ?? null;
  const logoutUrl = status.logoutUrl ?? config.auth?.logoutUrl ?? null;
  if (meError.code === 401 && mode === 'oidc') return { kind: 'oidc-sign-in' };
  if (meError.code === 401 && mode === 'proxy') return { kind: 'proxy-unidentified', loginUrl, logoutUrl };
  if (meError.code === 403) return { kind: 'refused', logoutUrl };
  return { kind: 'anonymous' };
}

/** Where "Sign out" goes: the server's OIDC logout, or the proxy's logout URL (null: none known). */
export function signOutUrl(config: AppConfig, basePath: string): string | null {
  const mode = config.auth?.mode;
  if (mode === 'oidc') return `${basePath}oidc-logout`;
  if (mode === 'proxy') return config.auth?.logoutUrl ?? null;
  return null;
}

/** The OIDC sign-in link, coming back to `returnTo` (a path on this server) afterwards. */
export function oidcSignInUrl(basePath: string, cluster: string | undefined, returnTo: string): string {
  const params = new URLSearchParams();
  if (cluster) params.set('cluster', cluster);
  params.set('returnTo', returnTo);
  return `${basePath}oidc?${params.toString()}`;
}
