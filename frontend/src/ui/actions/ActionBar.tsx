import { lazy, Suspense, useState, type ReactNode } from 'react';
import { defaultNamespace } from '../../api/namespaces';
import { cordonPatch, createTemplate, jobFromCronJob, kindActions, restartPatch, suspendPatch } from '../../api/actions';
import type { ResourceInfo } from '../../api/discovery';
import { useCan, type AccessCheck } from '../../api/permissions';
import { apiPath, routeToUrl } from '../../api/routes';
import type { K8sObject } from '../../api/types';
import { PATCH, sendJson } from '../../api/write';
import { useCluster } from '../cluster';
import { Link, useNavigate } from '../router';
import { ActionButton, both } from './Dialog';
import { ConfirmDialog, DeleteDialog, objectName, ScaleDialog } from './Dialogs';
import { DrainDialog } from './DrainDialog';

// The editor dialogs (CodeMirror, the YAML parser, the diff) load when first opened.
const EditDialog = lazy(() => import('./EditDialog').then((m) => ({ default: m.EditDialog })));
const CreateDialog = lazy(() => import('./EditDialog').then((m) => ({ default: m.CreateDialog })));

function Later({ children }: { children: ReactNode }) {
  return <Suspense fallback={<span className="action-message">Loading the editor…</span>}>{children}</Suspense>;
}

type Open = null | 'edit' | 'scale' | 'restart' | 'delete' | 'cordon' | 'drain' | 'suspend' | 'run';

/**
 * The detail page's actions for this object's kind, each asked of the API server first
 * (`SelfSubjectAccessReview`): an action the user may not take is disabled and says why.
 */
