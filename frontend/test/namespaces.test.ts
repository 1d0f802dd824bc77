import { describe, expect, it } from 'vitest';
import { defaultNamespace, describeNamespaces, formatNamespaces, inNamespaces, namespaceFilter, parseNamespaces, queryNamespace } from '../src/api/namespaces';

describe('several namespaces', () => {
  it('parses and formats ?ns=', () => {
    expect(parseNamespaces('a, b,a,')).toEqual(['a', 'b']);
    expect(parseNamespaces(undefined)).toEqual([]);
    expect(formatNamespaces(['b', 'a', 'b'])).toBe('b,a');
    expect(formatNamespaces([])).toBeUndefined();
  });

  it('asks for one namespace, or all and keeps the picked ones', () => {
    expect(queryNamespace('default')).toBe('default');
    expect(queryNamespace('default,team-a')).toBeUndefined();
    expect(queryNamespace(undefined)).toBeUndefined();
    expect(namespaceFilter('default')).toBeNull();
    const filter = namespaceFilter('default,team-a');
    expect(filter).toEqual(['default', 'team-a']);
    expect(inNamespaces(filter, 'team-a')).toBe(true);
    expect(inNamespaces(filter, 'kube-system')).toBe(false);
    expect(inNamespaces(filter, undefined)).toBe(true);
    expect(inNamespaces(null, 'x')).toBe(true);
  });

  it('describes the choice and picks a default for new objects', () => {
    expect(describeNamespaces(undefined)).toBe('all namespaces');
    expect(describeNamespaces('a')).toBe('a');
    expect(describeNamespaces('a,b,c')).toBe('a, b and c');
    expect(defaultNamespace('team-a,default')).toBe('team-a');
    expect(defaultNamespace(undefined)).toBe('default');
  });
});
