/// <reference types="vitest/config" />
import { defineConfig } from 'vite';

// The server serves the UI under any -base-url and injects <base href="/{base-url}/">
// into index.html, so every asset URL must be relative.
export default defineConfig({
  base: './',
  oxc: {
    jsx: { runtime: 'automatic' },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // No inline scripts or styles: the server applies a strict CSP (script-src 'self'; style-src 'self').
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    chunkSizeWarningLimit: 1000,
  },
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
  },
});
