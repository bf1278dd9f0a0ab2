/** The demo consoles list the player's events as they come (the e2e test reads them too). */
export function logPlayerEvents(from: HTMLElement, into: HTMLOListElement): void {
  for (const type of ['callseal-ready', 'callseal-error', 'callseal-verified', 'callseal-settled']) {
    from.addEventListener(type, (e) => {
      const d = (e as CustomEvent).detail as Record<string, unknown> | undefined;
      const li = document.createElement('li');
      li.dataset.type = type;
      if (d && typeof d.code === 'string') li.dataset.code = d.code;
      li.textContent = `${type}${d?.code ? ` ${String(d.code)}` : ''}${d?.contactId ? ` ${String(d.contactId)}` : ''}`;
      into.append(li);
    });
  }
}
