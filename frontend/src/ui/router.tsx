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
  const samePath = href.split(/[?#]/)[0] === window.location.pathname;
  if (options.replace) window.history.replaceState(null, '', href);
  else window.history.pushState(null, '', href);
  window.dispatchEvent(new CustomEvent(NAVIGATE_EVENT, { detail: { newPage: !options.replace && !samePath } }));
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

/**
 * After moving to another page (a link, not a replaced query such as the filter, nor a picker
 * that only changes `?ns=`), focus goes to the new page's heading, as a page load would put a
 * screen reader at the top: the heading is announced and Tab continues from there.
 */
export function useFocusHeadingOnNavigation(): void {
  useEffect(() => {
    let frame = 0;
    const onNavigate = (event: Event) => {
      if (!(event as CustomEvent<{ newPage?: boolean }>).detail?.newPage) return;
      cancelAnimationFrame(frame);
      const deadline = performance.now() + 3000;
      const look = () => {
        const heading = document.querySelector<HTMLElement>('#content h1');
        if (heading) {
          if (!heading.hasAttribute('tabindex')) heading.setAttribute('tabindex', '-1');
          heading.focus({ preventScroll: true });
        } else if (performance.now() < deadline) frame = requestAnimationFrame(look);
      };
      frame = requestAnimationFrame(look);
    };
    window.addEventListener(NAVIGATE_EVENT, onNavigate);
    return () => {
      window.removeEventListener(NAVIGATE_EVENT, onNavigate);
      cancelAnimationFrame(frame);
    };
  }, []);
}
