import { lazy, Suspense, useMemo, useState } from 'react';
import { parse } from 'yaml';
import { checkEdited, withResourceVersion } from '../../api/actions';
import { ApiError, getJson } from '../../api/client';
import { diffLines, type DiffLine } from '../../api/diff';
import { findByKind } from '../../api/discovery';
import { apiPath, routeToUrl } from '../../api/routes';
import type { K8sObject } from '../../api/types';
import { sendJson } from '../../api/write';
import { objectToYaml } from '../../api/yaml';
import { useCluster } from '../cluster';
import { useNavigate } from '../router';
import { Dialog, DiffView, WriteError } from './Dialog';

const YamlEditor = lazy(() => import('./YamlEditor'));

/** The YAML of an object as the editor shows it: no managedFields, Secret values as stored. */
export function editableYaml(object: K8sObject): string {
  return objectToYaml(object, { reveal: true });
}

/** The YAML a diff compares: the status is left out (an edit cannot change it; the controllers do). */
function diffYaml(object: K8sObject): string {
  const rest: K8sObject = { ...object };
  delete rest.status;
  return editableYaml(rest);
}

/** Parses the editor's text: one YAML document, or an error message with its line. */
export function parseYaml(text: string): { object: K8sObject } | { error: string } {
  try {
    const value = parse(text, { prettyErrors: true }) as unknown;
    if (!value || typeof value !== 'object' || Array.isArray(value)) return { error: 'The YAML must be one object (a mapping with apiVersion, kind and metadata).' };
    const object = value as K8sObject;
    if (!object.metadata || typeof object.metadata !== 'object') return { error: 'metadata is missing.' };
    return { object };
  } catch (error) {
    return { error: `YAML error: ${(error as Error).message}` };
  }
}

function Editor({ text, setText, label }: { text: string; setText: (t: string) => void; label: string }) {
  return (
    <Suspense fallback={<div className="spinner" role="status">Loading the editor…</div>}>
      <YamlEditor initial={text} onChange={setText} label={label} />
    </Suspense>
  );
}

type View = { kind: 'edit' } | { kind: 'preview'; lines: DiffLine[] } | { kind: 'conflict'; live: K8sObject; mine: K8sObject; lines: DiffLine[] };

/**
 * Edit an object's YAML and apply it with PUT, carrying the resourceVersion it was read at.
 * "Preview" asks for a server-side dry run and shows what would change; a 409 shows the live
 * object's differences from the edit and offers to reload or to reapply over it.
 */
