// The pages (player, policy playground) import the callseal package exactly as a console
// would: `import ... from 'callseal/decrypt'`, resolved here to the built package in ../pkg.
import { defineConfig, type Plugin } from 'vite';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { subresourceIntegrity } from './sri';

const here = import.meta.dirname;

/**
 * The player's Service Worker as hosts serve it: a copy of callseal/player/sw.js (one classic
 * script) at a stable URL whose directory is its scope: player/sw.js for the player page,
 * hosts/callseal-sw.js for the consoles.
 */
function playerServiceWorker(): Plugin {
  const source = () => readFileSync(resolve(here, '../pkg/player/sw.js'));
  const copies = ['player/sw.js', 'hosts/callseal-sw.js'];
  return {
    name: 'callseal:player-sw',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        if (!copies.some((c) => req.url?.split('?')[0] === `/${c}`)) return next();
        res.setHeader('content-type', 'text/javascript; charset=utf-8');
        res.end(source());
      });
    },
    generateBundle() {
      for (const fileName of copies) this.emitFile({ type: 'asset', fileName, source: source() });
    },
  };
}

export default defineConfig({
  root: here,
  base: './',
  plugins: [...subresourceIntegrity(), playerServiceWorker()],
  resolve: {
    // Entry points map to their .js files: an extension-less alias target makes the bundler treat
    // pkg/decrypt as side-effect free and drop its top-level `await init(...)` (no wasm at run time).
    alias: [
      { find: /^callseal$/, replacement: resolve(here, '../pkg/index.js') },
      { find: /^callseal\/(decrypt|policy|player|suites)$/, replacement: resolve(here, '../pkg') + '/$1.js' },
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
        // Two supervisor consoles embedding <callseal-player> (callseal/player).
        'hosts/plain': resolve(here, 'hosts/plain/index.html'),
        'hosts/react': resolve(here, 'hosts/react/index.html'),
        // The playground's offline cache: playground/sw.js, scope playground/.
        'playground/sw': resolve(here, 'playground/sw.ts'),
      },
      output: {
        entryFileNames: (chunk) => (chunk.name === 'playground/sw' ? `${chunk.name}.js` : 'assets/[name]-[hash].js'),
      },
    },
  },
  worker: { format: 'es', plugins: () => subresourceIntegrity() },
  server: { port: 5173, strictPort: true, host: '127.0.0.1' },
  preview: { port: 4173, strictPort: true, host: '127.0.0.1' },
});
