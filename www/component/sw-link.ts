/**
 * A player's link to the Service Worker that answers its <audio> element: registers the host's
 * copy of callseal/player/sw.js (idempotent: every player of the page shares the registration),
 * waits until it controls the page, and hands it a MessagePort to this player's decrypt worker.
 * Requests relayed through the page (the Service Worker restarted and lost its ports) reach this
 * player's worker too.
 */
import { STREAM_PATH, type SwControl, type SwToPage, type ToWorker } from './protocol';

export interface SwLink {
  /** Resolves with the URL prefix of this player's streams once a Service Worker controls the page. */
  ready: Promise<string>;
  /** Forgets this player (its port in the Service Worker, the page's listener). */
  unlink(): void;
}

const WAIT_MS = 10_000;

/** `p`, or an error saying `what` after WAIT_MS (a browser that blocks Service Workers may never answer). */
function within<T>(p: Promise<T>, what: string): Promise<T> {
  return Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} within ${WAIT_MS / 1000} s`)), WAIT_MS))]);
}

export function linkServiceWorker(swUrl: string, player: string, toWorker: (m: ToWorker, transfer?: Transferable[]) => void): SwLink {
  const sw = 'serviceWorker' in navigator ? navigator.serviceWorker : undefined;
  const connect = () => {
    const controller = sw?.controller;
    if (!controller) return;
    const { port1, port2 } = new MessageChannel();
    toWorker({ type: 'sw-port' }, [port1]);
    const msg: SwControl = { type: 'port', player };
    controller.postMessage(msg, [port2]);
  };
  const onMessage = (e: MessageEvent<SwToPage>) => {
    if (e.data?.type === 'range' && e.data.player === player && e.ports[0]) toWorker(e.data.request, [e.ports[0]]);
    if (e.data?.type === 'need-port') connect();
  };
  const ready = (async () => {
    if (!sw) throw new Error('this browser has no Service Workers here (a private window, or a page that is not a secure context)');
    sw.addEventListener('message', onMessage);
    sw.startMessages();
    const reg = await within(sw.register(swUrl, { updateViaCache: 'none' }), 'the Service Worker could not be registered');
    await within(sw.ready, 'the Service Worker did not start');
    // The first visit (and a hard reload) leaves the page uncontrolled until the worker claims it.
    for (let waited = 0; !sw.controller; waited += 100) {
      if (waited > WAIT_MS) throw new Error('the Service Worker did not take control of the page');
      (reg.active ?? (await sw.ready).active)?.postMessage({ type: 'claim' } satisfies SwControl);
      await new Promise((r) => { sw.addEventListener('controllerchange', r, { once: true }); setTimeout(r, 100); });
    }
    connect();
    return new URL(`${STREAM_PATH}${encodeURIComponent(player)}/`, reg.scope).href;
  })();
  ready.catch(() => undefined);
  return {
    ready,
    unlink() {
      sw?.removeEventListener('message', onMessage);
      const msg: SwControl = { type: 'forget', player };
      sw?.controller?.postMessage(msg);
    },
  };
}