export function EditDialog({ object, url, onClose, onDone }: { object: K8sObject; url: string; onClose: () => void; onDone: (message: string) => void }) {
  const [base, setBase] = useState(object);
  const baseYaml = useMemo(() => editableYaml(base), [base]);
  const [text, setText] = useState(baseYaml);
  const [view, setView] = useState<View>({ kind: 'edit' });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [what, setWhat] = useState('applying');
  const name = object.metadata.name;
  const liveChanged = object.metadata.resourceVersion !== base.metadata.resourceVersion;

  const edited = (): K8sObject | null => {
    const parsed = parseYaml(text);
    if ('error' in parsed) {
      setError(new Error(parsed.error));
      setWhat('reading the YAML');
      return null;
    }
    const problem = checkEdited(parsed.object, base);
    if (problem) {
      setError(new Error(problem));
      setWhat('applying');
      return null;
    }
    return parsed.object;
  };

  const run = async (label: string, work: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    setWhat(label);
    try {
      await work();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const showConflict = async (mine: K8sObject) => {
    const live = await getJson<K8sObject>(url);
    setView({ kind: 'conflict', live, mine, lines: diffLines(diffYaml(live), diffYaml(withResourceVersion(mine, live.metadata.resourceVersion))) });
  };

  const put = async (mine: K8sObject) => {
    try {
      const saved = await sendJson<K8sObject>('PUT', url, mine);
      onDone(`Saved ${object.kind} ${name} (resourceVersion ${saved?.metadata?.resourceVersion ?? '?'}).`);
    } catch (e) {
      if (e instanceof ApiError && e.code === 409) {
        await showConflict(mine);
        return;
      }
      throw e;
    }
  };

  const preview = () => {
    const mine = edited();
    if (!mine) return;
    void run('previewing (server-side dry run)', async () => {
      const result = await sendJson<K8sObject>('PUT', url, mine, { params: { dryRun: 'All' } });
      setView({ kind: 'preview', lines: diffLines(diffYaml(base), diffYaml(result)) });
    });
  };
  const apply = () => {
    const mine = edited();
    if (!mine) return;
    void run('applying', () => put(mine));
  };

  const footer =
    view.kind === 'conflict' ? (
      <>
        <button
          type="button"
          onClick={() => {
            setBase(view.live);
            setText(editableYaml(view.live));
            setView({ kind: 'edit' });
            setError(null);
          }}
          data-testid="conflict-reload"
          disabled={busy}
        >
          Reload (discard my changes)
        </button>
        <button type="button" onClick={() => setView({ kind: 'edit' })} disabled={busy}>
          Back to my edit
        </button>
        <button
          type="button"
          className="button primary"
          onClick={() => void run('reapplying', () => put(withResourceVersion(view.mine, view.live.metadata.resourceVersion)))}
          data-testid="conflict-reapply"
          disabled={busy}
        >
          Reapply my version over it
        </button>
      </>
    ) : (
      <>
        <button type="button" onClick={onClose} disabled={busy}>
          Cancel
        </button>
        {view.kind === 'preview' && (
          <button type="button" onClick={() => setView({ kind: 'edit' })} disabled={busy} data-testid="edit-back">
            Back to the editor
          </button>
        )}
        {view.kind === 'edit' && (
          <button type="button" onClick={preview} disabled={busy} data-testid="edit-preview">
            Preview (dry run)
          </button>
        )}
        <button type="button" className="button primary" onClick={apply} disabled={busy} data-testid="edit-apply">
          {busy ? 'Working…' : 'Apply'}
        </button>
      </>
    );

  return (
    <Dialog title={`Edit ${object.kind} ${name}`} onClose={onClose} footer={footer} wide testId="edit-dialog">
      {liveChanged && view.kind === 'edit' && (
        <div className="warning-box" role="status" data-testid="edit-stale">
          This {object.kind} changed since the editor opened (resourceVersion {base.metadata.resourceVersion} → {object.metadata.resourceVersion}). Applying
          will report a conflict; reload to start from the new version.
        </div>
      )}
      {view.kind === 'edit' && <Editor text={text} setText={setText} label={`YAML of ${object.kind} ${name}`} />}
      {view.kind === 'preview' && (
        <div data-testid="edit-preview-result">
          <p>The API server accepted this edit in a dry run (nothing was saved). What it would change:</p>
          <DiffView lines={view.lines} oldLabel="now" newLabel="after applying" testId="preview-diff" />
          <p className="small muted">The status is not compared: controllers write it, not edits.</p>
        </div>
      )}
      {view.kind === 'conflict' && (
        <div data-testid="edit-conflict">
          <div className="warning-box" role="alert">
            <strong>409 Conflict:</strong> someone changed this {object.kind} after you opened the editor (resourceVersion {base.metadata.resourceVersion} →{' '}
            {view.live.metadata.resourceVersion}). Below is what your version would change in the live object; reapplying overwrites their changes.
          </div>
          <DiffView lines={view.lines} oldLabel="live" newLabel="yours" testId="conflict-diff" />
        </div>
      )}
      <WriteError error={error} what={what} />
    </Dialog>
  );
}

/** Create an object from YAML (POST to its kind's collection), with a dry-run preview. */
export function CreateDialog({ template, defaultNamespace, onClose }: { template: string; defaultNamespace: string | undefined; onClose: () => void }) {
  const { prefix, discovery, cluster, ns } = useCluster();
  const navigate = useNavigate();
  const [text, setText] = useState(template);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [what, setWhat] = useState('creating');
  const [preview, setPreview] = useState<string | null>(null);

  const target = () => {
    const parsed = parseYaml(text);
    if ('error' in parsed) throw new Error(parsed.error);
    const object = parsed.object;
    if (!object.apiVersion || !object.kind) throw new Error('apiVersion and kind are required.');
    const info = findByKind(discovery, object.apiVersion, object.kind);
    if (!info) throw new Error(`This cluster does not serve ${object.kind} in ${object.apiVersion}.`);
    const namespace = info.namespaced ? object.metadata.namespace || defaultNamespace || 'default' : undefined;
    return { object, info, namespace, url: prefix + apiPath(info, namespace) };
  };
  const run = (label: string, work: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    setWhat(label);
    work()
      .catch((e) => setError(e))
      .finally(() => setBusy(false));
  };
  const dryRun = () =>
    run('previewing (server-side dry run)', async () => {
      const { object, url } = target();
      const result = await sendJson<K8sObject>('POST', url, object, { params: { dryRun: 'All' } });
      setPreview(editableYaml(result));
    });
  const create = () =>
    run('creating', async () => {
      const { object, info, namespace, url } = target();
      const created = await sendJson<K8sObject>('POST', url, object);
      onClose();
      navigate(routeToUrl({ page: 'detail', cluster, group: info.group, version: info.version, resource: info.resource, namespace, name: created.metadata.name, ns }));
    });

  return (
    <Dialog
      title="Create from YAML"
      onClose={onClose}
      wide
      testId="create-dialog"
      footer={
        <>
          <button type="button" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          {preview === null ? (
            <button type="button" onClick={dryRun} disabled={busy} data-testid="create-preview">
              Preview (dry run)
            </button>
          ) : (
            <button type="button" onClick={() => setPreview(null)} disabled={busy}>
              Back to the editor
            </button>
          )}
          <button type="button" className="button primary" onClick={create} disabled={busy} data-testid="create-apply">
            {busy ? 'Working…' : 'Create'}
          </button>
        </>
      }
    >
      {preview === null ? (
        <Editor text={text} setText={setText} label="YAML of the object to create" />
      ) : (
        <div data-testid="create-preview-result">
          <p>The API server accepted this object in a dry run (nothing was created). It would be stored as:</p>
          <DiffView lines={diffLines('', preview)} oldLabel="nothing" newLabel="created" />
        </div>
      )}
      <WriteError error={error} what={what} />
    </Dialog>
  );
}
