// Launches Debian's Firefox ESR headless through puppeteer-core over WebDriver BiDi (never a
// downloaded browser), each time with a fresh profile of its own, removed when it stops; with
// `audio: true`, its sound goes to an audio output of its own (a PulseAudio null sink: played in
// real time, heard nowhere), as on a supervisor's machine. Without one, Firefox reports a media
// error (MEDIA_ERR_DECODE, OnMediaSinkAudioError) and cannot seek outside what it has buffered
// (the player then loads its stream again from the seek's target: www/lib/media-error.ts).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';

export const FIREFOX = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';

/** Preferences beside puppeteer's own: media plays without a gesture (as CHROMIUM_ARGS asks of Chromium), nothing phones home. */
const PREFS = {
  'media.autoplay.default': 0,
  'media.autoplay.blocking_policy': 0,
  'app.update.enabled': false,
  'browser.shell.checkDefaultBrowser': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'toolkit.telemetry.reportingpolicy.firstRun': false,
};

/**
 * A PulseAudio server of its own in `dir` with one null sink; returns { env, stop } (`env` points
 * a client at it).
 */
async function startNullAudio(dir) {
  const socket = join(dir, 'native');
  const child = spawn('pulseaudio', [
    '-n', '--daemonize=no', '--exit-idle-time=-1', '--use-pid-file=no', '--log-target=stderr',
    '-L', 'module-null-sink sink_name=callseal', '-L', `module-native-protocol-unix socket=${socket} auth-anonymous=1`,
  ], { env: { ...process.env, HOME: dir, XDG_RUNTIME_DIR: dir, XDG_CONFIG_HOME: dir }, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '', failed;
  child.stderr.on('data', (d) => { log += d; });
  child.on('error', (e) => { failed = e; }); // e.g. ENOENT: pulseaudio not installed (scripts/setup.sh installs it)
  const stop = () => { if (child.exitCode === null) child.kill('SIGTERM'); };
  for (let i = 0; i < 100 && !existsSync(socket); i++) {
    if (failed) throw new Error(`pulseaudio could not start: ${failed.message}`);
    if (child.exitCode !== null) throw new Error(`pulseaudio exited (${child.exitCode}): ${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!existsSync(socket)) { stop(); throw new Error(`pulseaudio did not listen within 10 s: ${log}`); }
  return { env: { PULSE_SERVER: `unix:${socket}` }, stop };
}

/**
 * Starts Firefox ESR headless; returns { browser, profile, close }. `audio`: give it an audio
 * output (see above). `close()` stops the browser (its process killed if it does not stop in
 * 10 s) and the audio server, and removes the profile.
 */
export async function launchFirefox({ audio = false, prefs = {} } = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'callseal-firefox-'));
  const sound = join(profile, 'pulse');
  let output, browser;
  const cleanUp = () => { output?.stop(); rmSync(profile, { recursive: true, force: true }); };
  try {
    if (audio) output = await startNullAudio(mkdirp(sound));
    browser = await puppeteer.launch({
      browser: 'firefox', protocol: 'webDriverBiDi', executablePath: FIREFOX, headless: true,
      userDataDir: profile, extraPrefsFirefox: { ...PREFS, ...prefs }, env: { ...process.env, ...output?.env },
    });
  } catch (e) {
    cleanUp();
    throw e;
  }
  const close = async () => {
    const proc = browser.process();
    try {
      await Promise.race([browser.close(), new Promise((_, no) => setTimeout(() => no(new Error('Firefox did not stop within 10 s')), 10_000).unref())]);
    } catch (e) {
      console.error(`[firefox] ${e.message}: killing pid ${proc?.pid}`);
      proc?.kill('SIGKILL');
    } finally {
      cleanUp();
    }
  };
  return { browser, profile, close };
}

const mkdirp = (dir) => { mkdirSync(dir, { recursive: true }); return dir; };