export function ActionBar({ object, info }: { object: K8sObject; info: ResourceInfo }) {
  const { prefix, cluster, ns } = useCluster();
  const navigate = useNavigate();
  const [open, setOpen] = useState<Open>(null);
  const [message, setMessage] = useState<{ text: string; link?: { to: string; label: string } } | null>(null);
  const meta = object.metadata;
  const namespace = info.namespaced ? meta.namespace : undefined;
  const url = prefix + apiPath(info, namespace, meta.name);
  const kinds = kindActions(info.group, info.resource);
  const on = (verb: string, extra: Partial<AccessCheck> = {}): AccessCheck => ({ verb, group: info.group, resource: info.resource, namespace, name: meta.name, ...extra });
  const has = (verb: string) => info.verbs.includes(verb);

  const canEdit = useCan(has('update') ? on('update') : null);
  const canDelete = useCan(has('delete') ? on('delete') : null);
  const canScale = useCan(kinds.scale ? on('patch', { subresource: 'scale' }) : null);
  const canPatch = useCan(kinds.restart || kinds.node || kinds.cronJob ? on('patch') : null);
  const canEvict = useCan(kinds.node ? { verb: 'create', group: '', resource: 'pods', subresource: 'eviction' } : null);
  const canListPods = useCan(kinds.node ? { verb: 'list', group: '', resource: 'pods' } : null);
  const canCreateJob = useCan(kinds.cronJob ? { verb: 'create', group: 'batch', resource: 'jobs', namespace } : null);

  const spec = (object.spec ?? {}) as { unschedulable?: boolean; suspend?: boolean };
  const done = (text: string, link?: { to: string; label: string }) => {
    setOpen(null);
    setMessage({ text, link });
  };
  const close = () => setOpen(null);
  const patch = (body: unknown, contentType: string = PATCH.merge) => sendJson('PATCH', url, body, { contentType });
  const what = objectName(object);

  return (
    <div className="action-bar" role="toolbar" aria-label={`Actions on ${what}`} data-testid="action-bar">
      {has('update') && (
        <ActionButton can={canEdit} onClick={() => setOpen('edit')} testId="action-edit">
          Edit YAML
        </ActionButton>
      )}
      {kinds.scale && (
        <ActionButton can={canScale} onClick={() => setOpen('scale')} testId="action-scale">
          Scale
        </ActionButton>
      )}
      {kinds.restart && (
        <ActionButton can={canPatch} onClick={() => setOpen('restart')} testId="action-restart">
          Restart
        </ActionButton>
      )}
      {kinds.node && (
        <ActionButton can={canPatch} onClick={() => setOpen('cordon')} testId={spec.unschedulable ? 'action-uncordon' : 'action-cordon'}>
          {spec.unschedulable ? 'Uncordon' : 'Cordon'}
        </ActionButton>
      )}
      {kinds.node && (
        <ActionButton can={both(canPatch, both(canListPods, canEvict))} onClick={() => setOpen('drain')} testId="action-drain">
          Drain
        </ActionButton>
      )}
      {kinds.cronJob && (
        <ActionButton can={canPatch} onClick={() => setOpen('suspend')} testId={spec.suspend ? 'action-resume' : 'action-suspend'}>
          {spec.suspend ? 'Resume' : 'Suspend'}
        </ActionButton>
      )}
      {kinds.cronJob && (
        <ActionButton can={canCreateJob} onClick={() => setOpen('run')} testId="action-run-now">
          Run now
        </ActionButton>
      )}
      {has('delete') && (
        <ActionButton can={canDelete} onClick={() => setOpen('delete')} testId="action-delete" danger>
          Delete
        </ActionButton>
      )}
      <span className="action-message" role="status" data-testid="action-message">
        {message && (
          <>
            {message.text} {message.link && <Link to={message.link.to}>{message.link.label}</Link>}
          </>
        )}
      </span>

      {open === 'edit' && (
        <Later>
          <EditDialog object={object} url={url} onClose={close} onDone={done} />
        </Later>
      )}
      {open === 'scale' && <ScaleDialog object={object} url={url} onClose={close} onDone={done} />}
      {open === 'delete' && (
        <DeleteDialog
          object={object}
          url={url}
          onClose={close}
          onDone={(text) => {
            done(text);
            navigate(routeToUrl({ page: 'list', cluster, group: info.group, version: info.version, resource: info.resource, ns }));
          }}
        />
      )}
      {open === 'restart' && (
        <ConfirmDialog
          title={`Restart ${object.kind} ${meta.name}?`}
          confirmLabel="Restart"
          testId="restart-dialog"
          onClose={close}
          onDone={done}
          run={async () => {
            const now = new Date();
            await patch(restartPatch(now), PATCH.strategic);
            return `Restart of ${object.kind} ${meta.name} requested at ${now.toLocaleTimeString()}: its pods are being replaced.`;
          }}
        >
          <p>
            Like <code>kubectl rollout restart</code>: the pod template gets a new <code>kubectl.kubernetes.io/restartedAt</code> annotation and the
            controller replaces every pod of {what}, following its update strategy.
          </p>
        </ConfirmDialog>
      )}
      {open === 'cordon' && (
        <ConfirmDialog
          title={`${spec.unschedulable ? 'Uncordon' : 'Cordon'} node ${meta.name}?`}
          confirmLabel={spec.unschedulable ? 'Uncordon' : 'Cordon'}
          testId="cordon-dialog"
          onClose={close}
          onDone={done}
          run={async () => {
            await patch(cordonPatch(!spec.unschedulable));
            return spec.unschedulable ? `Node ${meta.name} takes new pods again.` : `Node ${meta.name} is cordoned: no new pods are scheduled on it.`;
          }}
        >
          <p>
            {spec.unschedulable
              ? 'The scheduler may place new pods on this node again.'
              : 'The scheduler places no new pods on this node; the pods running there keep running (Drain evicts them).'}
          </p>
        </ConfirmDialog>
      )}
      {open === 'drain' && <DrainDialog node={object} nodeUrl={url} onClose={close} onDone={done} />}
      {open === 'suspend' && (
        <ConfirmDialog
          title={`${spec.suspend ? 'Resume' : 'Suspend'} CronJob ${meta.name}?`}
          confirmLabel={spec.suspend ? 'Resume' : 'Suspend'}
          testId="suspend-dialog"
          onClose={close}
          onDone={done}
          run={async () => {
            await patch(suspendPatch(!spec.suspend));
            return spec.suspend ? `CronJob ${meta.name} is scheduling jobs again.` : `CronJob ${meta.name} is suspended: no new jobs start.`;
          }}
        >
          <p>{spec.suspend ? 'Jobs start again on schedule.' : 'No new jobs start until it is resumed; running jobs go on.'}</p>
        </ConfirmDialog>
      )}
      {open === 'run' && (
        <ConfirmDialog
          title={`Run CronJob ${meta.name} now?`}
          confirmLabel="Run now"
          testId="run-now-dialog"
          onClose={close}
          onDone={(job: string) =>
            done(`Created Job ${job} from the CronJob's template.`, {
              to: routeToUrl({ page: 'detail', cluster, group: 'batch', version: 'v1', resource: 'jobs', namespace, name: job, ns }),
              label: 'Open it',
            })
          }
          run={async () => {
            const job = jobFromCronJob(object, new Date());
            const created = await sendJson<K8sObject>('POST', prefix + apiPath({ group: 'batch', version: 'v1', resource: 'jobs' }, namespace), job);
            return created?.metadata?.name ?? job.metadata.name;
          }}
        >
          <p>
            Like <code>kubectl create job --from=cronjob/{meta.name}</code>: a Job from its template, owned by the CronJob.
          </p>
        </ConfirmDialog>
      )}
    </div>
  );
}

/** "Create" on a list page: YAML for this kind to fill in, POSTed where its namespace says. */
export function CreateButton({ info }: { info: ResourceInfo }) {
  const { ns } = useCluster();
  const [open, setOpen] = useState(false);
  const namespace = info.namespaced ? defaultNamespace(ns) : undefined;
  const can = useCan(info.verbs.includes('create') ? { verb: 'create', group: info.group, resource: info.resource, namespace } : null);
  if (!info.verbs.includes('create')) return null;
  const apiVersion = info.group ? `${info.group}/${info.version}` : info.version;
  return (
    <>
      <ActionButton can={can} onClick={() => setOpen(true)} testId="action-create">
        Create
      </ActionButton>
      {open && (
        <Later>
          <CreateDialog template={createTemplate(apiVersion, info.kind, namespace)} defaultNamespace={namespace} onClose={() => setOpen(false)} />
        </Later>
      )}
    </>
  );
}
