// What @upstash/redis's retries do to writes (docs/clients.md, "Retries"). The client retries a
// request only when fetch throws (a dropped connection), 5 times by default with backoff, and never
// on an HTTP status. A tiny proxy between the client and the store drops connections on purpose:
// after forwarding the request and waiting for the store's answer (the write is applied), or
// before forwarding it (nothing is applied).
// STORE_URL and STORE_TOKEN come from the test fixture.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { Redis } from "@upstash/redis";

const url = process.env.STORE_URL;
const token = process.env.STORE_TOKEN ?? "unused";
if (!url) throw new Error("set STORE_URL to the store's REST base, e.g. http://127.0.0.1:7071/api");
const run = `${process.pid}:${Date.now()}`;
const direct = new Redis({ url, token, enableTelemetry: false, enableAutoPipelining: false });

/**
 * The proxy. `plan` is what it does to each request in turn ("drop-after": forward, wait for the
 * store's answer, then destroy the client's socket without answering; "drop-before": destroy it
 * without forwarding; "503": answer 503 itself; "forward"); after the plan it forwards.
 */
let proxy, proxyUrl, plan = [], seen = [];
before(async () => {
  const store = new URL(url);
  proxy = http.createServer(async (request, response) => {
    const chunks = [];
    for await (const chunk of request) chunks.push(chunk);
    const body = Buffer.concat(chunks);
    const step = plan.shift() ?? "forward";
    seen.push({ path: request.url, body: body.toString("utf8"), step });
    if (step === "drop-before") return request.socket.destroy();
    if (step === "503") {
      response.writeHead(503, { "Content-Type": "application/json" });
      return response.end(JSON.stringify({ error: "Service Unavailable (from the test's proxy)" }));
    }
    const headers = {};
    for (const name of ["authorization", "content-type", "upstash-encoding", "upstash-sync-token"])
      if (request.headers[name] !== undefined) headers[name] = request.headers[name];
    const answer = await fetch(new URL(request.url, store.origin), { method: request.method, headers, body });
    const answered = Buffer.from(await answer.arrayBuffer()); // the store has applied the command
    if (step === "drop-after") return request.socket.destroy();
    response.writeHead(answer.status, { "Content-Type": "application/json" });
    response.end(answered);
  });
  // Only the plan closes connections: an idle keep-alive socket closed by the server could fail a
  // request in fetch and add an attempt the proxy never sees.
  proxy.keepAliveTimeout = 10 * 60_000;
  await new Promise(resolve => proxy.listen(0, "127.0.0.1", resolve));
  proxyUrl = `http://127.0.0.1:${proxy.address().port}${store.pathname}`;
});
after(() => new Promise(resolve => { proxy.closeAllConnections(); proxy.close(resolve); }));

/** A client through the proxy with the default retry options (5 retries, backoff e^i x 50 ms). */
const throughProxy = () => new Redis({ url: proxyUrl, token, enableTelemetry: false, enableAutoPipelining: false });
const attempts = () => seen.length;
function reset(steps) { plan = [...steps]; seen = []; }

test("a connection dropped after the store applied INCR: the client retries and INCR is applied twice", async () => {
  const key = `retries:${run}:incr-after`;
  reset(["drop-after"]);
  const reply = await throughProxy().incr(key);
  assert.equal(attempts(), 2, "one attempt dropped, one retried");
  assert.deepEqual(seen.map(s => s.body), [JSON.stringify(["incr", key]), JSON.stringify(["incr", key])], "the retry is the same request, byte for byte");
  assert.equal(reply, 2, "the caller sees the second application's reply");
  assert.equal(await direct.get(key), 2, "one INCR call, applied twice");
});

test("a connection dropped before the request reached the store: the retry applies INCR once", async () => {
  const key = `retries:${run}:incr-before`;
  reset(["drop-before", "drop-before"]);
  assert.equal(await throughProxy().incr(key), 1);
  assert.equal(attempts(), 3);
  assert.equal(await direct.get(key), 1);
});

test("a dropped SET NX: the retry answers null although this client's write is the one stored", async () => {
  const key = `retries:${run}:setnx`;
  reset(["drop-after"]);
  assert.equal(await throughProxy().set(key, "mine", { nx: true }), null);
  assert.equal(await direct.get(key), "mine");
});

test("a dropped /multi-exec runs the whole transaction again", async () => {
  const key = `retries:${run}:multi`;
  reset(["drop-after"]);
  const transaction = throughProxy().multi();
  transaction.incr(key).rpush(`${key}:log`, "entry");
  assert.deepEqual(await transaction.exec(), [2, 2]);
  assert.equal(seen[1].path, seen[0].path);
  assert.match(seen[0].path, /multi-exec$/);
  assert.equal(await direct.get(key), 2);
  assert.equal(await direct.llen(`${key}:log`), 2);
});

test("every attempt dropped: the client gives up after 1 + 5 attempts and the write may have been applied 6 times", { timeout: 120_000 }, async () => {
  const key = `retries:${run}:exhausted`;
  reset(Array(6).fill("drop-after"));
  await assert.rejects(throughProxy().incr(key), /fetch failed|other side closed|socket/i);
  assert.equal(attempts(), 6);
  assert.equal(await direct.get(key), 6, "the caller saw an error, yet INCR was applied at every attempt");
});

test("an HTTP 5xx answer is not retried: the client throws at once", async () => {
  const key = `retries:${run}:503`;
  reset(["503"]);
  await assert.rejects(throughProxy().incr(key), /Service Unavailable/);
  assert.equal(attempts(), 1, "a 5xx is never retried");
  assert.equal(await direct.get(key), null);
});

test("retry: false still retries once: the client's loop runs attempts + 1 times", async () => {
  const key = `retries:${run}:no-retry`;
  reset(["drop-after"]);
  const once = new Redis({ url: proxyUrl, token, enableTelemetry: false, enableAutoPipelining: false, retry: false });
  // retry: false sets attempts: 1, and the loop is `for (i = 0; i <= attempts; i++)`.
  assert.equal(await once.incr(key), 2);
  assert.equal(attempts(), 2);
  assert.equal(await direct.get(key), 2);
});

test("retry: { retries: 0 } makes exactly one attempt: the caller gets the error, the write may be applied", async () => {
  const key = `retries:${run}:zero`;
  reset(["drop-after"]);
  const once = new Redis({ url: proxyUrl, token, enableTelemetry: false, enableAutoPipelining: false, retry: { retries: 0 } });
  await assert.rejects(once.incr(key));
  assert.equal(attempts(), 1);
  assert.equal(await direct.get(key), 1);
});
