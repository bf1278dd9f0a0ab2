// Shared by the broker and stack tests: the real local stack (scripts/stack/up.sh), the real sample
// data (scripts/samples/make-samples.mjs), a broker process, and an ESDK keyring that asks the
// broker for the data key (so the official ESDK checks what the broker returns). Requests as a
// demo user carry that user's ID token, got from the stack's identity provider by a real
// Authorization Code + PKCE sign-in (tests/support/oidc.mjs).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildClient, CommitmentPolicy, KeyringNode, KeyringTraceFlag, NodeAlgorithmSuite } from '@aws-crypto/client-node';
import { deserializeFactory } from '@aws-crypto/serialize';
import { tsImport } from 'tsx/esm/api';
import { S3Client, GetObjectCommand } from '@aws-sdk/client-s3';
import { readStackEnv, stackDir, clientConfig, repoRoot } from '../../scripts/stack/stack-env.mjs';
import { idpUsers, signIn } from '../support/oidc.mjs';
import { startStack } from '../support/stack.mjs';

export { repoRoot };

const recorded = (name) => JSON.parse(readFileSync(new URL(`./lambda-events/${name}.json`, import.meta.url), 'utf8'));

/** A recorded Lambda event (lambda-events/<name>.json) for `method path`, with a bearer token and a JSON body when given. */
export function lambdaEvent(name, method, path, { token, body } = {}) {
  const e = recorded(name);
  e.rawPath = path;
  e.requestContext.http.method = method;
  e.requestContext.http.path = path;
  if (token) e.headers.authorization = `Bearer ${token}`;
  if (body !== undefined) {
    e.body = JSON.stringify(body);
    e.headers['content-type'] = 'application/json';
    e.headers['content-length'] = String(Buffer.byteLength(e.body));
  }
  return e;
}

let ensured, failed;
/**
 * Starts the stack and makes the samples unless present (both idempotent; serialised by locks).
 * A failure is thrown again to every later caller of this process, not retried.
 */
export function ensureStack() {
  if (failed) throw failed;
  if (!ensured) {
    try {
      startStack({ root: repoRoot, stack: stackDir() });
    } catch (err) {
      failed = err;
      throw err;
    }
    const env = readStackEnv();
    const manifest = JSON.parse(readFileSync(join(stackDir(), 'samples/manifest.json'), 'utf8'));
    ensured = { env, manifest, cfg: clientConfig(env) };
  }
  return ensured;
}

export const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');

export async function getObject(cfg, bucket, key) {
  const s3 = new S3Client(cfg.s3);
  const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await res.Body.transformToByteArray());
}

/** Spawns the broker on a free port with the stack's settings; resolves { url, auditPath, pid, log, stop }. */
export function startBroker(env, overrides = {}) {
  const auditPath = join(mkdtempSync(join(tmpdir(), 'callseal-broker-')), 'audit.jsonl');
  const child = spawn(process.execPath, ['--import', 'tsx', 'www/broker/src/server.ts'], {
    cwd: repoRoot,
    env: { ...process.env, ...env, CALLSEAL_BROKER_PORT: '0', CALLSEAL_AUDIT_LOG: auditPath, ...overrides },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`broker did not start: ${log}`)), 20_000);
    child.stderr.on('data', (d) => {
      log += d;
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolve({
          url: m[1], auditPath, pid: child.pid, log: () => log,
          stop: () => new Promise((r) => {
            if (child.exitCode !== null || child.signalCode !== null) return r(); // stopped already
            child.once('exit', r);
            child.kill('SIGTERM');
          }),
        });
      }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`broker exited ${code}: ${log}`)); });
  });
}

/** The ways a key could be written as text (a log, an audit line, a JSON answer would use one). */
export function keyTextForms(key) {
  const b = Buffer.from(key);
  return [b.toString('base64'), b.toString('base64url'), b.toString('hex'), b.toString('hex').toUpperCase(), JSON.stringify([...b]).slice(1, -1)];
}

export function readAudit(path) {
  try {
    return readFileSync(path, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
  } catch {
    return [];
  }
}

/**
 * An ESDK keyring that does no cryptography itself: it hands the message's KMS data key and
 * encryption context (as parsed by the official ESDK) to `unwrap`, which returns the
 * data key or throws. The ESDK then verifies key commitment, every frame and the signature.
 */
export class CallbackKeyring extends KeyringNode {
  constructor(unwrap) {
    super();
    this.unwrap = unwrap;
  }
  async _onEncrypt() {
    throw new Error('decrypt only');
  }
  async _onDecrypt(material, edks) {
    const edk = edks.find((e) => e.providerId === 'aws-kms');
    const key = await this.unwrap({
      providerId: edk.providerId,
      providerInfo: edk.providerInfo,
      ciphertext: Buffer.from(edk.encryptedDataKey).toString('base64'),
    }, { ...material.encryptionContext });
    return material.setUnencryptedDataKey(new Uint8Array(key), {
      keyNamespace: edk.providerId, keyName: edk.providerInfo, flags: KeyringTraceFlag.WRAPPING_KEY_DECRYPTED_DATA_KEY,
    });
  }
}

export const esdk = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);

const { deserializeMessageHeader } = deserializeFactory((b) => Buffer.from(b).toString('utf8'), NodeAlgorithmSuite);

/**
 * The KMS data key, context and message id (base64) of an ESDK message, read by the official
 * ESDK's header parser.
 */
