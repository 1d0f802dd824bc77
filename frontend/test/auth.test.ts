import { describe, expect, it } from 'vitest';
import { authGate, oidcSignInUrl, signOutUrl } from '../src/api/auth';
import { ApiError } from '../src/api/client';
import type { AppConfig } from '../src/api/types';

const config = (mode: string, loginUrl: string | null = null, logoutUrl: string | null = null): AppConfig => ({ clusters: [], auth: { mode, loginUrl, logoutUrl } });
const err = (code: number, extra = {}) => new ApiError(code, '/me', { kind: 'Status', code, message: 'm', ...extra });

describe('auth', () => {
  it('lets a known user in', () => {
    expect(authGate(config('proxy'), null)).toEqual({ kind: 'user' });
  });

  it('runs without a user in mode none', () => {
    expect(authGate(config('none'), err(401))).toEqual({ kind: 'anonymous' });
  });

  it('asks the proxy to identify, with login and logout links from the Status or the config', () => {
    expect(authGate(config('proxy', '/cfg-login', '/cfg-logout'), err(401, { loginUrl: '/login' }))).toEqual({
      kind: 'proxy-unidentified',
      loginUrl: '/login',
      logoutUrl: '/cfg-logout',
    });
  });

  it('signs in with OIDC on 401, and refuses on 403', () => {
    expect(authGate(config('oidc'), err(401))).toEqual({ kind: 'oidc-sign-in' });
    expect(authGate(config('proxy', null, '/out'), err(403))).toEqual({ kind: 'refused', logoutUrl: '/out' });
  });

  it('builds the sign-in and sign-out links under the base path', () => {
    expect(oidcSignInUrl('/headlamp/', 'demo', '/headlamp/c/demo/core/v1/pods?ns=a')).toBe(
      '/headlamp/oidc?cluster=demo&returnTo=%2Fheadlamp%2Fc%2Fdemo%2Fcore%2Fv1%2Fpods%3Fns%3Da',
    );
    expect(signOutUrl(config('oidc'), '/headlamp/')).toBe('/headlamp/oidc-logout');
    expect(signOutUrl(config('proxy', null, 'https://idp/logout'), '/')).toBe('https://idp/logout');
    expect(signOutUrl(config('proxy'), '/')).toBeNull();
    expect(signOutUrl(config('none'), '/')).toBeNull();
  });
});
