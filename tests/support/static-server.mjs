// A small static file server for tests and benchmarks: correct MIME types (application/wasm),
// HTTP Range (206 + Content-Range), optional extra headers (CSP, COOP/COEP). No caching.
import { createServer } from 'node:http';
import { createReadStream, promises as fs } from 'node:fs';
import { extname, join, normalize, resolve } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json', '.wasm': 'application/wasm', '.bin': 'application/octet-stream',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.wav': 'audio/wav', '.map': 'application/json',
  '.ts': 'text/javascript; charset=utf-8',
};

/** Serves `root` on 127.0.0.1 (port 0 = any free port). Returns { url, close, requests }. */
export async function serveStatic(root, { port = 0, headers = {}, log = false } = {}) {
  root = resolve(root);
  const requests = [];
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    requests.push({ method: req.method, path: url.pathname, range: req.headers.range ?? null });
    let path = normalize(join(root, decodeURIComponent(url.pathname)));
    if (!path.startsWith(root)) { res.writeHead(403).end(); return; }
    try {
      let st = await fs.stat(path);
      if (st.isDirectory()) { path = join(path, 'index.html'); st = await fs.stat(path); }
      const base = { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream',
        'cache-control': 'no-store', 'accept-ranges': 'bytes', ...headers };
      const m = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
      if (m) {
        let start = m[1] === '' ? st.size - Number(m[2]) : Number(m[1]);
        let end = m[1] === '' || m[2] === '' ? st.size - 1 : Math.min(Number(m[2]), st.size - 1);
        if (start < 0) start = 0;
        if (start > end || start >= st.size) {
          res.writeHead(416, { ...base, 'content-range': `bytes */${st.size}` }).end(); return;
        }
        res.writeHead(206, { ...base, 'content-length': end - start + 1,
          'content-range': `bytes ${start}-${end}/${st.size}` });
        createReadStream(path, { start, end }).pipe(res);
      } else {
        res.writeHead(200, { ...base, 'content-length': st.size });
        if (req.method === 'HEAD') res.end(); else createReadStream(path).pipe(res);
      }
    } catch {
      if (log) console.error('404', url.pathname);
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  // A port already taken rejects (EADDRINUSE), so a caller can try another.
  await new Promise((ok, fail) => { server.once('error', fail); server.listen(port, '127.0.0.1', ok); });
  const { port: bound } = server.address();
  return {
    url: `http://127.0.0.1:${bound}`,
    requests,
    close: () => new Promise((ok) => { server.closeAllConnections?.(); server.close(ok); }),
  };
}
