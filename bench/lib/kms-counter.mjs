// A counting proxy in front of the stack's KMS (moto): every request is forwarded unchanged and
// counted by its operation (the X-Amz-Target header of KMS's JSON protocol, e.g.
// "TrentService.Decrypt" -> Decrypt). A broker pointed at it (CALLSEAL_KMS_ENDPOINT) makes every
// KMS call it would make, and the proxy says how many of each.
import { Agent, createServer, request } from 'node:http';

/** Starts the proxy for `upstream` (an http:// endpoint); resolves { url, counts(), close() }. */
export function kmsCounter(upstream) {
  const target = new URL(upstream);
  const agent = new Agent({ keepAlive: true });
  const counts = {};
  const server = createServer((req, res) => {
    const op = String(req.headers['x-amz-target'] ?? '').split('.').pop() || '(none)';
    counts[op] = (counts[op] ?? 0) + 1;
    const up = request({
      host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers, agent,
    }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    up.on('error', () => { if (!res.headersSent) res.writeHead(502); res.end(); });
    req.pipe(up);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${server.address().port}`,
    /** A copy of the counts so far, by operation. */
    counts: () => ({ ...counts }),
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); agent.destroy(); }),
  })));
}

/** The counts in `after` beyond those in `before`, by operation (operations with none left out). */
export function countsSince(before, after) {
  return Object.fromEntries(Object.entries(after).map(([op, n]) => [op, n - (before[op] ?? 0)]).filter(([, n]) => n > 0));
}
