/**
 * The decrypt module's second half, callseal_decrypt_more.wasm (S3EC metadata and objects, range reads, the
 * raw AES keyring's unwrap: the calls of ./lib/decrypt.ts that await it): fetched,
 * compiled and initialised the first time one of them is called, so a page that only decrypts
 * messages (`decrypt`, `decryptStream`) never loads it. Its URL is written here, beside
 * decrypt.js, as that module's is: bundlers find both alike. It holds the entry's one-shot and
 * stream decryption too (decrypt, DecryptStream), which this layer does not call in it.
 */
import { wasmSource } from './lib/load.js';
import { CallsealError } from './lib/callseal-error.js';

export type DecryptMore = typeof import('./wasm/callseal_decrypt_more.js');

let loading: Promise<DecryptMore> | undefined;

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
    return more;
  } catch (e) {
    throw new CallsealError('IO', `loading callseal_decrypt_more_bg.wasm failed: ${(e as Error)?.message ?? String(e)}`);
  }
}
