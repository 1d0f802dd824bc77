import { useId, useState, type ReactNode } from 'react';
import { deleteOptions, scalePatch, type Propagation } from '../../api/actions';
import type { K8sObject } from '../../api/types';
import { PATCH, sendJson } from '../../api/write';
import { Dialog, WriteError } from './Dialog';

/** The object as a sentence: "Deployment web in namespace default". */
export function objectName(object: K8sObject): string {
  const ns = object.metadata.namespace;
  return `${object.kind} ${object.metadata.name}${ns ? ` in namespace ${ns}` : ''}`;
}

/** Set the replicas through the `/scale` subresource. */
export function ScaleDialog({ object, url, onClose, onDone }: { object: K8sObject; url: string; onClose: () => void; onDone: (message: string) => void }) {
  const current = (object.spec as { replicas?: number } | undefined)?.replicas ?? 1;
  const [value, setValue] = useState(String(current));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const id = useId();
  const replicas = Number(value);
  const valid = value.trim() !== '' && Number.isInteger(replicas) && replicas >= 0;
  const submit = () => {
    if (!valid) return;
    setBusy(true);
    setError(null);
    sendJson('PATCH', url + '/scale', scalePatch(replicas), { contentType: PATCH.merge }).then(
      () => onDone(`Scaled ${object.kind} ${object.metadata.name} to ${replicas} replica${replicas === 1 ? '' : 's'}.`),
      (e) => {
        setError(e);
        setBusy(false);
      },
    );
  };
  return (
    <Dialog
      title={`Scale ${object.kind} ${object.metadata.name}`}
      onClose={onClose}
      testId="scale-dialog"
      footer={
        <>
          <button type="button" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" form={`${id}-form`} className="button primary" disabled={busy || !valid} data-testid="scale-apply">
            {busy ? 'Scaling…' : 'Scale'}
          </button>
        </>
      }
    >
      <form
        id={`${id}-form`}
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <p>
          {objectName(object)} has {current} desired replica{current === 1 ? '' : 's'}.
        </p>
        <label htmlFor={id} className="field-label">
          Replicas
        </label>
        <input id={id} type="number" min={0} step={1} value={value} onChange={(e) => setValue(e.target.value)} data-testid="scale-input" autoFocus />
        {!valid && <p className="error-text small">A whole number, 0 or more.</p>}
      </form>
      <WriteError error={error} what="scaling" />
    </Dialog>
  );
}

/** Delete, after the user types the name; the propagation policy is theirs to pick. */
export function DeleteDialog({ object, url, onClose, onDone }: { object: K8sObject; url: string; onClose: () => void; onDone: (message: string) => void }) {
  const name = object.metadata.name;
  const [typed, setTyped] = useState('');
  const [propagation, setPropagation] = useState<Propagation>('Background');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const id = useId();
  const confirmed = typed === name;
  const submit = () => {
    if (!confirmed) return;
    setBusy(true);
    setError(null);
    sendJson('DELETE', url, deleteOptions(propagation)).then(
      () => onDone(`Deleted ${objectName(object)}.`),
      (e) => {
        setError(e);
        setBusy(false);
      },
    );
  };
  const options: { value: Propagation; label: string; help: string }[] = [
    { value: 'Background', label: 'Background', help: 'delete it now; the garbage collector deletes what it owns afterwards (the default)' },
    { value: 'Foreground', label: 'Foreground', help: 'it stays (being deleted) until everything it owns is gone' },
    { value: 'Orphan', label: 'Orphan', help: 'what it owns is kept' },
  ];
  return (
    <Dialog
      title={`Delete ${object.kind} ${name}?`}
      onClose={onClose}
      testId="delete-dialog"
      footer={
        <>
          <button type="button" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" form={`${id}-form`} className="button danger-button" disabled={busy || !confirmed} data-testid="delete-confirm">
            {busy ? 'Deleting…' : `Delete ${name}`}
          </button>
        </>
      }
    >
      <form
        id={`${id}-form`}
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <p>
          This deletes <strong>{objectName(object)}</strong>. It cannot be undone.
        </p>
        <fieldset className="propagation">
          <legend>What it owns</legend>
          {options.map((o) => (
            <label key={o.value} className="radio">
              <input type="radio" name={`${id}-propagation`} value={o.value} checked={propagation === o.value} onChange={() => setPropagation(o.value)} data-testid={`propagation-${o.value}`} />
              <span>
                <strong>{o.label}</strong>: {o.help}
              </span>
            </label>
          ))}
        </fieldset>
        <label htmlFor={id} className="field-label">
          Type <code>{name}</code> to confirm
        </label>
        <input id={id} value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" spellCheck={false} data-testid="delete-name" autoFocus />
      </form>
      <WriteError error={error} what={`deleting ${name}`} />
    </Dialog>
  );
}

/** A yes/no question before a disruptive write (restart, cordon, suspend, run now). */
export function ConfirmDialog<T>({
  title,
  children,
  confirmLabel,
  onClose,
  run,
  onDone,
  testId,
}: {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  onClose: () => void;
  run: () => Promise<T>;
  onDone: (result: T) => void;
  testId: string;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  return (
    <Dialog
      title={title}
      onClose={onClose}
      testId={testId}
      footer={
        <>
          <button type="button" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button
            type="button"
            className="button primary"
            disabled={busy}
            data-testid="confirm"
            onClick={() => {
              setBusy(true);
              setError(null);
              run().then(onDone, (e) => {
                setError(e);
                setBusy(false);
              });
            }}
          >
            {busy ? 'Working…' : confirmLabel}
          </button>
        </>
      }
    >
      {children}
      <WriteError error={error} what={confirmLabel.toLowerCase()} />
    </Dialog>
  );
}
