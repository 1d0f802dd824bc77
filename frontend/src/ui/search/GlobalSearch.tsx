import { lazy, Suspense, useContext, useEffect, useState } from 'react';
import { ClusterContext } from '../cluster';

// The dialog (and its styles) loads on first use: the initial bundle stays small.
const SearchDialog = lazy(() => import('./SearchDialog'));

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);

/** The header's search button, and Ctrl+K / ⌘K anywhere, opening the search dialog. */
export function GlobalSearch() {
  const ctx = useContext(ClusterContext);
  const [open, setOpen] = useState(false);
  const present = !!ctx;
  // Listening from the first frame: a list can show before discovery answers, and a Ctrl+K pressed
  // then opens the dialog, which waits for discovery itself.
  useEffect(() => {
    if (!present) return;
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        setOpen(true);
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [present]);
  if (!ctx) return null;
  const shortcut = isMac ? '⌘K' : 'Ctrl+K';
  return (
    <>
      <button type="button" className="search-button" onClick={() => setOpen(true)} aria-keyshortcuts="Control+K Meta+K" data-testid="search-button">
        Search <kbd>{shortcut}</kbd>
      </button>
      {open && (
        <Suspense fallback={null}>
          <SearchDialog onClose={() => setOpen(false)} />
        </Suspense>
      )}
    </>
  );
}
