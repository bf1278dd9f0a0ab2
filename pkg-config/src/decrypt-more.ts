/**
 * The decrypt module's second half, callseal_decrypt_more.wasm (S3EC metadata and objects, range
 * reads, the raw AES keyring's unwrap, and what the entry lacks to decrypt some messages: the
 * curve code of signed suites and the pure-Rust AES-GCM engine): fetched, compiled and
 * initialised the first time ./lib/decrypt.ts needs it, so a page that only decrypts unsigned
 * messages on WebCrypto never loads it. Its URL is written here, beside decrypt.js, as that
 * module's is: bundlers find both alike.
 */
import { wasmSource } from './lib/load.js';
import { CallsealError } from './lib/callseal-error.js';

export type DecryptMore = typeof import('./wasm/callseal_decrypt_more.js');

let loading: Promise<DecryptMore> | undefined;
let loaded: DecryptMore | undefined;

/** The module if it is loaded and initialised, else undefined (for synchronous calls). */
export function decryptMoreLoaded(): DecryptMore | undefined {
  return loaded;
}

/** Takes the module initialised by the caller (the Node entry, synchronously from disk). */
export function decryptMoreInitialised(more: DecryptMore): void {
  loaded = more;
  loading = Promise.resolve(more);
}

/** The module, initialised; a load that failed (IO) is tried again by the next call. */
export function decryptMore(): Promise<DecryptMore> {
  loading ??= load().catch((e: unknown) => {
    loading = undefined;
    throw e;
  });
  return loading;
}

async function load(): Promise<DecryptMore> {
  try {
    const more = await import('./wasm/callseal_decrypt_more.js');
    await more.default({ module_or_path: await wasmSource(new URL('./wasm/callseal_decrypt_more_bg.wasm', import.meta.url)) });
    loaded = more;
    return more;
  } catch (e) {
    throw new CallsealError('IO', `loading callseal_decrypt_more_bg.wasm failed: ${(e as Error)?.message ?? String(e)}`);
  }
}
