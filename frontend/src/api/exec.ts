/**
 * `pods/exec` and `pods/attach` over a WebSocket with the Kubernetes channel protocols
 * (`v5.channel.k8s.io`, falling back to `v4.channel.k8s.io`: both are offered and the API server
 * picks the first it speaks). Every message is one channel byte then the bytes:
 *
 *   0 stdin · 1 stdout · 2 stderr · 3 error: the exit `Status` as JSON (v4+)
 *   4 resize: `{"Width":cols,"Height":rows}` · 255 (v5 only): close channel N, N in the next byte
 */
import { ApiError, errorFromResponse } from './client';
import { toWebSocketUrl } from './logs';

export const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];

export const STDIN = 0;
export const STDOUT = 1;
export const STDERR = 2;
export const ERROR = 3;
export const RESIZE = 4;
export const CLOSE = 255;

const encoder = new TextEncoder();

/** One message: the channel byte, then the data. */
export function encodeFrame(channel: number, data: Uint8Array | string): Uint8Array {
  const bytes = typeof data === 'string' ? encoder.encode(data) : data;
  const frame = new Uint8Array(bytes.length + 1);
  frame[0] = channel;
  frame.set(bytes, 1);
  return frame;
}

/** A received message's channel and data; null for an empty message. */
export function decodeFrame(message: ArrayBuffer | Uint8Array): { channel: number; data: Uint8Array } | null {
  const bytes = message instanceof Uint8Array ? message : new Uint8Array(message);
  if (bytes.length === 0) return null;
  return { channel: bytes[0], data: bytes.subarray(1) };
}

/** The terminal size, as the kubelet reads it from channel 4. */
export function resizeFrame(cols: number, rows: number): Uint8Array {
  return encodeFrame(RESIZE, JSON.stringify({ Width: Math.max(1, Math.floor(cols)), Height: Math.max(1, Math.floor(rows)) }));
}

/** v5: "no more stdin" (close channel 0), which ends an interactive shell cleanly. */
export function closeStdinFrame(): Uint8Array {
  return new Uint8Array([CLOSE, STDIN]);
}

export interface ExitStatus {
  /** The exit code, when known (0 for Success). */
  code: number | null;
  success: boolean;
  /** The Status message (why it failed). */
  message: string;
}

/**
 * Reads the exit status from channel 3: a `Status` (v4+) whose `Success` means exit code 0 and
 * whose `NonZeroExitCode` carries the code in `details.causes[reason=ExitCode].message`; any other
 * text (older protocols, or an error) is a failure with that message.
 */
export function parseExitStatus(text: string): ExitStatus {
  let status: { status?: string; message?: string; reason?: string; details?: { causes?: { reason?: string; message?: string }[] } };
  try {
    status = JSON.parse(text);
  } catch {
    return { code: null, success: false, message: text.trim() };
  }
  if (!status || typeof status !== 'object') return { code: null, success: false, message: text.trim() };
  if (status.status === 'Success') return { code: 0, success: true, message: '' };
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  const code = cause?.message !== undefined && /^-?\d+$/.test(cause.message) ? Number(cause.message) : null;
  return { code, success: false, message: status.message ?? '' };
}

export interface ExecTarget {
  /** `{base}clusters/{cluster}` */
  prefix: string;
  namespace: string;
  pod: string;
  container?: string;
  /** exec runs `command`; attach joins the container's main process. */
  mode: 'exec' | 'attach';
  command?: string[];
  tty: boolean;
}

/** The exec/attach path (no scheme). */
export function execPath(target: ExecTarget): string {
  const params = new URLSearchParams();
  if (target.container) params.set('container', target.container);
  if (target.mode === 'exec') for (const word of target.command ?? []) params.append('command', word);
  params.set('stdin', 'true');
  params.set('stdout', 'true');
  // With a TTY, stderr is merged into stdout; asking for both is refused by the kubelet.
  if (!target.tty) params.set('stderr', 'true');
  if (target.tty) params.set('tty', 'true');
  return `${target.prefix}/api/v1/namespaces/${encodeURIComponent(target.namespace)}/pods/${encodeURIComponent(target.pod)}/${target.mode}?${params}`;
}

export function execUrl(target: ExecTarget, location: { protocol: string; host: string }): string {
  return toWebSocketUrl(execPath(target), location);
}

