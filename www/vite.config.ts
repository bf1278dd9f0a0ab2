// The pages (player, policy playground) import the callseal package exactly as a console
// would: `import ... from 'callseal/decrypt'`, resolved here to the built package in ../pkg.
import { defineConfig } from 'vite';
import { resolve } from 'node:path';
import { subresourceIntegrity } from './sri';

const here = import.meta.dirname;

export default defineConfig({
  root: here,
  base: './',
  plugins: subresourceIntegrity(),
  resolve: {
    // Entry points map to their .js files: an extension-less alias target makes the bundler treat
    // pkg/decrypt as side-effect free and drop its top-level `await init(...)` (no wasm at run time).
    alias: [
      { find: /^callseal$/, replacement: resolve(here, '../pkg/index.js') },
      { find: /^callseal\/(decrypt|policy)$/, replacement: resolve(here, '../pkg') + '/$1.js' },
      { find: /^callseal\/(.*)$/, replacement: resolve(here, '../pkg') + '/$1' },
    ],
  },
  build: {
    outDir: resolve(here, 'dist'),
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: {
      input: {
        index: resolve(here, 'index.html'),
        player: resolve(here, 'player/index.html'),
        // The sign-in pop-up's landing page (the identity provider's redirect URI).
        signin: resolve(here, 'player/signin.html'),
        playground: resolve(here, 'playground/index.html'),
        // The player's Service Worker: a stable, unhashed URL (player/sw.js) so its scope is player/.
        'player/sw': resolve(here, 'player/sw.ts'),
        // The playground's offline cache: playground/sw.js, scope playground/.
        'playground/sw': resolve(here, 'playground/sw.ts'),
      },
      output: {
        entryFileNames: (chunk) => (chunk.name === 'player/sw' || chunk.name === 'playground/sw' ? `${chunk.name}.js` : 'assets/[name]-[hash].js'),
      },
    },
  },
  worker: { format: 'es', plugins: () => subresourceIntegrity() },
  server: { port: 5173, strictPort: true, host: '127.0.0.1' },
  preview: { port: 4173, strictPort: true, host: '127.0.0.1' },
});
