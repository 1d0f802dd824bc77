import { useLayoutEffect, useRef, useState, type MouseEvent } from 'react';

interface Heading {
  id: string;
  text: string;
}

function sameHeadings(a: Heading[], b: Heading[]): boolean {
  return a.length === b.length && a.every((h, i) => h.id === b[i].id && h.text === b[i].text);
}

/**
 * "On this page": a link to each section heading (`h2` with an id) of the detail page, so a long
 * page is one jump away from any part. A link moves the focus to the heading (and scrolls to it),
 * as a skip link does; its href keeps the page's own path (a bare `#id` would resolve against
 * `<base href>`).
 */
export function JumpLinks({ rootId }: { rootId: string }) {
  const [headings, setHeadings] = useState<Heading[]>([]);
  const last = useRef<Heading[]>([]);
  useLayoutEffect(() => {
    const root = document.getElementById(rootId);
    if (!root) return;
    const read = () => {
      const found = [...root.querySelectorAll<HTMLHeadingElement>('section.section > .section-head > h2[id]')].map((h) => ({ id: h.id, text: h.textContent ?? '' }));
      if (!sameHeadings(found, last.current)) {
        last.current = found;
        setHeadings(found);
      }
    };
    read();
    const observer = new MutationObserver(read);
    observer.observe(root, { childList: true, subtree: true });
    return () => observer.disconnect();
  }, [rootId]);

  const jump = (event: MouseEvent<HTMLAnchorElement>, id: string) => {
    event.preventDefault();
    const heading = document.getElementById(id);
    if (!heading) return;
    heading.setAttribute('tabindex', '-1');
    heading.scrollIntoView({ block: 'start' });
    heading.focus({ preventScroll: true });
  };

  if (headings.length < 3) return null;
  const here = window.location.pathname + window.location.search;
  return (
    <nav className="jump-links" aria-label="On this page" data-testid="jump-links">
      <ul>
        {headings.map((h) => (
          <li key={h.id}>
            <a href={`${here}#${h.id}`} onClick={(e) => jump(e, h.id)}>
              {h.text}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
