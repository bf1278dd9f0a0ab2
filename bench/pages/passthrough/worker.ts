/// <reference lib="webworker" />
// The pass-through side's worker (see main.ts): answers the Service Worker's requests (the
// player's protocol, www/component/protocol.ts) with bytes of the object as stored, read through
// the player's range source (the same blocks, cache and read-ahead): what the decrypt worker does
// minus the key, the reader and the signature check.
import { HttpRangeSource } from '../../../www/lib/range-source';
import type { SwReply, SwRequest } from '../../../www/component/protocol';

declare const self: DedicatedWorkerGlobalScope;

let source: HttpRangeSource | undefined;
let opened: () => void;
const open = new Promise<void>((r) => { opened = r; });

self.onmessage = (e: MessageEvent<{ type: 'open'; url: string; size: number } | { type: 'sw-port' } | SwRequest>) => {
  const m = e.data;
  if (m.type === 'open') { source = new HttpRangeSource(m.url, { size: m.size }); opened(); }
  if (m.type === 'sw-port' && e.ports[0]) e.ports[0].onmessage = (r: MessageEvent<SwRequest>) => { if (r.ports[0]) void answer(r.data, r.ports[0]); };
  if ((m.type === 'read' || m.type === 'meta') && e.ports[0]) void answer(m, e.ports[0]);
};

async function answer(req: SwRequest, port: MessagePort): Promise<void> {
  const reply = (r: SwReply, transfer: Transferable[] = []) => { port.postMessage(r, transfer); port.close(); };
  await open;
  const total = source!.size!;
  if (req.type === 'meta') return reply({ ok: true, total, mime: 'audio/wav' });
  const end = Math.min(req.end, total);
  try {
    const bytes = req.start < end ? await source!.read(req.start, end - req.start) : new Uint8Array(0);
    reply({ ok: true, total, mime: 'audio/wav', bytes }, [bytes.buffer]);
  } catch (e) {
    reply({ ok: false, status: 500, message: String((e as Error).message) });
  }
}
