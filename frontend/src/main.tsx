import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import './styles.css';
import { App } from './ui/App';
import { documentBasePath } from './api/base';
import { applyTheme, readTheme } from './ui/theme';

// Before the first render, so a dark theme does not flash light.
applyTheme(readTheme());

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App basePath={documentBasePath()} />
    </StrictMode>,
  );
}
