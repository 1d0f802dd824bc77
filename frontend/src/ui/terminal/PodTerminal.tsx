import { useEffect, useId, useRef, useState } from 'react';
import type { ApiError } from '../../api/client';
import { diagnoseExec, ExecSession, execPath, execUrl, splitCommand, type ExecTarget, type ExitStatus } from '../../api/exec';
import { useCan } from '../../api/permissions';
import type { K8sObject } from '../../api/types';
import { useCluster } from '../cluster';
import { ErrorBox } from '../common';
import type { TerminalHandle } from './xterm';
import './terminal.css';

interface ContainerSpec {
  name: string;
  tty?: boolean;
  stdin?: boolean;
}

type Phase = 'idle' | 'loading' | 'connecting' | 'open' | 'closing' | 'closed';

const SHELLS = ['sh', 'bash'];

/** The containers one can exec into: regular and ephemeral ones (init containers have finished). */
function execContainers(pod: K8sObject): ContainerSpec[] {
  const spec = (pod.spec ?? {}) as { containers?: ContainerSpec[]; ephemeralContainers?: ContainerSpec[] };
  return [...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];
}

/**
 * A shell in a pod's container: xterm.js (loaded on demand) over the exec WebSocket
 * (v5.channel.k8s.io, else v4), or attach to a container started with a TTY. Resizes follow the
 * terminal's size; "Close" ends the session cleanly (v5: closes stdin) and the exit status is shown.
 */
