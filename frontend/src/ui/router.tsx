import { useCallback, useEffect, useState, type AnchorHTMLAttributes, type MouseEvent } from 'react';
import { useApp } from './context';

const NAVIGATE_EVENT = 'lamplight:navigate';

export interface LocationState {
  pathname: string;
  search: string;
  hash: string;
}

function read(): LocationState {
  return { pathname: window.location.pathname, search: window.location.search, hash: window.location.hash };
}

/** The current location, updated on back/forward and on in-app navigation. */
export function useLocation(): LocationState {
  const [location, setLocation] = useState(read);
  useEffect(() => {
    const update = () => setLocation(read());
    window.addEventListener('popstate', update);
    window.addEventListener(NAVIGATE_EVENT, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(NAVIGATE_EVENT, update);
    };
  }, []);
  return location;
}

/** Goes to an absolute path (already prefixed with the base path). */
export function navigateTo(href: string, options: { replace?: boolean } = {}): void {
  const current = window.location.pathname + window.location.search + window.location.hash;
  if (href === current) return;
  if (options.replace) window.history.replaceState(null, '', href);
  else window.history.pushState(null, '', href);
  window.dispatchEvent(new Event(NAVIGATE_EVENT));
  if (!options.replace) window.scrollTo(0, 0);
}

/** navigate('c/demo/core/v1/pods') with an app-relative URL. */
export function useNavigate(): (to: string, options?: { replace?: boolean }) => void {
  const { basePath } = useApp();
  return useCallback((to: string, options?: { replace?: boolean }) => navigateTo(basePath + to, options), [basePath]);
}

export interface LinkProps extends Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'> {
  /** App-relative URL, e.g. `c/demo/core/v1/pods?ns=default`. */
  to: string;
}

/** A real link (open in a new tab works) that navigates in place on a plain click. */
export function Link({ to, onClick, ...rest }: LinkProps) {
  const { basePath } = useApp();
  const href = basePath + to;
  const handle = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    if (rest.target && rest.target !== '_self') return;
    event.preventDefault();
    navigateTo(href);
  };
  return <a href={href} onClick={handle} {...rest} />;
}
