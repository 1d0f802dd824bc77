/**
 * xterm.js, loaded on demand (`import('./xterm')`) so the initial bundle stays small.
 *
 * The server's CSP allows no inline styles (`style-src 'self'`), and xterm's DOM renderer writes its
 * dynamic rules (cell sizes, theme) into `<style>` elements, which the browser would refuse. While
 * the terminal is built, `document.createElement('style')` hands xterm an inert element whose
 * `textContent` goes into a constructed stylesheet (`document.adoptedStyleSheets`), which the CSP
 * does not restrict; it is removed with the terminal.
 */
import { FitAddon } from '@xterm/addon-fit';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';

export interface TerminalHandle {
  terminal: Terminal;
  fit: () => void;
  dispose: () => void;
}

function styleShim(sheets: CSSStyleSheet[]): (tag: string, options?: ElementCreationOptions) => HTMLElement {
  const original = Document.prototype.createElement;
  return function createElement(this: Document, tag: string, options?: ElementCreationOptions): HTMLElement {
    if (tag.toLowerCase() !== 'style') return original.call(this, tag, options);
    const sheet = new CSSStyleSheet();
    sheets.push(sheet);
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
    // A <template> is never rendered and applies no style; only its text is taken.
    const element = original.call(this, 'template') as HTMLElement;
    let text = '';
    Object.defineProperty(element, 'textContent', {
      configurable: true,
      get: () => text,
      set: (value: string | null) => {
        text = value ?? '';
        sheet.replaceSync(text);
      },
    });
    return element;
  } as typeof document.createElement;
}

export function createTerminal(host: HTMLElement): TerminalHandle {
  const sheets: CSSStyleSheet[] = [];
  const terminal = new Terminal({
    cursorBlink: true,
    // A TTY turns \n into \r\n (onlcr); output without a TTY, or a fake one, may not.
    convertEol: true,
    fontFamily: "ui-monospace, 'SF Mono', 'Cascadia Mono', 'DejaVu Sans Mono', Menlo, Consolas, monospace",
    fontSize: 13,
    scrollback: 5000,
    theme: { background: '#0f1720', foreground: '#dde3ea', cursor: '#ffcf5c' },
  });
  // Tab belongs to the shell (completion); Shift+Tab leaves the terminal, so the keyboard is never trapped.
  terminal.attachCustomKeyEventHandler((event) => !(event.key === 'Tab' && event.shiftKey));
  const fitAddon = new FitAddon();
  terminal.loadAddon(fitAddon);
  const shim = styleShim(sheets);
  const own = Object.prototype.hasOwnProperty.call(document, 'createElement');
  const previous = document.createElement;
  document.createElement = shim as typeof document.createElement;
  try {
    terminal.open(host);
  } finally {
    if (own) document.createElement = previous;
    else delete (document as { createElement?: unknown }).createElement;
  }
  const fit = () => {
    try {
      fitAddon.fit();
    } catch {
      // not laid out yet
    }
  };
  fit();
  return {
    terminal,
    fit,
    dispose: () => {
      terminal.dispose();
      document.adoptedStyleSheets = document.adoptedStyleSheets.filter((s) => !sheets.includes(s));
    },
  };
}
