/** HTTP plumbing: security headers, CORS for the page origin(s) only, bounded JSON bodies. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BrokerConfig } from './config.js';
import { BrokerError } from './errors.js';

/** Headers on every response: never cached, never framed, nothing else loadable; every body is JSON. */
export function securityHeaders(res: ServerResponse, config: BrokerConfig) {
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-site');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Permissions-Policy', 'camera=(), microphone=(), geolocation=()');
  if (config.hsts) res.setHeader('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
}

/**
 * CORS: only the configured page origins get Access-Control-Allow-Origin. A request that carries
 * any other Origin is refused outright (browsers send Origin on cross-origin fetches and POSTs).
 * Returns true when the request was a preflight and has been answered.
 */
export function cors(req: IncomingMessage, res: ServerResponse, config: BrokerConfig): boolean {
  res.setHeader('Vary', 'Origin');
  const origin = req.headers.origin;
  if (origin === undefined) {
    if (req.method === 'OPTIONS') throw new BrokerError('OriginNotAllowed', 'preflight without an Origin');
    return false; // same-origin (through a dev proxy) or non-browser client
  }
  if (!config.allowedOrigins.includes(origin)) {
    throw new BrokerError('OriginNotAllowed', `origin ${origin.slice(0, 100)} is not allowed`);
  }
  res.setHeader('Access-Control-Allow-Origin', origin);
  res.setHeader('Access-Control-Expose-Headers', 'X-Request-Id, Retry-After');
  if (req.method === 'OPTIONS') {
    // OPTIONS: the page's preflight warm-up (lib/broker.ts warmUp) is itself an OPTIONS request,
    // answered here like a preflight: no body, no audit, no side effect.
    res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
    res.setHeader('Access-Control-Allow-Headers', 'Content-Type, Authorization');
    res.setHeader('Access-Control-Max-Age', '600');
    res.statusCode = 204;
    res.end();
    return true;
  }
  return false;
}

/** Reads a JSON body of at most `max` bytes (refused early on Content-Length, else while reading). */
export async function readJson(req: IncomingMessage, max: number): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') throw new BrokerError('UnsupportedMediaType', 'Content-Type must be application/json');
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > max) throw new BrokerError('RequestTooLarge', `body of ${declared} bytes exceeds ${max}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) throw new BrokerError('RequestTooLarge', `body exceeds ${max} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (err) {
    throw new BrokerError('InvalidRequest', `body is not valid JSON: ${(err as Error).message.slice(0, 200)}`);
  }
}

export function send(res: ServerResponse, status: number, body: unknown) {
  res.statusCode = status;
  res.end(JSON.stringify(body));
}

/** A percent-encoded path segment, decoded; one that does not decode (`%E0%A4%A`) is InvalidRequest. */
export function pathSegment(raw: string, what: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new BrokerError('InvalidRequest', `${what} is not valid percent-encoded UTF-8`);
  }
}

export function sourceIp(req: IncomingMessage): string {
  return req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? 'unknown';
}
