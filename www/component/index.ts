/**
 * callseal/player: `<callseal-player>`, an embeddable player of encrypted Amazon Connect
 * recordings with their Contact Lens transcript, and `mountPlayer(element, options)`.
 */
import { CallsealPlayer } from './element';
import type { PlayerEventMap, PlayerOptions } from './types';

export { CallsealPlayer };
export type * from './types';

/** Defines `<callseal-player>` (once per window). */
export function definePlayer(name = 'callseal-player'): void {
  if (!customElements.get(name)) customElements.define(name, CallsealPlayer);
}

/**
 * Configures `element` when it is a `<callseal-player>`, else appends one to it; returns the player.
 */
export function mountPlayer(element: HTMLElement, options: PlayerOptions): CallsealPlayer {
  definePlayer();
  const player = element instanceof CallsealPlayer ? element : element.appendChild(document.createElement('callseal-player') as CallsealPlayer);
  player.configure(options);
  return player;
}

definePlayer();

declare global {
  interface HTMLElementTagNameMap {
    'callseal-player': CallsealPlayer;
  }
  /** The player's events bubble (and cross shadow roots): typed on every element that may hear them. */
  interface HTMLElementEventMap extends PlayerEventMap {}
}
