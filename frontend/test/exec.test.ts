import { describe, expect, it } from 'vitest';
import { closeStdinFrame, decodeFrame, diagnoseExec, encodeFrame, execPath, execUrl, parseExitStatus, resizeFrame, splitCommand, EXEC_PROTOCOLS } from '../src/api/exec';

const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe('channel framing (v4/v5.channel.k8s.io)', () => {
  it('offers v5 first, then v4', () => {
    expect(EXEC_PROTOCOLS).toEqual(['v5.channel.k8s.io', 'v4.channel.k8s.io']);
  });

  it('puts the channel byte before the data', () => {
    expect([...encodeFrame(0, 'ls\r')]).toEqual([0, 0x6c, 0x73, 0x0d]);
    expect([...encodeFrame(0, new Uint8Array([1, 2]))]).toEqual([0, 1, 2]);
    expect([...encodeFrame(0, 'é')]).toEqual([0, 0xc3, 0xa9]);
  });

  it('decodes stdout, stderr and the status channel', () => {
    const out = decodeFrame(new Uint8Array([1, 0x68, 0x69]).buffer);
    expect(out?.channel).toBe(1);
    expect(text(out!.data)).toBe('hi');
    expect(decodeFrame(new Uint8Array([2]))?.data.length).toBe(0);
    expect(decodeFrame(new Uint8Array([]))).toBeNull();
    const status = decodeFrame(encodeFrame(3, '{"status":"Success"}'));
    expect(status?.channel).toBe(3);
    expect(parseExitStatus(text(status!.data))).toEqual({ code: 0, success: true, message: '' });
  });

  it('encodes a resize as channel 4 JSON with whole, positive sizes', () => {
    const frame = resizeFrame(120.7, 0);
    expect(frame[0]).toBe(4);
    expect(JSON.parse(text(frame.subarray(1)))).toEqual({ Width: 120, Height: 1 });
  });

  it('closes stdin with v5 channel 255', () => {
    expect([...closeStdinFrame()]).toEqual([255, 0]);
  });
});

describe('exit status', () => {
  it('reads the exit code of NonZeroExitCode', () => {
    const status = {
      metadata: {},
      status: 'Failure',
      message: 'command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '3' }] },
    };
    expect(parseExitStatus(JSON.stringify(status))).toEqual({ code: 3, success: false, message: status.message });
  });

  it('keeps other failures and plain text as messages', () => {
    expect(parseExitStatus('{"status":"Failure","message":"container not found"}')).toEqual({ code: null, success: false, message: 'container not found' });
    expect(parseExitStatus('error: boom\n')).toEqual({ code: null, success: false, message: 'error: boom' });
  });
});

describe('exec URLs', () => {
  const target = { prefix: '/headlamp/clusters/demo', namespace: 'default', pod: 'web 1', container: 'nginx', mode: 'exec' as const, command: ['sh', '-c', 'echo hi'], tty: true };

  it('repeats command and asks for a TTY without stderr', () => {
    const path = execPath(target);
    expect(path.startsWith('/headlamp/clusters/demo/api/v1/namespaces/default/pods/web%201/exec?')).toBe(true);
    const q = new URLSearchParams(path.split('?')[1]);
    expect(q.getAll('command')).toEqual(['sh', '-c', 'echo hi']);
    expect(q.get('container')).toBe('nginx');
    expect(q.get('tty')).toBe('true');
    expect(q.get('stdin')).toBe('true');
    expect(q.get('stderr')).toBeNull();
  });

  it('attach has no command; without a TTY it asks for stderr', () => {
    const q = new URLSearchParams(execPath({ ...target, mode: 'attach', tty: false }).split('?')[1]);
    expect(q.getAll('command')).toEqual([]);
    expect(q.get('stderr')).toBe('true');
    expect(execPath({ ...target, mode: 'attach' })).toContain('/pods/web%201/attach?');
  });

  it('uses ws: or wss: like the page, on the page host, under the base path', () => {
    expect(execUrl(target, { protocol: 'http:', host: 'localhost:4466' })).toMatch(/^ws:\/\/localhost:4466\/headlamp\/clusters\/demo\/api\/v1\//);
    expect(execUrl(target, { protocol: 'https:', host: 'k.example.com' })).toMatch(/^wss:\/\/k\.example\.com\/headlamp\//);
  });

  it('splits a command line with quotes', () => {
    expect(splitCommand(`sh -c 'echo "a b"; exit 3'`)).toEqual(['sh', '-c', 'echo "a b"; exit 3']);
    expect(splitCommand(`  cat   /etc/hostname `)).toEqual(['cat', '/etc/hostname']);
    expect(splitCommand(`echo "x\\"y" ''`)).toEqual(['echo', 'x"y', '']);
  });
});

describe('why an exec did not open', () => {
  const respond = (status: number, body: unknown) => async () => new Response(JSON.stringify(body), { status });

  it("shows the API server's refusal", async () => {
    const error = await diagnoseExec('/c/exec', respond(403, { kind: 'Status', code: 403, message: 'pods "web" is forbidden: User "dev" cannot create resource "pods/exec"' }) as unknown as typeof fetch);
    expect(error?.code).toBe(403);
    expect(error?.message).toContain('cannot create resource "pods/exec"');
  });

  it('says nothing when only the upgrade was missing', async () => {
    expect(await diagnoseExec('/c/exec', respond(400, { kind: 'Status', code: 400, message: 'Upgrade request required' }) as unknown as typeof fetch)).toBeNull();
  });
});
