import { useEffect, useId, useRef, type ReactNode } from 'react';
import { diffHunks, diffStats, type DiffLine } from '../../api/diff';
import type { CanResult } from '../../api/permissions';
import { statusCauses } from '../../api/write';
import { ApiError } from '../../api/client';
import './actions.css';

/** A modal dialog (the browser's <dialog>: focus kept inside, Escape closes). */
export function Dialog({
  title,
  onClose,
  children,
  footer,
  wide,
  testId,
}: {
  title: ReactNode;
  onClose: () => void;
  children: ReactNode;
  footer?: ReactNode;
  wide?: boolean;
  testId?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      className={wide ? 'action-dialog wide' : 'action-dialog'}
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      data-testid={testId}
    >
      <div className="dialog-head">
        <h2 id={titleId}>{title}</h2>
        <button type="button" className="dialog-close" aria-label="Close" onClick={onClose}>
          ×
        </button>
      </div>
      <div className="dialog-body">{children}</div>
      {footer && <div className="dialog-foot">{footer}</div>}
    </dialog>
  );
}

/**
 * A button gated by a permission: when the user may not, it stays visible but disabled
 * (`aria-disabled`, so it can still be focused and its tooltip read) and says why.
 */
export function ActionButton({
  can,
  children,
  onClick,
  testId,
  danger,
}: {
  can: CanResult;
  children: ReactNode;
  onClick: () => void;
  testId?: string;
  danger?: boolean;
}) {
  const whyId = useId();
  const disabled = !can.allowed;
  return (
    <>
      <button
        type="button"
        className={'action-button' + (danger ? ' danger' : '')}
        aria-disabled={disabled || undefined}
        aria-busy={can.loading || undefined}
        aria-describedby={disabled ? whyId : undefined}
        title={!disabled && can.reason ? can.reason : undefined}
        data-why={disabled ? can.reason : undefined}
        onClick={disabled ? undefined : onClick}
        data-testid={testId}
      >
        {children}
      </button>
      {disabled && (
        <span id={whyId} className="sr-only">
          {can.reason}
        </span>
      )}
    </>
  );
}

/** Both checks must pass; the first refusal says why. */
export function both(a: CanResult, b: CanResult): CanResult {
  if (!a.allowed) return a;
  if (!b.allowed) return b;
  return { allowed: true, loading: false, reason: [a.reason, b.reason].filter(Boolean).join(' ') };
}

/** A write's failure in place: the server's message, and a 422's causes field by field. */
export function WriteError({ error, what }: { error: unknown; what: string }) {
  if (!error) return null;
  const api = error instanceof ApiError ? error : null;
  const causes = statusCauses(error);
  return (
    <div className="error-box" role="alert" data-testid="action-error">
      <strong className="error-title">
        {api ? `${api.title} while ${what}` : `Could not ${what}`}
      </strong>
      <div className="error-message">{api ? api.message : String((error as Error)?.message ?? error)}</div>
      {causes.length > 0 && (
        <ul className="causes" data-testid="action-causes">
          {causes.map((c, i) => (
            <li key={i}>{c}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** A unified diff of two texts' lines, only the changes with a little context. */
export function DiffView({ lines, testId, oldLabel, newLabel }: { lines: DiffLine[]; testId?: string; oldLabel: string; newLabel: string }) {
  const hunks = diffHunks(lines, 3);
  const { added, removed } = diffStats(lines);
  return (
    <div className="diff" data-testid={testId}>
      <p className="small muted">
        <span className="diff-old-label">− {oldLabel}</span> <span className="diff-new-label">+ {newLabel}</span> · {added} added, {removed} removed
      </p>
      {hunks.length === 0 ? (
        <p className="muted">No difference.</p>
      ) : (
        <pre className="diff-lines" tabIndex={0} aria-label={`Changes: ${added} lines added, ${removed} removed`}>
          {hunks.map((hunk, h) => (
            <div key={h} className="diff-hunk">
              {hunk.lines.map((line, i) => (
                <div key={i} className={line.op === '+' ? 'diff-add' : line.op === '-' ? 'diff-del' : 'diff-same'}>
                  <span className="diff-op" aria-hidden="true">
                    {line.op}
                  </span>
                  {line.op === '+' ? <ins>{line.text}</ins> : line.op === '-' ? <del>{line.text}</del> : line.text}
                </div>
              ))}
            </div>
          ))}
        </pre>
      )}
    </div>
  );
}
