/**
 * callseal's reference key broker (Node 24, run with `tsx`: `npx tsx www/broker/src/server.ts`).
 *
 *   GET  /api/recordings          the contacts the user may see, each object marked mayRead; the
 *                                 readable ones with a pre-signed URL and their header facts
 *   GET  /api/objects/:id/url     a short-lived pre-signed S3 GET URL, for objects the user may read
 *   POST /api/unwrap              the data key sealed to the page's HPKE public key
 *                                   (www/lib/unwrap-protocol.ts: request and answer)
 *   GET  /api/me, /healthz
 *
 * Every /api/ request is signed in: a bearer token of the OpenID Connect issuer (auth.ts).
 * Unwrap order: verify the token -> rate limit -> validate the body -> key provider and key ARN ->
 * the object exists -> the context is the object's -> callseal's policy engine allows
 * connect:DescribeContact on its contact (the user's queue / agent hierarchy scope), s3:GetObject
 * on the object and kms:Decrypt under the context (role policy with the key policy: the listing's
 * and the URL route's check) -> KMS Decrypt with that context -> the data key sealed to the request's
 * recipient key -> the record written -> the sealed answer sent. Every unwrap and every refusal is
 * written to the audit log.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { pathToFileURL } from 'node:url';
import { AuditLog, type AuditEntry } from './audit.js';
import { FileAuditSink } from './audit-file.js';
import { S3AuditSink } from './audit-s3.js';
import { Authenticator } from './auth.js';
import { BulkUnwrapWatch } from './bulk-alert.js';
import { CloudTrailExport } from './cloudtrail.js';
import { DataKeyCache } from './key-cache.js';
import { DEFAULT_REFUSAL_LIMITS, RefusalAudit } from './refusals.js';
import { Authorizer } from './authorize.js';
import { KeyAccess, kmsUnwrap, makeClients, presignGet } from './aws.js';
import { Catalog } from './catalog.js';
import { HeaderFactsCache } from './header-facts.js';
import { type BrokerConfig, loadConfig } from './config.js';
import { ConcurrencyLimit, Deadline } from './deadline.js';
import { BrokerError } from './errors.js';
import { cors, pathSegment, readJson, securityHeaders, send, sourceIp } from './http.js';
import { RateLimiter } from './rate-limit.js';
import { contextMismatch, KMS_PROVIDER_ID, OBJECT_ID, parseUnwrapRequest, type UnwrapRequest } from './unwrap-request.js';
import type { User } from './users.js';
import { sealDataKey, toBase64, UNWRAP_PROTOCOL, type UnwrapAnswer } from '../../lib/unwrap-protocol.js';

const OBJECT_URL = /^\/api\/objects\/([^/]+)\/url$/;

/**
 * A contact's listed objects without the unredacted ones the user may not read when the user may
 * read a redacted object of the same kind: a role without access to unredacted content is shown
 * the redacted recording and transcript only (as Amazon Connect's redacted/unredacted permissions).
 */
function onlyRedactedWhereThatIsAll<T extends { kind: string; redacted: boolean; mayRead: boolean }>(objects: T[]): T[] {
  return objects.filter((o) => o.mayRead || o.redacted || !objects.some((x) => x.kind === o.kind && x.redacted && x.mayRead));
}

