import { describe, expect, it } from 'vitest';
import { envEntries, probeText, quantitiesText, terminatedText, volumeSummary } from '../src/api/podspec';

describe('pod spec in words', () => {
  it('says how a container last terminated', () => {
    expect(terminatedText({ reason: 'OOMKilled', exitCode: 137, finishedAt: '2026-01-01T00:00:00Z' })).toBe('OOMKilled, exit code 137, finished 2026-01-01T00:00:00Z');
    expect(terminatedText({ exitCode: 1, signal: 9 })).toBe('exit code 1, signal 9');
    expect(terminatedText(undefined)).toBe('');
  });

  it('lists requests and limits', () => {
    expect(quantitiesText({ cpu: '100m', memory: '128Mi' })).toBe('cpu 100m, memory 128Mi');
    expect(quantitiesText(undefined)).toBe('');
  });

  it('names secret and config map references without resolving them', () => {
    const env = envEntries({
      env: [
        { name: 'MODE', value: 'prod' },
        { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'db-creds', key: 'password' } } },
        { name: 'COLOR', valueFrom: { configMapKeyRef: { name: 'web-config', key: 'color', optional: true } } },
        { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        { name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', containerName: 'app' } } },
      ],
      envFrom: [{ secretRef: { name: 'api-keys' } }, { prefix: 'CFG_', configMapRef: { name: 'settings' } }],
    });
    expect(env.map((e) => [e.name, e.text, e.source, e.ref])).toEqual([
      ['(all keys)', 'all keys of secret api-keys', 'secret-all', 'api-keys'],
      ['CFG_*', 'all keys of config map settings', 'configmap-all', 'settings'],
      ['MODE', 'prod', 'value', undefined],
      ['PASSWORD', 'secret db-creds, key password', 'secret', 'db-creds'],
      ['COLOR', 'config map web-config, key color (optional)', 'configmap', 'web-config'],
      ['POD_IP', 'field status.podIP', 'field', undefined],
      ['CPU', 'resource limits.cpu of app', 'resource', undefined],
    ]);
    expect(envEntries({})).toEqual([]);
  });

  it('summarizes volumes with what they refer to', () => {
    expect(volumeSummary({ name: 'config', configMap: { name: 'web-config' } })).toEqual({ name: 'config', type: 'configMap', detail: 'config map web-config', ref: { resource: 'configmaps', name: 'web-config' } });
    expect(volumeSummary({ name: 'tls', secret: { secretName: 'web-tls' } }).ref).toEqual({ resource: 'secrets', name: 'web-tls' });
    expect(volumeSummary({ name: 'data', persistentVolumeClaim: { claimName: 'data-0', readOnly: true } }).detail).toBe('claim data-0 (read-only)');
    expect(volumeSummary({ name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } }).detail).toBe('medium Memory, size limit 64Mi');
    expect(volumeSummary({ name: 'tmp', emptyDir: {} }).detail).toBe('');
    expect(volumeSummary({ name: 'token', projected: { sources: [{ serviceAccountToken: {} }, { configMap: {} }] } }).detail).toBe('serviceAccountToken, configMap');
  });

  it('describes probes', () => {
    expect(probeText({ httpGet: { path: '/healthz', port: 8080 }, initialDelaySeconds: 5, periodSeconds: 10, timeoutSeconds: 1, failureThreshold: 3 })).toBe(
      'HTTP GET :8080/healthz, delay 5s, period 10s, timeout 1s, failure threshold 3',
    );
    expect(probeText({ tcpSocket: { port: 5432 } })).toBe('TCP :5432');
    expect(probeText({ exec: { command: ['cat', '/tmp/ready'] }, successThreshold: 1 })).toBe('exec cat /tmp/ready, success threshold 1');
    expect(probeText({ grpc: { port: 9000 } })).toBe('gRPC :9000');
  });
});
