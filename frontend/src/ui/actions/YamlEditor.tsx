/*
 * The YAML editor: CodeMirror 6 with its basic setup (line numbers, undo history, search,
 * bracket matching) and YAML highlighting. Loaded on demand (`lazy(() => import(...))`), so the
 * initial JavaScript does not carry it.
 */
import { yaml } from '@codemirror/lang-yaml';
import { HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { EditorState } from '@codemirror/state';
import { tags } from '@lezer/highlight';
import { EditorView, basicSetup } from 'codemirror';
import { useEffect, useRef } from 'react';

const theme = EditorView.theme({
  '&': { height: '100%', fontSize: '12.5px', backgroundColor: 'var(--bg)', color: 'var(--text)' },
  '.cm-scroller': { fontFamily: 'var(--mono)' },
  '.cm-content': { caretColor: 'var(--text)' },
  '.cm-cursor, .cm-dropCursor': { borderLeftColor: 'var(--text)' },
  '&.cm-focused .cm-selectionBackground, .cm-selectionBackground, .cm-content ::selection': { backgroundColor: 'color-mix(in srgb, var(--accent) 30%, transparent)' },
  '.cm-gutters': { backgroundColor: 'var(--bg-soft)', color: 'var(--muted)', borderRight: '1px solid var(--border)' },
  '.cm-activeLine, .cm-activeLineGutter': { backgroundColor: 'color-mix(in srgb, var(--accent) 8%, transparent)' },
  '.cm-panels': { backgroundColor: 'var(--bg-soft)', color: 'var(--text)' },
});

/** Colours from CSS variables (actions.css), so they follow the light and dark themes. */
const highlight = HighlightStyle.define([
  { tag: [tags.propertyName, tags.definition(tags.propertyName)], color: 'var(--syntax-key)' },
  { tag: [tags.string, tags.special(tags.string), tags.content], color: 'var(--syntax-string)' },
  { tag: [tags.number, tags.bool, tags.null, tags.atom], color: 'var(--syntax-number)' },
  { tag: [tags.keyword, tags.typeName, tags.labelName, tags.meta], color: 'var(--syntax-keyword)' },
  { tag: tags.comment, color: 'var(--syntax-comment)', fontStyle: 'italic' },
  { tag: [tags.punctuation, tags.separator, tags.bracket], color: 'var(--muted)' },
  { tag: tags.invalid, color: 'var(--bad)' },
]);

/**
 * `initial` is read once: the editor owns its text from then on (pushing React state back into it
 * while the user types would undo keystrokes); to start over, mount a new editor.
 */
export default function YamlEditor({ initial, onChange, label }: { initial: string; onChange: (text: string) => void; label: string }) {
  const host = useRef<HTMLDivElement>(null);
  const onChangeRef = useRef(onChange);
  useEffect(() => {
    onChangeRef.current = onChange;
  }, [onChange]);
  const initialText = useRef(initial);

  useEffect(() => {
    if (!host.current) return;
    // In a shadow root: there CodeMirror's styles go into a constructed (adopted) style sheet,
    // which the strict CSP (`style-src 'self'`, no inline <style>) allows; in the document it
    // would add a <style> element, which the CSP blocks.
    const root = host.current.shadowRoot ?? host.current.attachShadow({ mode: 'open' });
    const editor = new EditorView({
      root,
      parent: root,
      state: EditorState.create({
        doc: initialText.current,
        extensions: [
          basicSetup,
          yaml(),
          syntaxHighlighting(highlight),
          theme,
          EditorState.tabSize.of(2),
          // An explicit tabindex: axe-core does not count contenteditable as focusable content.
          EditorView.contentAttributes.of({ 'aria-label': label, 'data-testid': 'yaml-editor-content', tabindex: '0' }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) onChangeRef.current(update.state.doc.toString());
          }),
        ],
      }),
    });
    return () => editor.destroy();
  }, [label]);

  return <div ref={host} className="yaml-editor" data-testid="yaml-editor" />;
}
