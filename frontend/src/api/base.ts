/**
 * Where the app lives. The server injects `<base href="/{base-url}/">` into index.html, so
 * `document.baseURI` names the app's root even on a deep link such as `/headlamp/c/demo/core/v1/pods`.
 * The API (`config`, `me`, `clusters/...`) lives under the same prefix.
 */
export function computeBasePath(baseURI: string, hasBaseElement = true): string {
  const url = new URL(baseURI);
  let path = url.pathname;
  if (!hasBaseElement) {
    // No <base> (a plain static server): the document URL may be a deep link, so cut at the
    // first `/c/` segment, where the app's own routes start.
    const cut = path.indexOf('/c/');
    if (cut >= 0) path = path.slice(0, cut + 1);
  }
  const dir = path.slice(0, path.lastIndexOf('/') + 1);
  return dir || '/';
}

/** The base path of the running document. */
export function documentBasePath(): string {
  const hasBase = document.querySelector('base[href]') !== null;
  return computeBasePath(document.baseURI, hasBase);
}

/** The app-relative part of a location path (no leading slash), or null when outside the app. */
export function relativeToBase(pathname: string, basePath: string): string | null {
  if (pathname === basePath.replace(/\/$/, '')) return '';
  if (!pathname.startsWith(basePath)) return null;
  return pathname.slice(basePath.length);
}