export function createBroker(config: BrokerConfig) {
  const { kms, s3 } = makeClients(config);
  const catalog = new Catalog(s3, config);
  const headers = new HeaderFactsCache(s3, config.bucket, config.kmsKeyArn);
  const keyAccess = new KeyAccess(kms, config.kmsKeyArn);
  const authz = new Authorizer(config, () => keyAccess.get());
  const authn = new Authenticator(config.oidc);
  const sink = config.auditSink === 's3' ? new S3AuditSink(s3, config.auditBucket!, config.auditPrefix) : new FileAuditSink(config.auditLogPath);
  const audit = new AuditLog(sink, config.accountId, config.region);
  const requestLimit = new RateLimiter(config.requestsPerMinute);
  const unwrapLimit = new RateLimiter(config.unwrapPerMinute);
  const refusedLimit = new RateLimiter(config.refusedPerMinute); // keyed by source address
  const refusedGlobalLimit = new RateLimiter(config.refusedGlobalPerMinute); // one key: every address
  const bulk = new BulkUnwrapWatch(audit, config.bulkUnwrapThreshold, config.bulkUnwrapWindowSeconds * 1000);
  const cloudTrail = config.cloudTrailBucket
    ? new CloudTrailExport(s3, config.cloudTrailBucket, config.accountId, config.region, config.cloudTrailSeconds * 1000)
    : undefined;
  if (cloudTrail) audit.onWritten = (lines) => cloudTrail.add(lines);
  const refusals = new RefusalAudit(audit, { windowMs: config.auditWindowSeconds * 1000, ...DEFAULT_REFUSAL_LIMITS });
  const kmsLimit = new ConcurrencyLimit(config.kmsConcurrency, config.kmsQueue);
  const keyCache = config.keyCacheSeconds > 0 ? new DataKeyCache(config.keyCacheSeconds * 1000, config.keyCacheEntries) : undefined;
  const keyResource = [{ type: 'AWS::KMS::Key', ARN: config.kmsKeyArn }];

  function throttle(limiter: RateLimiter, user: User, what: string) {
    const wait = limiter.take(user.name);
    if (wait > 0) throw new BrokerError('Throttling', `too many ${what} requests for ${user.name}; retry in ${wait} s`, wait);
  }

  /**
   * Missing or invalid tokens are refused (401); a source address that keeps sending them (tokens
   * being forged) is throttled like any caller (429 + Retry-After), each refusal still audited.
   */
  async function identifyOrThrottle(req: IncomingMessage, ip: string): Promise<User> {
    try {
      return await authn.identify(req);
    } catch (err) {
      if (err instanceof BrokerError && err.code === 'InvalidToken') {
        const wait = refusedLimit.take(ip);
        if (wait > 0) throw new BrokerError('Throttling', `too many requests with invalid tokens from this address; retry in ${wait} s`, wait);
        // Rotating source addresses share one budget.
        const all = refusedGlobalLimit.take('*');
        if (all > 0) throw new BrokerError('Throttling', `too many requests with invalid tokens; retry in ${all} s`, all);
      }
      throw err;
    }
  }

  /**
   * The listing: the contacts with an object the user may read (authz.mayRead: the contact in the
   * user's scope, its queue or agent hierarchy; s3:GetObject on the object; kms:Decrypt under its
   * context), others are not shown at all. For each object the user may read, it also carries what
   * opening it needs, so that a click starts the unwrap
   * and the object fetch at once instead of after two broker round trips: a short-lived pre-signed
   * GET URL (audited like /api/objects/:id/url, one record per URL) and the header facts the
   * unwrap request is made of (header-facts.ts). Objects the user may not read get neither.
   */
  async function listRecordings(user: User, ip: string, entry: Partial<AuditEntry>) {
    const decision = await authz.listContacts(user, ip);
    if (!decision.allowed) throw new BrokerError('AccessDenied', `${user.role} may not list contacts (${decision.decision})`);
    const all = await catalog.contacts();
    const inScope = await Promise.all(all.map((c) => authz.describeContact(user, c, ip)));
    const contacts = all.filter((_, i) => inScope[i].allowed);
    // The listing's records, each settled into its failure (or undefined) at once: a write that
    // fails while other objects are still being signed must not go unhandled (that would end the
    // process); the first failure refuses the whole listing once all have settled.
    const records: Promise<unknown>[] = [];
    const record = (e: AuditEntry) => { records.push(audit.record(e).then(() => undefined, (err: unknown) => err)); };
    const described = await Promise.all(contacts.map(async (c) => ({
      contactId: c.contactId,
      title: c.title,
      queue: c.contactRecord?.Queue?.Name,
      agent: c.agent,
      channel: c.channel,
      initiationTimestamp: c.initiationTimestamp,
      disconnectTimestamp: c.disconnectTimestamp,
      durationMillis: c.durationMillis,
      objects: onlyRedactedWhereThatIsAll(await Promise.all(c.objects.map(async (o) => {
        const read = await authz.mayRead(user, c, o.key, o.encryptionContext, ip);
        const mayRead = read.allowed;
        const listedObject = {
          id: o.id, kind: o.kind, format: o.format, redacted: o.redacted, contentType: o.contentType,
          plaintextLength: o.plaintextLength, ciphertextLength: o.ciphertextLength,
          suiteId: o.suiteId, frameLength: o.frameLength,
          encryptionContext: o.encryptionContext, // what /api/unwrap will accept for this object
          mayRead,
        };
        if (!mayRead) return listedObject;
        const [url, facts] = await Promise.all([presignGet(s3, config.bucket, o.key, config.urlExpirySeconds), headers.get(o.key)]);
        record({
          ...entry, eventName: 'GetObject', eventSource: 's3.amazonaws.com', user,
          requestParameters: { bucketName: config.bucket, key: o.key, objectId: o.id },
          resources: [{ type: 'AWS::S3::Object', ARN: `arn:aws:s3:::${config.bucket}/${o.key}` }],
          additionalEventData: { presigned: true, expiresInSeconds: config.urlExpirySeconds, decision: read.decision, via: 'listing' },
        } as AuditEntry);
        return {
          ...listedObject,
          url,
          urlExpiresInSeconds: config.urlExpirySeconds,
          urlExpiresAt: new Date(Date.now() + config.urlExpirySeconds * 1000).toISOString(),
          // Only when the stored header's context is the object's (else /api/unwrap would refuse it).
          ...(facts && !contextMismatch(o.encryptionContext, facts.encryptionContext)
            ? { header: { messageId: facts.messageId, encryptedDataKeys: facts.encryptedDataKeys, encryptionContext: facts.encryptionContext } }
            : {}),
        };
      }))),
    })));
    const listed = described.filter((c) => c.objects.some((o) => o.mayRead));
    // The listing itself: which contacts this user was shown (titles and agents are the catalog's).
    record({
      ...entry, user,
      requestParameters: { instanceId: config.connectInstanceId },
      resources: [{ type: 'AWS::Connect::Instance', ARN: decision.resource }],
      additionalEventData: {
        decision: decision.decision,
        contactIds: listed.map((c) => c.contactId),
        readableObjects: listed.reduce((n, c) => n + c.objects.filter((o) => o.mayRead).length, 0),
      },
    } as AuditEntry);
    const failed = (await Promise.all(records)).find((err) => err !== undefined);
    if (failed) throw failed;
    return listed;
  }

  async function objectUrl(user: User, id: string, ip: string, entry: Partial<AuditEntry>) {
    if (!OBJECT_ID.test(id)) throw new BrokerError('InvalidRequest', 'object id has characters outside [A-Za-z0-9._-]');
    const found = await catalog.object(id);
    if (!found) throw new BrokerError('ObjectNotFound', `no object "${id}"`);
    const o = found.object;
    entry.requestParameters = { bucketName: config.bucket, key: o.key, objectId: id };
    entry.resources = [{ type: 'AWS::S3::Object', ARN: `arn:aws:s3:::${config.bucket}/${o.key}` }];
    const decision = await authz.mayRead(user, found.contact, o.key, o.encryptionContext, ip);
    if (!decision.allowed) throw new BrokerError('AccessDenied', `${user.role} may not read this object (${decision.decision})`);
    const url = await presignGet(s3, config.bucket, o.key, config.urlExpirySeconds);
    entry.additionalEventData = { presigned: true, expiresInSeconds: config.urlExpirySeconds, decision: decision.decision };
    return {
      url,
      method: 'GET',
      expiresAt: new Date(Date.now() + config.urlExpirySeconds * 1000).toISOString(),
      id: o.id, kind: o.kind, format: o.format, contentType: o.contentType,
      ciphertextLength: o.ciphertextLength, plaintextLength: o.plaintextLength, frameLength: o.frameLength,
    };
  }

  async function unwrap(user: User, req: UnwrapRequest, ip: string, entry: Partial<AuditEntry>, deadline: Deadline) {
    const { encryptedDataKey: edk, encryptionContext } = req;
    entry.requestParameters = { keyId: edk.providerInfo, encryptionContext, encryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
    // The recipient key by its hash and the nonce: public, and never the sealed answer.
    entry.additionalEventData = { objectId: req.objectId, protocol: UNWRAP_PROTOCOL, recipientKeySha256: req.recipientSha256, nonce: req.nonce };
    if (edk.providerId !== KMS_PROVIDER_ID) {
      throw new BrokerError('UnsupportedKeyProvider', `encrypted data key provider "${edk.providerId.slice(0, 64)}" is not ${KMS_PROVIDER_ID}`);
    }
    if (edk.providerInfo !== config.kmsKeyArn) throw new BrokerError('KeyNotAllowed', 'the data key is wrapped under a key this broker does not use');
    const found = await catalog.object(req.objectId);
    if (!found) throw new BrokerError('ObjectNotFound', `no object "${req.objectId}"`);
    const o = found.object;
    const mismatch = contextMismatch(o.encryptionContext, encryptionContext);
    if (mismatch) throw new BrokerError('EncryptionContextMismatch', `encryption context is not the one of object ${o.id}: ${mismatch}`);
    // Exactly what the listing and the URL route ask: read the object and decrypt under the context
    // KMS will be given.
    const decision = await authz.mayRead(user, found.contact, o.key, encryptionContext, ip);
    (entry.additionalEventData as Record<string, unknown>).decision = decision.decision;
    if (!decision.allowed) throw new BrokerError('AccessDenied', `${user.role} may not read this object (${decision.decision})`);
    // Served from the cache only after the same checks; the record says so.
    const cacheId = DataKeyCache.id(user.name, o.id, edk.ciphertext, encryptionContext);
    const hit = keyCache?.get(cacheId);
    if (hit) {
      Object.assign(entry.additionalEventData as Record<string, unknown>, { kmsRequestId: hit.kmsRequestId, cached: true });
      return { dataKey: hit.key, keyId: config.kmsKeyArn, objectId: o.id };
    }
    const { dataKey, kmsRequestId } = await kmsUnwrap(kms, config.kmsKeyArn, edk.ciphertext, encryptionContext, { deadline, limit: kmsLimit });
    if (keyCache) {
      const copy = Buffer.alloc(dataKey.length); // the answer's buffer is zero-filled once sent
      copy.set(dataKey);
      keyCache.put(cacheId, copy, kmsRequestId);
    }
    (entry.additionalEventData as Record<string, unknown>).kmsRequestId = kmsRequestId;
    return { dataKey, keyId: config.kmsKeyArn, objectId: o.id };
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const requestID = randomUUID();
    const deadline = new Deadline(config.requestDeadlineMs);
    res.setHeader('X-Request-Id', requestID);
    securityHeaders(res, config);
    const ip = sourceIp(req);
    const url = new URL(req.url ?? '/', 'http://broker.invalid');
    const path = url.pathname;
    // The event a route's requests are recorded as, refused or not (an unwrap is a Decrypt event
    // even when its caller is not signed in): the audit counts refusals by it.
    const event = path === '/api/unwrap' ? { eventName: 'Decrypt', eventSource: 'kms.amazonaws.com', resources: keyResource } as const
      : path === '/api/recordings' ? { eventName: 'SearchContacts', eventSource: 'connect.amazonaws.com' } as const
        : OBJECT_URL.test(path) ? { eventName: 'GetObject', eventSource: 's3.amazonaws.com' } as const
          : { eventName: 'Request', eventSource: 'callseal-broker' } as const;
    const entry: Partial<AuditEntry> & { requestParameters: Record<string, unknown> } = {
      ...event, sourceIp: ip,
      userAgent: req.headers['user-agent'], requestID, requestParameters: { method: req.method, path: path.slice(0, 200) },
    };
    let audited = false;
    try {
      if (cors(req, res, config)) return;
      if (path === '/healthz' && req.method === 'GET') {
        // Unhealthy while the audit log cannot be written: no key or URL is released meanwhile.
        const auditStatus = audit.status();
        return send(res, auditStatus.writable ? 200 : 503, { ok: auditStatus.writable, audit: auditStatus });
      }
      if (!path.startsWith('/api/')) throw new BrokerError('NotFound', `no route ${path.slice(0, 100)}`);

      const user = await identifyOrThrottle(req, ip);
      entry.user = user;
      throttle(requestLimit, user, 'API');

      if (path === '/api/me' && req.method === 'GET') return send(res, 200, { user: user.name, role: user.role });

      if (path === '/api/recordings' && req.method === 'GET') {
        const contacts = await deadline.race(listRecordings(user, ip, entry), 'the listing');
        return send(res, 200, { contacts });
      }

      const m = OBJECT_URL.exec(path);
      if (m && req.method === 'GET') {
        const body = await deadline.race(objectUrl(user, pathSegment(m[1], 'the object id'), ip, entry), 'the URL');
        audited = true;
        await audit.record(entry as AuditEntry);
        return send(res, 200, body);
      }

      if (path === '/api/unwrap') {
        if (req.method !== 'POST') throw new BrokerError('MethodNotAllowed', 'use POST');
        throttle(unwrapLimit, user, 'unwrap');
        const parsed = await parseUnwrapRequest(await readJson(req, config.maxBodyBytes));
        const { dataKey, keyId, objectId } = await deadline.race(unwrap(user, parsed, ip, entry, deadline), 'the unwrap',
          (late) => { late.dataKey.fill(0); });
        // The key leaves KMS's buffer only sealed to the page's key, bound to this request; the
        // buffer is zero-filled once sealed (or on failure).
        let sealed;
        try {
          sealed = await sealDataKey(parsed.recipient, dataKey, {
            objectId, messageId: parsed.messageId, subject: user.subject, nonce: parsed.nonce,
          });
        } finally {
          dataKey.fill(0);
        }
        audited = true;
        await audit.record(entry as AuditEntry);
        await bulk.granted(user, objectId, ip); // an alert it raises is on disk before the key leaves
        const answer: UnwrapAnswer = {
          protocol: UNWRAP_PROTOCOL, objectId, keyId, enc: toBase64(sealed.enc), sealedKey: toBase64(sealed.sealedKey),
        };
        return send(res, 200, answer);
      }
      throw new BrokerError(
        ['/api/me', '/api/recordings'].includes(path) || m ? 'MethodNotAllowed' : 'NotFound',
        `no route ${req.method} ${path.slice(0, 100)}`,
      );
    } catch (err) {
      const e = err instanceof BrokerError ? err : new BrokerError('InternalError', 'internal error');
      if (!(err instanceof BrokerError)) console.error(`[broker] ${requestID}:`, err);
      if (e.code === 'InvalidToken') res.setHeader('WWW-Authenticate', 'Bearer error="invalid_token"');
      if (!audited) {
        entry.errorCode = e.code;
        entry.errorMessage = e.message;
        // Counted or recorded in full (refusals.ts); answered even when it cannot be written.
        await refusals.refused(entry as AuditEntry);
      }
      if (e.retryAfterSeconds) res.setHeader('Retry-After', String(e.retryAfterSeconds));
      if (req.readableEnded === false) req.resume(); // drain an unread body
      if (!res.headersSent) send(res, e.status, { error: { code: e.code, message: e.message, requestId: requestID } });
    }
  }

  // The first record of this log stream; its write also tells /healthz at once whether the log
  // can be written.
  audit.record({
    eventName: 'StartBroker', eventSource: 'callseal-broker', sourceIp: config.host, requestID: randomUUID(),
    requestParameters: { keyId: config.kmsKeyArn, bucketName: config.bucket, instanceId: config.connectInstanceId },
  }).catch(() => {});

  /** Every request, whatever carries it: the HTTP server here, Lambda events in lambda.ts. */
  const listener = (req: IncomingMessage, res: ServerResponse) => { void handle(req, res); };
  const server = createServer(listener);
  server.requestTimeout = 15_000;
  server.headersTimeout = 10_000;
  /** Writes what is counted and held (refusal summaries, the CloudTrail copy): on shutdown. */
  const close = async () => {
    keyCache?.clear();
    await refusals.close();
    await cloudTrail?.close();
  };
  return { server, listener, audit, close };
}

// Run as a program: `tsx www/broker/src/server.ts`
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const config = loadConfig();
  const { server, audit, close } = createBroker(config);
  server.listen(config.port, config.host, () => {
    const a = server.address();
    const port = typeof a === 'object' && a ? a.port : config.port;
    console.error(`[broker] listening on http://${config.host}:${port}  key ${config.kmsKeyArn}  ` +
      `S3 ${config.s3Endpoint ?? 'AWS'}  KMS ${config.kmsEndpoint ?? 'AWS'}  sign-in ${config.oidc.issuer}  audit ${audit.sink.where}  ` +
      `origins ${config.allowedOrigins.join(',')}`);
  });
  // The refusals counted in the current window and the CloudTrail copy are written before the
  // process ends.
  const stop = () => server.close(() => { void close().finally(() => process.exit(0)); });
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
