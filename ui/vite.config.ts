/// <reference types="vitest/config" />
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// Tauri serves the built files from ui/dist; the dev server must be on the
// fixed port that tauri.conf.json's devUrl points at.
export default defineConfig({
  plugins: [svelte()],
  clearScreen: false,
  server: {
    port: 1420,
    strictPort: true,
  },
  envPrefix: ['VITE_', 'TAURI_ENV_'],
  build: {
    // Linux webview is WebKitGTK.
    target: 'safari15',
    outDir: 'dist',
    emptyOutDir: true,
    // Two pages: the main window, and the small always-on-top drop target.
    rollupOptions: {
      input: {
        main: fileURLToPath(new URL('index.html', import.meta.url)),
        drop: fileURLToPath(new URL('drop.html', import.meta.url)),
      },
    },
    // The CSP allows only `script-src 'self'` and `style-src 'self'`: CSS is
    // emitted as its own file (vite-plugin-svelte's default emitCss) and the
    // entry script is an external module, so index.html has nothing inline.
  },
  // In Vitest, resolve Svelte's browser build so components can be mounted.
  resolve: process.env.VITEST ? { conditions: ['browser'] } : undefined,
  test: {
    environment: 'jsdom',
    globals: true,
    include: ['src/**/*.test.ts'],
    setupFiles: ['./src/test-setup.ts'],
  },
});