export function PodTerminal({ pod }: { pod: K8sObject }) {
  const { prefix } = useCluster();
  const containers = execContainers(pod);
  const namespace = pod.metadata.namespace ?? 'default';
  const name = pod.metadata.name;
  const [container, setContainer] = useState(containers[0]?.name ?? '');
  const chosen = containers.find((c) => c.name === container) ?? containers[0];
  const [shell, setShell] = useState('sh');
  const [command, setCommand] = useState('');
  const [mode, setMode] = useState<'exec' | 'attach'>('exec');
  const attachable = !!chosen?.tty;
  const effectiveMode = attachable ? mode : 'exec';

  const exec = useCan({ verb: 'create', resource: 'pods', subresource: effectiveMode, namespace, name });
  const deniedId = useId();

  const [phase, setPhase] = useState<Phase>('idle');
  const [run, setRun] = useState(0);
  const [protocol, setProtocol] = useState('');
  const [exit, setExit] = useState<ExitStatus | null>(null);
  const [closeNote, setCloseNote] = useState('');
  const [refusal, setRefusal] = useState<ApiError | null>(null);
  const [size, setSize] = useState<{ cols: number; rows: number } | null>(null);
  const hostRef = useRef<HTMLDivElement>(null);
  const sessionRef = useRef<ExecSession | null>(null);
  const targetRef = useRef({ prefix, namespace, name, container: chosen?.name, shell, command, mode: effectiveMode, tty: chosen?.tty, stdin: chosen?.stdin });
  targetRef.current = { prefix, namespace, name, container: chosen?.name, shell, command, mode: effectiveMode, tty: chosen?.tty, stdin: chosen?.stdin };

  useEffect(() => {
    if (run === 0) return;
    const target = targetRef.current;
    let disposed = false;
    let handle: TerminalHandle | null = null;
    let session: ExecSession | null = null;
    let observer: ResizeObserver | null = null;
    setPhase('loading');
    setExit(null);
    setCloseNote('');
    setRefusal(null);
    setProtocol('');
    setSize(null);
    void import('./xterm').then(
      ({ createTerminal }) => {
        const host = hostRef.current;
        if (disposed || !host) return;
        handle = createTerminal(host);
        const term = handle.terminal;
        const words = target.mode === 'exec' ? (target.shell === 'command' ? splitCommand(target.command) : [target.shell]) : [];
        const execTarget: ExecTarget = {
          prefix: target.prefix,
          namespace: target.namespace,
          pod: target.name,
          container: target.container,
          mode: target.mode,
          command: words,
          tty: target.mode === 'attach' ? !!target.tty : true,
        };
        const url = execUrl(execTarget, window.location);
        setPhase('connecting');
        const decoder = new TextDecoder();
        session = new ExecSession(url, {
          onOpen: (p) => {
            if (disposed) return;
            setProtocol(p);
            setPhase('open');
            session?.resize(term.cols, term.rows);
            setSize({ cols: term.cols, rows: term.rows });
            term.focus();
          },
          onOutput: (data) => term.write(decoder.decode(data, { stream: true })),
          onStatus: (status) => {
            if (!disposed) setExit(status);
          },
          onClose: ({ code, reason, opened }) => {
            if (disposed) return;
            setPhase('closed');
            if (!opened) {
              setCloseNote('The connection was refused.');
              void diagnoseExec(execPath(execTarget)).then((error) => !disposed && setRefusal(error));
            } else if (code !== 1000 && code !== 1005) setCloseNote(`The connection closed (${code}${reason ? `: ${reason}` : ''}).`);
            term.options.cursorBlink = false;
          },
        });
        sessionRef.current = session;
        term.onData((data) => session?.input(data));
        term.onResize(({ cols, rows }) => {
          session?.resize(cols, rows);
          setSize({ cols, rows });
        });
        observer = new ResizeObserver(() => handle?.fit());
        observer.observe(host);
      },
      (error: unknown) => {
        if (disposed) return;
        setPhase('closed');
        setCloseNote(`The terminal could not be loaded: ${String((error as Error)?.message ?? error)}`);
      },
    );
    return () => {
      disposed = true;
      observer?.disconnect();
      session?.dispose();
      sessionRef.current = null;
      handle?.dispose();
    };
  }, [run]);

  const active = phase === 'loading' || phase === 'connecting' || phase === 'open' || phase === 'closing';
  const close = () => {
    setPhase('closing');
    sessionRef.current?.close();
  };

  if (containers.length === 0) return <p className="muted">This pod has no containers.</p>;

  return (
    <div className="terminal" data-testid="terminal">
      <div className="terminal-toolbar" role="toolbar" aria-label="Shell options">
        <label>
          Container{' '}
          <select value={chosen?.name} onChange={(e) => setContainer(e.target.value)} disabled={active} data-testid="terminal-container">
            {containers.map((c) => (
              <option key={c.name} value={c.name}>
                {c.name}
                {c.tty ? ' (tty)' : ''}
              </option>
            ))}
          </select>
        </label>
        {attachable && (
          <label title="Attach joins the container's own process (started with a TTY); exec starts a new one">
            Mode{' '}
            <select value={effectiveMode} onChange={(e) => setMode(e.target.value as 'exec' | 'attach')} disabled={active} data-testid="terminal-mode">
              <option value="exec">exec</option>
              <option value="attach">attach</option>
            </select>
          </label>
        )}
        {effectiveMode === 'exec' && (
          <label>
            Shell{' '}
            <select value={shell} onChange={(e) => setShell(e.target.value)} disabled={active} data-testid="terminal-shell">
              {SHELLS.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
              <option value="command">command…</option>
            </select>
          </label>
        )}
        {effectiveMode === 'exec' && shell === 'command' && (
          <input
            type="text"
            aria-label="Command to run"
            placeholder="e.g. cat /etc/hostname"
            value={command}
            onChange={(e) => setCommand(e.target.value)}
            disabled={active}
            data-testid="terminal-command"
          />
        )}
        {active ? (
          <button type="button" onClick={close} disabled={phase === 'closing' || phase === 'loading'} data-testid="terminal-close">
            {phase === 'closing' ? 'Closing…' : 'Close'}
          </button>
        ) : (
          <button
            type="button"
            className="button primary"
            // Not allowed: still focusable, with the reason read out (aria-disabled, not disabled).
            onClick={exec.allowed ? () => setRun((n) => n + 1) : undefined}
            aria-disabled={!exec.allowed || undefined}
            aria-busy={exec.loading || undefined}
            aria-describedby={!exec.allowed && !exec.loading ? deniedId : undefined}
            disabled={effectiveMode === 'exec' && shell === 'command' && !command.trim()}
            title={exec.allowed ? undefined : exec.reason}
            data-testid="terminal-connect"
          >
            {effectiveMode === 'attach' ? 'Attach' : 'Connect'}
            {phase === 'closed' ? ' again' : ''}
          </button>
        )}
        {!exec.allowed && !exec.loading && (
          <span className="muted small" id={deniedId} data-testid="terminal-denied">
            {exec.reason}
          </span>
        )}
      </div>
      <div className="terminal-status" data-testid="terminal-status" aria-live="polite">
        {phase === 'loading' && <span className="muted">Loading the terminal…</span>}
        {phase === 'connecting' && <span className="muted">Connecting…</span>}
        {(phase === 'open' || phase === 'closing') && (
          <span className="live">
            <span className="dot" aria-hidden="true" /> Connected to {chosen?.name}
            {protocol && <span className="muted"> ({protocol})</span>}
            <span className="muted"> · Shift+Tab leaves the terminal</span>
          </span>
        )}
        {size && (phase === 'open' || phase === 'closing') && (
          <span className="muted" data-testid="terminal-size">
            {' '}
            · {size.cols}×{size.rows}
          </span>
        )}
        {phase === 'closed' && (
          <span data-testid="terminal-exit">
            {exit ? (
              exit.success ? (
                <span className="terminal-exit-ok">Exited with status 0</span>
              ) : (
                <span className="terminal-exit-bad">
                  {exit.code !== null ? `Exited with status ${exit.code}` : 'Failed'}
                  {exit.message ? `: ${exit.message}` : ''}
                </span>
              )
            ) : (
              <span className="muted">Session closed{closeNote ? '' : '.'}</span>
            )}
            {closeNote && <span className="muted"> {closeNote}</span>}
          </span>
        )}
      </div>
      {refusal && phase === 'closed' && <ErrorBox error={refusal} what={`opening an ${effectiveMode} session in ${name}`} />}
      {run > 0 && <div className="terminal-host" ref={hostRef} data-testid="terminal-host" />}
    </div>
  );
}