/** Splits a command line into words ("sh -c 'echo hi'" → sh, -c, echo hi). */
export function splitCommand(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < line.length) word += line[++i];
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

export type ExecPhase = 'connecting' | 'open' | 'closing' | 'closed';

export interface ExecCallbacks {
  onOutput: (data: Uint8Array, channel: number) => void;
  onOpen: (protocol: string) => void;
  /** The exit status (channel 3) when it arrives. */
  onStatus: (status: ExitStatus) => void;
  /** The socket closed: `code`/`reason` of the close, `opened` whether it ever opened. */
  onClose: (info: { code: number; reason: string; opened: boolean }) => void;
}

/** One exec or attach session over a WebSocket. */
export class ExecSession {
  private readonly socket: WebSocket;
  private opened = false;
  private closeTimer: ReturnType<typeof setTimeout> | null = null;
  private statusSeen = false;
  private readonly decoder = new TextDecoder();

  constructor(url: string, callbacks: ExecCallbacks, WS: typeof WebSocket = WebSocket) {
    this.socket = new WS(url, EXEC_PROTOCOLS);
    this.socket.binaryType = 'arraybuffer';
    this.socket.onopen = () => {
      this.opened = true;
      callbacks.onOpen(this.socket.protocol);
    };
    this.socket.onmessage = (event: MessageEvent) => {
      if (typeof event.data === 'string') return; // only binary protocols are offered
      const frame = decodeFrame(event.data as ArrayBuffer);
      if (!frame) return;
      if (frame.channel === STDOUT || frame.channel === STDERR) callbacks.onOutput(frame.data, frame.channel);
      else if (frame.channel === ERROR) {
        this.statusSeen = true;
        callbacks.onStatus(parseExitStatus(this.decoder.decode(frame.data)));
      }
    };
    this.socket.onclose = (event: CloseEvent) => {
      if (this.closeTimer) clearTimeout(this.closeTimer);
      callbacks.onClose({ code: event.code, reason: event.reason, opened: this.opened });
    };
  }

  /** The negotiated protocol ('' until open). */
  get protocol(): string {
    return this.socket.protocol;
  }

  get isV5(): boolean {
    return this.socket.protocol === 'v5.channel.k8s.io';
  }

  get hasStatus(): boolean {
    return this.statusSeen;
  }

  private send(frame: Uint8Array): void {
    if (this.socket.readyState === 1) this.socket.send(frame);
  }

  input(data: string | Uint8Array): void {
    this.send(encodeFrame(STDIN, data));
  }

  resize(cols: number, rows: number): void {
    this.send(resizeFrame(cols, rows));
  }

  /**
   * Ends the session cleanly: v5 closes stdin (the shell exits and the server sends its status,
   * then closes); v4 has no such signal, so the socket is closed. Closes anyway after `graceMs`.
   */
  close(graceMs = 2000): void {
    if (this.socket.readyState > 1) return;
    if (this.isV5 && this.socket.readyState === 1) {
      this.send(closeStdinFrame());
      this.closeTimer = setTimeout(() => this.socket.close(1000), graceMs);
    } else {
      this.socket.close(1000);
    }
  }

  /** Closes at once (unmount). */
  dispose(): void {
    if (this.closeTimer) clearTimeout(this.closeTimer);
    if (this.socket.readyState <= 1) this.socket.close(1000);
  }
}

/**
 * Why an exec/attach WebSocket did not open (a browser is not told the HTTP answer): the same
 * request without the upgrade gets the API server's refusal (403, 404, a container not running…).
 * Its "Upgrade request required" means the request itself was fine: null then.
 */
export async function diagnoseExec(path: string, doFetch: typeof fetch = fetch): Promise<ApiError | null> {
  let response: Response;
  try {
    response = await doFetch(path, { credentials: 'same-origin' });
  } catch (error) {
    return new ApiError(0, path, undefined, `Could not reach the server: ${String((error as Error)?.message ?? error)}`);
  }
  if (response.ok) {
    void response.body?.cancel().catch(() => {});
    return null;
  }
  const error = await errorFromResponse(response, path);
  if (error.code === 400 && /upgrade request required/i.test(error.message)) return null;
  return error;
}
