// Subresource Integrity for the built pages (vite build only):
//  - the wasm modules: the package's `await wasmSource(new URL('./wasm/X_bg.wasm', ...))` is
//    rewritten to `fetch(new URL(...), { integrity: 'sha384-...' })` (the wasm-bindgen glue takes
//    a Response promise), so a tampered or swapped .wasm is refused by the browser before it is
//    compiled. The hash is of pkg/wasm/X_bg.wasm, which Vite emits byte for byte.
//  - the HTML: every <script src>, <link rel="modulepreload"> and <link rel="stylesheet"> that
//    points into the bundle gets `integrity="sha384-..."` of the emitted file, hashed as written
//    to disk (writeBundle): Vite still rewrites chunks in generateBundle (the preload map of a
//    dynamic import, `__vite__mapDeps`), so a hash taken there can be of code that is not served.
//  - service-data.bin (the policy playground's catalog): its hash reaches the page as
//    `__CALLSEAL_SERVICE_DATA_SRI__` and the page fetches the file with `{ integrity }` ('' when
//    serving in development).
// Workers and Service Workers cannot carry SRI (`new Worker(url)` has no integrity option); the
// decrypt worker's own wasm fetch is covered by the first rewrite (apply this plugin to workers
// too). tests/e2e/pages-security.test.mjs checks the built output.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, posix, resolve } from 'node:path';
import type { Plugin } from 'vite';

const sri = (bytes: Uint8Array | string) => `sha384-${createHash('sha384').update(bytes).digest('base64')}`;

const WASM_LOAD = /await wasmSource\((new URL\('\.\/wasm\/([A-Za-z0-9_]+\.wasm)', import\.meta\.url\))\)/g;

export function subresourceIntegrity(): Plugin[] {
  return [{
    name: 'callseal:sri-service-data',
    config(config, { command }) {
      const file = resolve(config.root ?? process.cwd(), '../pkg/service-data.bin');
      const hash = command === 'build' && existsSync(file) ? sri(readFileSync(file)) : '';
      return { define: { __CALLSEAL_SERVICE_DATA_SRI__: JSON.stringify(hash) } };
    },
  }, {
    // Before Vite turns `new URL('./x.wasm', import.meta.url)` into an asset reference.
    name: 'callseal:sri-wasm',
    apply: 'build',
    enforce: 'pre',
    transform(code, id) {
      if (!/[\\/]pkg[\\/](decrypt|decrypt-more|policy)\.js$/.test(id)) return null;
      let n = 0;
      const out = code.replace(WASM_LOAD, (_m, url: string, file: string) => {
        n++;
        const hash = sri(readFileSync(resolve(dirname(id), 'wasm', file)));
        return `fetch(${url}, { integrity: '${hash}' })`;
      });
      if (n === 0) this.warn(`no wasm load to pin in ${id}: the wasm is loaded without Subresource Integrity`);
      return { code: out, map: null };
    },
  }, {
    // Once the bundle is on disk: the files as served.
    name: 'callseal:sri-html',
    apply: 'build',
    enforce: 'post',
    writeBundle(options, bundle) {
      const out = options.dir ?? dirname(options.file ?? '');
      for (const html of Object.values(bundle)) {
        if (html.type !== 'asset' || !html.fileName.endsWith('.html')) continue;
        const dir = posix.dirname(html.fileName);
        const path = join(out, html.fileName);
        const source = readFileSync(path, 'utf8').replace(
          /<(script|link)\b([^>]*?)\s(src|href)="([^"]+)"([^>]*)>/g,
          (tag, el: string, before: string, attr: string, url: string, after: string) => {
            if (/^(data:|https?:|\/\/)/.test(url) || /\bintegrity=/.test(tag)) return tag;
            if (el === 'link' && !/rel="(modulepreload|stylesheet)"/.test(tag)) return tag;
            const file = posix.normalize(posix.join(dir, url));
            if (!bundle[file]) return tag;
            return `<${el}${before} ${attr}="${url}" integrity="${sri(readFileSync(join(out, file)))}"${after}>`;
          },
        );
        writeFileSync(path, source);
      }
    },
  }];
}
