/**
 * Which media `error` events stop playback. Firefox without an audio output fires `error` with
 * MEDIA_ERR_DECODE ("OnMediaSinkAudioError") and goes on playing a WAV; an aborted fetch
 * (MEDIA_ERR_ABORTED) is the element letting go of a request. Fatal: the source cannot be fetched
 * or played (MEDIA_ERR_NETWORK, MEDIA_ERR_SRC_NOT_SUPPORTED, no error object), or a decode error
 * after which the element no longer plays.
 */
export interface MediaErrorSeen {
  /** `audio.error?.code` (MediaError codes 1-4), undefined without an error object. */
  code: number | undefined;
  /** Playback went on after the error: the element is not paused and its time advanced. */
  playing: boolean;
}

const ABORTED = 1, DECODE = 3;

export function isFatalMediaError(seen: MediaErrorSeen): boolean {
  if (seen.code === ABORTED) return false;
  if (seen.code === DECODE) return !seen.playing;
  return true;
}

/**
 * A seek the element will not complete: it carries MEDIA_ERR_DECODE (Firefox without an audio
 * output plays on through it) and the target is outside what it has buffered. Firefox then stays
 * `seeking` at readyState 1 for good (a bare <audio> playing the plain WAV too); a new load of
 * the same source started at the target plays from there.
 */
export function seekStalls(a: Pick<HTMLMediaElement, 'error' | 'buffered' | 'currentTime'>): boolean {
  if (a.error?.code !== DECODE) return false;
  const t = a.currentTime, b = a.buffered;
  for (let i = 0; i < b.length; i++) if (b.start(i) <= t && t < b.end(i)) return false;
  return true;
}
