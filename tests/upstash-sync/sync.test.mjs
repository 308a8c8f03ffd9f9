// @upstash/redis's readYourWrites flow across two instances of one store: one client whose requests
// alternate between the two (a round-robin proxy here, as a load balancer would), carrying the
// upstash-sync-token header each answer gives. STORE_URL and STORE_URL_2 are the two instances'
// REST bases (one task hub); STORE_TOKEN is their token.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { Redis } from "@upstash/redis";

const instances = [process.env.STORE_URL, process.env.STORE_URL_2];
const token = process.env.STORE_TOKEN ?? "unused";
if (!instances[0] || !instances[1]) throw new Error("set STORE_URL and STORE_URL_2 to two instances of one store");
const run = `${process.pid}x${Date.now()}`;

/** A proxy that sends each request to the next instance in turn, and records who served what with which tokens. */
function roundRobin() {
  const served = [];
  let next = 0;
  const server = createServer(async (request, response) => {
    const chunks = [];
    for await (const chunk of request) chunks.push(chunk);
    const target = instances[next++ % 2];
    const headers = { ...request.headers };
    delete headers.host;
    delete headers["content-length"];
    const answer = await fetch(target + request.url, { method: request.method, headers, body: Buffer.concat(chunks) });
    served.push({ instance: target === instances[0] ? 1 : 2, sent: request.headers["upstash-sync-token"], got: answer.headers.get("upstash-sync-token") });
    response.writeHead(answer.status, Object.fromEntries(answer.headers));
    response.end(Buffer.from(await answer.arrayBuffer()));
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ server, served, url: `http://127.0.0.1:${server.address().port}` })));
}

test("a function deleted through one instance is gone on the other at once for a client that carries the token", async () => {
  const proxy = await roundRobin();
  try {
    const redis = new Redis({ url: proxy.url, token, enableTelemetry: false, enableAutoPipelining: false }); // readYourWrites is on by default
    const library = `#!lua name=sync${run}\nredis.register_function('hello${run}', function() return 'hi' end)`;
    assert.equal(await redis.exec(["FUNCTION", "LOAD", library]), `sync${run}`); // instance 1
    assert.equal(await redis.exec(["FCALL", `hello${run}`, "0"]), "hi"); // instance 2: it now holds a copy with the function
    assert.equal(await redis.exec(["FUNCTION", "DELETE", `sync${run}`]), "OK"); // instance 1
    // Instance 2's copy still has the function (it is re-read every 5 s); the token makes it read again first.
    await assert.rejects(redis.exec(["FCALL", `hello${run}`, "0"]), /Function not found/);

    assert.deepEqual(proxy.served.map((s) => s.instance), [1, 2, 1, 2]);
    for (const s of proxy.served) assert.match(s.got ?? "", /^\d+$/, JSON.stringify(proxy.served));
    // The client shows each answer's token to the next request, and the tokens never go back.
    for (let i = 1; i < proxy.served.length; i++) {
      assert.equal(proxy.served[i].sent, proxy.served[i - 1].got);
      assert.ok(Number(proxy.served[i].got) >= Number(proxy.served[i - 1].got), JSON.stringify(proxy.served));
    }
    // Keys need no token: every read is a storage read, on either instance.
    await redis.set(`key${run}`, "written through 1");
    assert.equal(await redis.get(`key${run}`), "written through 1");
  } finally {
    proxy.server.close();
  }
});
