import { describe, expect, it } from 'vitest';
import { computeBasePath, relativeToBase } from '../src/api/base';

describe('computeBasePath', () => {
  it('uses the injected <base href> directory', () => {
    expect(computeBasePath('http://h:4466/headlamp/')).toBe('/headlamp/');
    expect(computeBasePath('http://h:4466/')).toBe('/');
    expect(computeBasePath('https://h/a/b/')).toBe('/a/b/');
  });

  it('drops a file name after the last slash', () => {
    expect(computeBasePath('http://h/headlamp/index.html')).toBe('/headlamp/');
  });

  it('cuts a deep link at the app routes when no <base> was injected', () => {
    expect(computeBasePath('http://h/headlamp/c/demo/core/v1/pods', false)).toBe('/headlamp/');
    expect(computeBasePath('http://h/c/demo/apps/v1/deployments/default/web', false)).toBe('/');
  });

  it('ignores the query and hash', () => {
    expect(computeBasePath('http://h/x/?ns=default#yaml')).toBe('/x/');
  });
});

describe('relativeToBase', () => {
  it('returns the app-relative path', () => {
    expect(relativeToBase('/headlamp/c/demo', '/headlamp/')).toBe('c/demo');
    expect(relativeToBase('/headlamp', '/headlamp/')).toBe('');
    expect(relativeToBase('/c/demo', '/')).toBe('c/demo');
    expect(relativeToBase('/other/c/demo', '/headlamp/')).toBeNull();
  });
});
