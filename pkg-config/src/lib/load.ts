/**
 * Where a wasm module's bytes come from: in browsers and bundlers the URL itself (so the
 * engine can compile while downloading); under Node, a file: URL read from disk.
 */
export async function wasmSource(url: URL): Promise<URL | Uint8Array> {
  if (url.protocol === 'file:') {
    const fs = 'node:fs/promises';
    const { readFile } = await import(/* webpackIgnore: true */ /* @vite-ignore */ fs);
    return readFile(url);
  }
  return url;
}
