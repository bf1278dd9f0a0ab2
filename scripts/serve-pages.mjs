// Serves the built pages (vite build of www/, e.g. www/dist) as a deployment would: only the files
// of that folder (no symlink or `..` out of it, no dot-files, GET and HEAD only), each HTML page
// with its Content-Security-Policy as a header (the policy of its meta tag, plus what a meta tag
// cannot carry: frame-ancestors 'none'), X-Frame-Options DENY, nosniff, no referrer; the player's
// Service Worker (player/sw.js) with Cache-Control no-cache like everything else.
//   node scripts/serve-pages.mjs <dir> [--host 127.0.0.1] [--port 4173]
// Prints "[pages] serving <dir> on http://host:port/" once listening. scripts/demo.sh runs it.
import { createReadStream, promises as fs } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json', '.wasm': 'application/wasm', '.bin': 'application/octet-stream',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.webmanifest': 'application/manifest+json',
};

/** Headers of every answer. COOP allows pop-ups: the player signs in through one (www/lib/signin.ts). */
const COMMON = {
  'cache-control': 'no-cache',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin-allow-popups',
  'cross-origin-resource-policy': 'same-origin',
};

const META_CSP = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/i;

/** A page's policy as a header: its meta tag's, with frame-ancestors 'none' (default-src 'none' when it has none). */
export function pagePolicy(html) {
  const meta = META_CSP.exec(html)?.[1] ?? "default-src 'none'";
  const directives = meta.split(';').map((d) => d.trim()).filter((d) => d && !/^frame-ancestors\b/i.test(d));
  return [...directives, "frame-ancestors 'none'"].join('; ');
}

/** The file a URL path names inside `root`, or undefined (outside it, a dot-file, not a file). */
async function fileFor(root, pathname) {
  let decoded;
  try { decoded = decodeURIComponent(pathname); } catch { return undefined; }
  const parts = decoded.split('/').filter(Boolean);
  if (parts.some((p) => p.startsWith('.') || p.includes('\\') || p.includes('\0'))) return undefined;
  let path = join(root, ...parts);
  try {
    let st = await fs.stat(path);
    if (st.isDirectory()) { path = join(path, 'index.html'); st = await fs.stat(path); }
    const real = await fs.realpath(path);
    return st.isFile() && real.startsWith(root + sep) ? { path: real, size: st.size } : undefined;
  } catch {
    return undefined;
  }
}

export async function servePages(dir, { host = '127.0.0.1', port = 4173 } = {}) {
  const root = await fs.realpath(resolve(dir));
  const server = createServer(async (req, res) => {
    const notFound = (status = 404) => res.writeHead(status, { ...COMMON, 'content-type': 'text/plain; charset=utf-8', 'content-security-policy': "default-src 'none'; frame-ancestors 'none'" }).end(status === 404 ? 'not found' : 'method not allowed');
    if (req.method !== 'GET' && req.method !== 'HEAD') return notFound(405);
    const url = new URL(req.url ?? '/', 'http://pages.invalid');
    if (url.pathname.endsWith('/player') || url.pathname.endsWith('/playground')) {
      return res.writeHead(308, { ...COMMON, location: `${url.pathname}/` }).end();
    }
    const file = await fileFor(root, url.pathname);
    if (!file) return notFound();
    const type = TYPES[extname(file.path)] ?? 'application/octet-stream';
    const headers = { ...COMMON, 'content-type': type, 'content-length': file.size };
    if (type.startsWith('text/html')) {
      const html = await fs.readFile(file.path, 'utf8');
      return res.writeHead(200, { ...headers, 'content-security-policy': pagePolicy(html) }).end(req.method === 'HEAD' ? undefined : html);
    }
    res.writeHead(200, headers);
    if (req.method === 'HEAD') return res.end();
    createReadStream(file.path).pipe(res);
  });
  await new Promise((ok, fail) => { server.once('error', fail); server.listen(port, host, ok); });
  const a = server.address();
  return { server, url: `http://${host}:${a.port}/` };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({ options: { host: { type: 'string' }, port: { type: 'string' } }, allowPositionals: true });
  if (positionals.length !== 1) {
    console.error('usage: node scripts/serve-pages.mjs <built pages dir> [--host 127.0.0.1] [--port 4173]');
    process.exit(2);
  }
  const { server, url } = await servePages(positionals[0], { host: values.host, port: Number(values.port ?? 4173) });
  console.error(`[pages] serving ${positionals[0]} on ${url}`);
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
