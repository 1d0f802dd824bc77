import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import './styles.css';
import { App } from './ui/App';
import { documentBasePath } from './api/base';

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App basePath={documentBasePath()} />
    </StrictMode>,
  );
}
