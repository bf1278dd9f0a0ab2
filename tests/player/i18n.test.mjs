// www/lib/i18n: the player's and the playground's message catalogues (en, id) and their Intl
// formatting, in Node.
// `node --test tests/player/i18n.test.mjs`
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { tsImport } from 'tsx/esm/api';

const ROOT = resolve(import.meta.dirname, '../..');
let I;
before(async () => { I = await tsImport(resolve(ROOT, 'www/lib/i18n/index.ts'), import.meta.url); });

test('every message exists in English and Bahasa Indonesia, of the same kind, and differs where it is prose', () => {
  const { en, id } = I.CATALOGUES;
  assert.deepEqual(Object.keys(id).sort(), Object.keys(en).sort());
  for (const k of Object.keys(en)) {
    assert.equal(typeof id[k], typeof en[k], k);
    if (typeof en[k] === 'function') assert.equal(typeof id[k](...Array(en[k].length).fill('1')), 'string', k);
  }
  const same = Object.keys(en).filter((k) => typeof en[k] === 'string' && en[k] === id[k]);
  assert.deepEqual(same, ['stage.header', 'page.format'], 'only the words Indonesian borrows are the same');
});

test('a catalogue missing a key does not compile (Messages is en.ts\'s keys)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'callseal-i18n-'));
  try {
    const file = join(dir, 'partial.ts');
    writeFileSync(file, `import type { Messages } from '${resolve(ROOT, 'www/lib/i18n/index.ts').replace(/\.ts$/, '')}';\n`
      + `import { id } from '${resolve(ROOT, 'www/lib/i18n/id.ts').replace(/\.ts$/, '')}';\n`
      + "const { 'play.pause': _dropped, ...partial } = id;\nexport const broken: Messages = partial;\n");
    const tsc = () => execFileSync('npx', ['tsc', '--noEmit', '--strict', '--target', 'es2022', '--module', 'esnext', '--moduleResolution', 'bundler', '--skipLibCheck', file], { cwd: ROOT, encoding: 'utf8', stdio: 'pipe' });
    assert.throws(tsc, (e) => /play\.pause/.test(e.stdout) && /TS2741|TS2322/.test(e.stdout));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the language: ?lang / the lang attribute first, then the browser\'s languages, else English', () => {
  assert.equal(I.pickLocale(['id']), 'id');
  assert.equal(I.pickLocale([null, 'id-ID', 'en-US']), 'id');
  assert.equal(I.pickLocale(['en', 'id-ID']), 'en');
  assert.equal(I.pickLocale(['fr-FR', 'de']), 'en');
  assert.equal(I.pickLocale([]), 'en');
});

test('numbers, sizes, clock times, dates and plurals through Intl', () => {
  const en = I.i18n('en'), id = I.i18n('id');
  assert.equal(en.number(12345), '12,345');
  assert.equal(id.number(12345), '12.345');
  assert.equal(en.bytes(1.5 * 1024 * 1024), '1.5 MB');
  assert.equal(id.bytes(1.5 * 1024 * 1024), '1,5 MB');
  assert.equal(en.bytes(600), '600 byte');
  assert.equal(en.clock(65), '1:05');
  assert.equal(id.clock(3725), '1:02:05');
  assert.equal(en.clock(-3), '0:00');
  const iso = '2026-03-14T09:05:00Z';
  assert.equal(id.date(iso), new Intl.DateTimeFormat('id', { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso)));
  assert.notEqual(id.date(iso), en.date(iso));
  assert.equal(en.m['list.count'](en.number(1), en.one(1)), '1 contact');
  assert.equal(en.m['list.count'](en.number(3), en.one(3)), '3 contacts');
  assert.equal(id.m['list.count'](id.number(3), id.one(3)), '3 kontak');
});

test('the playground\'s catalogues: the same keys and kinds in both languages, prose translated', async () => {
  const { en } = await tsImport(resolve(ROOT, 'www/playground/i18n/en.ts'), import.meta.url);
  const { id } = await tsImport(resolve(ROOT, 'www/playground/i18n/id.ts'), import.meta.url);
  assert.deepEqual(Object.keys(id).sort(), Object.keys(en).sort());
  for (const k of Object.keys(en)) {
    assert.equal(typeof id[k], typeof en[k], k);
    if (typeof en[k] === 'function') assert.equal(typeof id[k](...Array(en[k].length).fill('1')), 'string', k);
  }
  const same = Object.keys(en).filter((k) => typeof en[k] === 'string' && en[k] === id[k]);
  assert.deepEqual(same, ['tab.defaultIdentity'], 'only the role name Indonesian keeps is the same');
  // Every template the page lists has its title and note (tsc holds the policy kinds: main.ts indexes `kind.${kind}`).
  const { TEMPLATES } = await tsImport(resolve(ROOT, 'www/playground/templates.ts'), import.meta.url);
  for (const t of TEMPLATES) for (const k of [`template.${t.id}`, `template.${t.id}.note`]) assert.equal(typeof id[k], 'string', k);
});
