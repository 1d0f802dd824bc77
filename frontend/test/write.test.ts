import { describe, expect, it } from 'vitest';
import { ApiError } from '../src/api/client';
import { sendJson, statusCauses, withParams } from '../src/api/write';

describe('withParams', () => {
  it('adds query parameters, leaving out undefined ones', () => {
    expect(withParams('/x', { dryRun: 'All', fieldManager: undefined })).toBe('/x?dryRun=All');
    expect(withParams('/x?a=1', { b: '2' })).toBe('/x?a=1&b=2');
    expect(withParams('/x', {})).toBe('/x');
  });
});

describe('sendJson', () => {
  it('sends JSON with the content type and field manager, and returns the answer', async () => {
    const seen: { url: string; init?: RequestInit }[] = [];
    const fetch = async (url: string, init?: RequestInit) => {
      seen.push({ url, init });
      return new Response('{"ok":true}', { status: 200 });
    };
    const answer = await sendJson('PATCH', '/clusters/demo/apis/apps/v1/namespaces/default/deployments/web/scale', { spec: { replicas: 3 } }, { contentType: 'application/merge-patch+json', fetch });
    expect(answer).toEqual({ ok: true });
    expect(seen[0].url).toBe('/clusters/demo/apis/apps/v1/namespaces/default/deployments/web/scale?fieldManager=lamplight');
    expect(seen[0].init?.method).toBe('PATCH');
    expect((seen[0].init?.headers as Record<string, string>)['Content-Type']).toBe('application/merge-patch+json');
    expect(seen[0].init?.body).toBe('{"spec":{"replicas":3}}');
  });

  it('throws the Status of a conflict or an invalid object, causes included', async () => {
    const status = {
      kind: 'Status',
      code: 422,
      reason: 'Invalid',
      message: 'ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value',
      details: { causes: [{ field: 'metadata.name', message: 'Invalid value: "Bad_Name"' }, { message: 'another' }] },
    };
    const fetch = async () => new Response(JSON.stringify(status), { status: 422 });
    const error = (await sendJson('POST', '/x', {}, { fetch }).catch((e: unknown) => e)) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error.code).toBe(422);
    expect(error.title).toBe('422 Unprocessable Entity');
    expect(statusCauses(error)).toEqual(['metadata.name: Invalid value: "Bad_Name"', 'another']);
    expect(statusCauses(new Error('x'))).toEqual([]);
  });

  it('sends a DELETE without a field manager', async () => {
    let url = '';
    const fetch = async (u: string) => {
      url = u;
      return new Response('', { status: 200 });
    };
    expect(await sendJson('DELETE', '/x', { propagationPolicy: 'Foreground' }, { fetch })).toBeNull();
    expect(url).toBe('/x');
  });
});
