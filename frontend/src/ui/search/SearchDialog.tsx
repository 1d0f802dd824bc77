import { useEffect, useId, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { getJson, isAbort } from '../../api/client';
import { defaultNamespace, inNamespaces, namespaceFilter, queryNamespace } from '../../api/namespaces';
import { rulesAllow, useRules } from '../../api/permissions';
import { apiPath, routeToUrl } from '../../api/routes';
import { itemKey, itemsOfList, METADATA_ACCEPT, parseQuery, rankResults, readRecent, rememberRecent, searchableKinds, type SearchItem } from '../../api/search';
import { useCluster } from '../cluster';
import { Link } from '../router';
import './search.css';

/** The Ctrl+K dialog: a search box over names and labels, recent items first, results as links. */
export default function SearchDialog({ onClose }: { onClose: () => void }) {
  const { cluster, prefix, discovery, ns } = useCluster();
  const ref = useRef<HTMLDialogElement>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const listRef = useRef<HTMLUListElement>(null);
  const titleId = useId();
  const listId = useId();
  const hintId = useId();
  const [text, setText] = useState('');
  const [items, setItems] = useState<SearchItem[]>([]);
  const [loading, setLoading] = useState(0);
  const [failed, setFailed] = useState<string[]>([]);
  const recent = useMemo(() => readRecent(cluster), [cluster]);
  const rules = useRules(discovery ? defaultNamespace(ns) : null);

  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    inputRef.current?.focus();
    return () => dialog?.close();
  }, []);

  // The rules review answers null both while it runs and when it failed: after a moment without
  // an answer, every kind is searched (the server still decides, and a refusal is listed).
  const [waited, setWaited] = useState(false);
  useEffect(() => {
    const timer = setTimeout(() => setWaited(true), 1500);
    return () => clearTimeout(timer);
  }, []);
  const ready = !!discovery && (!!rules || waited);
  const kinds = useMemo(() => (ready ? searchableKinds(discovery).filter((k) => rulesAllow(rules, 'list', k.group, k.resource)) : []), [discovery, rules, ready]);

  // Names and labels of every searchable kind, once per opening (metadata only: small answers).
  useEffect(() => {
    if (!kinds.length) return;
    const abort = new AbortController();
    const namespace = queryNamespace(ns);
    const picked = namespaceFilter(ns);
    setLoading(kinds.length);
    setItems([]);
    setFailed([]);
    for (const kind of kinds) {
      const url = prefix + apiPath(kind, kind.namespaced ? namespace : undefined);
      getJson<Parameters<typeof itemsOfList>[0]>(url, { accept: METADATA_ACCEPT, signal: abort.signal })
        .then((list) => {
          const found = itemsOfList(list, kind).filter((i) => inNamespaces(picked, i.namespace));
          setItems((old) => [...old, ...found]);
        })
        .catch((error) => {
          if (!isAbort(error)) setFailed((old) => [...old, kind.resource]);
        })
        .finally(() => !abort.signal.aborted && setLoading((n) => n - 1));
    }
    return () => abort.abort();
  }, [kinds, prefix, ns]);

  const query = parseQuery(text);
  const results = useMemo(() => rankResults(parseQuery(text), items, recent, 50), [text, items, recent]);

  const urlOf = (item: SearchItem) => routeToUrl({ page: 'detail', cluster, group: item.group, version: item.version, resource: item.resource, namespace: item.namespace, name: item.name, ns });

  const links = () => [...(listRef.current?.querySelectorAll<HTMLAnchorElement>('a') ?? [])];
  const onInputKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Escape') {
      // A search box would only clear itself: Escape closes the dialog at once.
      e.preventDefault();
      onClose();
    } else if (e.key === 'ArrowDown') {
      e.preventDefault();
      links()[0]?.focus();
    } else if (e.key === 'Enter') {
      const first = links()[0];
      if (first) {
        e.preventDefault();
        first.click();
      }
    }
  };
  const onListKey = (e: KeyboardEvent<HTMLUListElement>) => {
    const all = links();
    const index = all.indexOf(document.activeElement as HTMLAnchorElement);
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      all[Math.min(all.length - 1, index + 1)]?.focus();
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      if (index <= 0) inputRef.current?.focus();
      else all[index - 1]?.focus();
    } else if (e.key === 'Home') {
      e.preventDefault();
      all[0]?.focus();
    } else if (e.key === 'End') {
      e.preventDefault();
      all[all.length - 1]?.focus();
    } else if (e.key.length === 1 && !e.ctrlKey && !e.metaKey && !e.altKey) {
      // Typing goes back to the box.
      inputRef.current?.focus();
    }
  };

  const status = !discovery
    ? 'Reading which kinds the cluster serves…'
    : !ready
      ? 'Reading what you may list…'
    : loading > 0
      ? `Searching ${kinds.length} kinds…`
      : query.type === 'empty'
        ? recent.length
          ? 'Recent items'
          : `Type a name, or a label as key=value, to search ${kinds.length} kinds.`
        : `${results.length}${results.length === 50 ? '+' : ''} found`;

  return (
    <dialog
      ref={ref}
      className="search-dialog"
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      onClick={(e) => e.target === ref.current && onClose()}
      data-testid="search-dialog"
    >
      <h2 id={titleId} className="sr-only">
        Search {cluster}
      </h2>
      <div className="search-box">
        <label htmlFor={`${listId}-input`} className="sr-only">
          Search by name or label
        </label>
        <input
          id={`${listId}-input`}
          ref={inputRef}
          type="search"
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={onInputKey}
          placeholder="Search by name, or label key=value"
          aria-describedby={hintId}
          aria-controls={listId}
          autoComplete="off"
          spellCheck={false}
          data-testid="search-input"
        />
        <button type="button" className="small-button" onClick={onClose}>
          Close
        </button>
      </div>
      <p className="search-status muted small" id={hintId} role="status" data-testid="search-status">
        {status}
        {failed.length > 0 && ` (could not read: ${failed.join(', ')})`}
      </p>
      <ul className="search-results" id={listId} ref={listRef} onKeyDown={onListKey} aria-label="Results" data-testid="search-results">
        {results.map(({ item, recent: isRecent }) => (
          <li key={itemKey(item)}>
            <Link
              to={urlOf(item)}
              onClick={() => {
                rememberRecent(cluster, item);
                onClose();
              }}
              data-testid="search-result"
              data-name={item.name}
            >
              <span className="kind-tag">{item.kind}</span> <span className="search-name">{item.name}</span>
              {item.namespace && <span className="muted small"> in {item.namespace}</span>}
              {isRecent && <span className="search-recent small"> recent</span>}
            </Link>
          </li>
        ))}
      </ul>
      <p className="muted small search-keys">↑ ↓ to move, Enter to open, Esc to close.</p>
    </dialog>
  );
}