export async function edkAndContext(ciphertext) {
  let captured;
  const keyring = new CallbackKeyring(async (edk, context) => { captured = { edk, context }; throw new Error('captured'); });
  await esdk.decrypt(keyring, ciphertext).catch(() => {});
  if (!captured) throw new Error('the ESDK did not reach the keyring');
  const header = deserializeMessageHeader(ciphertext);
  return { ...captured, messageId: Buffer.from(header.messageHeader.messageId).toString('base64') };
}

/** The unwrap protocol (www/lib/unwrap-protocol.ts), as the broker and the page use it. */
export const protocol = await tsImport('../../www/lib/unwrap-protocol.ts', import.meta.url);
/** The recipient key pair of each request body made by unwrapRequestBody, by its nonce. */
const recipients = new Map();

/**
 * A complete unwrap request body for `{objectId, messageId, encryptedDataKey, encryptionContext}`,
 * as the page's client makes it: protocol, a fresh recipient key pair (private key not
 * extractable, kept here to open the answer with `openAnswer`) and a fresh nonce.
 */
export async function unwrapRequestBody(fields) {
  const { keyPair, publicKey } = await protocol.newRecipient();
  const nonce = protocol.toBase64(protocol.newNonce());
  recipients.set(nonce, keyPair);
  return { protocol: protocol.UNWRAP_PROTOCOL, ...fields, recipientPublicKey: protocol.toBase64(publicKey), nonce };
}

/** The `sub` claim of a token (the subject an answer is bound to). */
export const subjectOf = (token) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')).sub;

/**
 * The data key of a granted unwrap's answer (`answer`: its JSON) to `body` (from unwrapRequestBody),
 * asked as `user`: opened with the body's recipient key, bound to its object, message id, nonce
 * and the user's subject (`changed`: fields of the binding replaced). Throws when it does not open.
 */
export async function openAnswer(answer, body, user, changed = {}) {
  const binding = { objectId: body.objectId, messageId: body.messageId, subject: subjectOf(await tokenOf(user)), nonce: body.nonce, ...changed };
  return Buffer.from(await protocol.openDataKey(recipients.get(body.nonce), answer, binding));
}

/** POST /api/unwrap (api) with `body`; a granted answer's data key, opened, as `key`. */
export async function unwrap(url, body, opts) {
  const r = await api(url, '/api/unwrap', { ...opts, method: 'POST', body });
  if (r.status === 200) r.key = await openAnswer(r.json, body, opts.user);
  return r;
}

const tokens = new Map();
/** The ID token of a demo user (alice, bob, carol), signed in once per test process. */
export function tokenOf(user) {
  if (!tokens.has(user)) {
    const { env } = ensureStack();
    const password = idpUsers(stackDir())[user]?.password ?? 'no such user';
    const origin = env.CALLSEAL_ALLOWED_ORIGINS.split(',')[0];
    tokens.set(user, signIn({ issuer: env.CALLSEAL_OIDC_ISSUER, login: user, password, origin }).then((t) => t.id_token));
  }
  return tokens.get(user);
}

/**
 * A request to the broker as a demo user (`user`: signed in with the identity provider) or with a
 * given bearer `token`: { status, headers, bytes (the body as a Buffer), text, json (when the body
 * parses as JSON) }.
 */
export async function api(url, path, { user, token, method = 'GET', body, headers = {} } = {}) {
  const bearer = token ?? (user ? await tokenOf(user) : undefined);
  const res = await fetch(url + path, {
    method,
    headers: {
      ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  const text = bytes.toString('utf8');
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, headers: res.headers, bytes, json, text };
}

/**
 * Why tests that need callseal's policy engine (pkg/, built by `make build`) must be skipped on
 * the broker at `url`, or undefined when it has the engine.
 */
export async function policyEngineMissing(url) {
  const probe = await api(url, '/api/recordings', { user: 'alice' });
  return probe.json?.error?.code === 'PolicyEngineUnavailable' ? `skipped: ${probe.json.error.message.split('.')[0]} (pkg/ not built yet)` : undefined;
}

/** The stack (ensureStack) with what its listing holds (the samples' manifest), the listing's objects and its small WAV recording. */
export async function stackWithSamples() {
  const stack = ensureStack();
  const index = { contacts: stack.manifest.contacts };
  const objects = index.contacts.flatMap((c) => c.objects);
  return { ...stack, index, objects, wav: objects.find((o) => o.id.endsWith('.recording.wav') && o.ciphertextLength < 4 << 20) };
}

/**
 * The body of an unwrap request for a stored object: its KMS data key, context and message id, as
 * the official ESDK reads them, with a fresh recipient key and nonce (unwrapRequestBody).
 */
export async function unwrapBody({ cfg, env }, o) {
  const { edk, context, messageId } = await edkAndContext(await getObject(cfg, env.CALLSEAL_BUCKET, o.key));
  return unwrapRequestBody({ objectId: o.id, messageId, encryptedDataKey: edk, encryptionContext: context });
}

/**
 * The stack, what its listing holds (the samples' manifest: the contacts dropped and the objects they were sealed into) and a broker on it: { env, manifest, cfg,
 * index, broker, skip } (`skip`: why tests needing the policy engine cannot run, else undefined).
 */
export async function stackAndBroker(overrides) {
  const { env, manifest, cfg } = ensureStack();
  const index = { contacts: manifest.contacts };
  const broker = await startBroker(env, overrides);
  return { env, manifest, cfg, index, broker, skip: await policyEngineMissing(broker.url) };
}
