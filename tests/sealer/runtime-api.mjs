// The Lambda Runtime API (version 2018-06-01) as Lambda serves it to a provided.al2023 function's
// `bootstrap` ("Using the Lambda runtime API for custom runtimes", Lambda Developer Guide): the
// bootstrap long-polls GET /runtime/invocation/next, which answers with the event and the
// Lambda-Runtime-Aws-Request-Id / -Deadline-Ms / -Invoked-Function-Arn / -Trace-Id headers, and
// posts the function's answer to /runtime/invocation/{id}/response or its error ({errorType,
// errorMessage}) to /runtime/invocation/{id}/error; /runtime/init/error reports a failed start.
// AWS's runtime interface emulator is a Go program this machine does not build, so the tests
// serve the API here, to the real binary.
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';

const PREFIX = '/2018-06-01/runtime';

/**
 * Starts the API on 127.0.0.1 (a free port). Returns { address (host:port, as
 * AWS_LAMBDA_RUNTIME_API holds it), invoke(event) → Promise<{ ok, body, errorType }>, initError
 * (a promise of a failed start's body), close() }.
 */
export async function startRuntimeApi({ functionArn = 'arn:aws:lambda:us-west-2:123456789012:function:callseal-sealer', timeoutMs = 120_000 } = {}) {
  const pending = []; // invocations not yet handed to the bootstrap
  const waiting = []; // the bootstrap's /next requests not yet answered
  const inFlight = new Map(); // request id → resolve
  let failInit;
  const initError = new Promise((resolve) => { failInit = resolve; });

  const hand = (res, inv) => {
    inFlight.set(inv.id, inv.resolve);
    res.writeHead(200, {
      'content-type': 'application/json',
      'lambda-runtime-aws-request-id': inv.id,
      'lambda-runtime-deadline-ms': String(Date.now() + timeoutMs),
      'lambda-runtime-invoked-function-arn': functionArn,
      'lambda-runtime-trace-id': `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomUUID().replaceAll('-', '').slice(0, 24)};Sampled=0`,
    });
    res.end(JSON.stringify(inv.event));
  };

  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const path = req.url ?? '';
      if (req.method === 'GET' && path === `${PREFIX}/invocation/next`) {
        const inv = pending.shift();
        if (inv) hand(res, inv);
        else waiting.push(res);
        return;
      }
      const done = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(path);
      if (req.method === 'POST' && done && inFlight.has(done[1])) {
        const resolve = inFlight.get(done[1]);
        inFlight.delete(done[1]);
        res.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"OK"}');
        const parsed = body ? JSON.parse(body) : null;
        resolve(done[2] === 'response'
          ? { ok: true, body: parsed }
          : { ok: false, body: parsed, errorType: req.headers['lambda-runtime-function-error-type'] });
        return;
      }
      if (req.method === 'POST' && path === `${PREFIX}/init/error`) {
        res.writeHead(202).end('{"status":"OK"}');
        failInit(body);
        return;
      }
      res.writeHead(404).end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();

  return {
    address: `127.0.0.1:${port}`,
    initError,
    invoke(event) {
      return new Promise((resolve) => {
        const inv = { id: randomUUID(), event, resolve };
        const res = waiting.shift();
        if (res) hand(res, inv);
        else pending.push(inv);
      });
    },
    close() {
      for (const res of waiting.splice(0)) res.destroy();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}
