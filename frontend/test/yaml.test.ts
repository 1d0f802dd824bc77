import { describe, expect, it } from 'vitest';
import { HIDDEN, decodeSecretValue, objectToYaml, stripManagedFields } from '../src/api/yaml';
import type { K8sObject } from '../src/api/types';

const secret: K8sObject = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: {
    name: 'db',
    namespace: 'default',
    managedFields: [{ manager: 'kubectl', operation: 'Update' }],
    annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"password":"aHVudGVyMg=="}}', team: 'a' },
  },
  type: 'Opaque',
  data: { password: 'aHVudGVyMg==', user: 'YWRtaW4=' },
};

describe('YAML rendering', () => {
  it('hides every secret value and the last-applied annotation', () => {
    const text = objectToYaml(secret);
    expect(text).not.toContain('aHVudGVyMg==');
    expect(text).not.toContain('YWRtaW4=');
    expect(text).toContain(`password: "${HIDDEN}"`);
    expect(text).toContain(`user: "${HIDDEN}"`);
    expect(text).toContain('team: a');
    expect(text).toContain('type: Opaque');
    expect(text).not.toContain('managedFields');
  });

  it('puts apiVersion and kind first, as kubectl does', () => {
    const text = objectToYaml({ metadata: { name: 'x' }, spec: { a: 1 }, kind: 'Widget', apiVersion: 'example.com/v1' });
    expect(text.split('\n').slice(0, 4)).toEqual(['apiVersion: example.com/v1', 'kind: Widget', 'metadata:', '  name: x']);
  });

  it('shows the values once revealed', () => {
    const text = objectToYaml(secret, { reveal: true });
    expect(text).toContain('password: aHVudGVyMg==');
    expect(text).not.toContain('managedFields');
  });

  it('leaves the original object alone', () => {
    objectToYaml(secret);
    expect((secret.data as Record<string, string>).password).toBe('aHVudGVyMg==');
    expect(secret.metadata.managedFields).toHaveLength(1);
    expect(stripManagedFields(secret).metadata.managedFields).toBeUndefined();
  });

  it('does not hide data of other kinds', () => {
    const cm: K8sObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { key: 'value' } };
    expect(objectToYaml(cm)).toContain('key: value');
  });

  it('decodes secret values, text or binary', () => {
    expect(decodeSecretValue('aHVudGVyMg==')).toEqual({ text: 'hunter2', binary: false, bytes: 7 });
    expect(decodeSecretValue('w6lsw6hu')).toMatchObject({ text: 'élèn', binary: false });
    expect(decodeSecretValue('AAEC/w==')).toMatchObject({ binary: true, bytes: 4 });
    expect(decodeSecretValue('%%%')).toMatchObject({ binary: true });
  });
});
