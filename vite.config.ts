import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/*
 * The dashboard's build: web/ → dist/web/, served by `unitcost serve` from memory. Preact keeps the first
 * page's script small; chart.js is split into its own chunk, loaded after the first render.
 */
export default defineConfig({
  root: fileURLToPath(new URL('./web', import.meta.url)),
  base: '/',
  publicDir: false,
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  // `npm run dev:web` serves the dashboard with hot reload against a `unitcost serve` on the default port.
  server: { proxy: { '/v1': 'http://127.0.0.1:8787' } },
  build: {
    outDir: fileURLToPath(new URL('./dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    reportCompressedSize: false,
  },
});
