// The unchanged @upstash/redis, with its default options, in headless chromium on a page served
// from another origin than the store's: CORS must let its requests (and their preflights) through.
// STORE_URL and STORE_TOKEN come from the test fixture; the page and the client's modules are
// served by a small server here, on another port (another origin).
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { launch } from "../pubsub-browser/console.mjs";

const storeUrl = process.env.STORE_URL;
const token = process.env.STORE_TOKEN ?? "unused";
if (!storeUrl) throw new Error("set STORE_URL to the store's REST base, e.g. http://127.0.0.1:7071/api");
const modules = fileURLToPath(new URL("../node_modules/", import.meta.url));

// The page imports the client as the npm package is (ES modules), through an import map.
const page = `<!doctype html><html><head>
<script type="importmap">{"imports":{"@upstash/redis":"/m/@upstash/redis/nodejs.mjs","uncrypto":"/m/uncrypto/dist/crypto.web.mjs"}}</script>
<script type="module">import { Redis } from "@upstash/redis"; window.Redis = Redis; document.title = "ready";</script>
</head><body></body></html>`;

function serve() {
  const server = createServer(async (request, response) => {
    try {
      if (request.url === "/") {
        response.writeHead(200, { "Content-Type": "text/html" }).end(page);
      } else if (request.url.startsWith("/m/") && !request.url.includes("..")) {
        const body = await readFile(modules + request.url.slice(3));
        response.writeHead(200, { "Content-Type": "text/javascript" }).end(body);
      } else {
        response.writeHead(404).end();
      }
    } catch {
      response.writeHead(404).end();
    }
  });
  return new Promise(resolve => server.listen(0, "127.0.0.1", () => resolve(server)));
}

test("@upstash/redis with default options runs SET, GET and a pipeline from another origin", async () => {
  const server = await serve();
  const browser = await launch();
  try {
    const origin = `http://127.0.0.1:${server.address().port}`;
    assert.notEqual(new URL(storeUrl).origin, origin);
    const tab = await browser.newPage();
    await tab.goto(origin + "/");
    await tab.waitForFunction(() => document.title === "ready");
    const result = await tab.evaluate(async ({ url, token, key }) => {
      try {
        const redis = new Redis({ url, token }); // defaults: telemetry, sync token, auto-pipelining
        const set = await redis.set(key, "from-a-page");
        const get = await redis.get(key);
        const p = redis.pipeline();
        p.incr(key + ":n");
        p.incr(key + ":n");
        p.get(key);
        const pipeline = await p.exec();
        return { set, get, pipeline };
      } catch (e) {
        return { error: String(e) };
      }
    }, { url: storeUrl, token, key: `browser:${process.pid}:${Date.now()}` });
    assert.deepEqual(result, { set: "OK", get: "from-a-page", pipeline: [1, 2, "from-a-page"] });
  } finally {
    await browser.close();
    server.close();
  }
});

test("@upstash/redis subscribe() from another origin receives what publish() sends", async () => {
  const server = await serve();
  const browser = await launch();
  try {
    const origin = `http://127.0.0.1:${server.address().port}`;
    const tab = await browser.newPage();
    await tab.goto(origin + "/");
    await tab.waitForFunction(() => document.title === "ready");
    const result = await tab.evaluate(async ({ url, token, channel }) => {
      const until = async (condition) => {
        const deadline = Date.now() + 60_000;
        while (!condition()) {
          if (Date.now() > deadline) throw new Error("timed out");
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      };
      try {
        const redis = new Redis({ url, token }); // the client's defaults
        const subscriber = redis.subscribe([channel]);
        const counts = [], messages = [], errors = [];
        subscriber.on("subscribe", (n) => counts.push(n));
        subscriber.on("message", (m) => messages.push(m));
        subscriber.on("error", (e) => errors.push(String(e)));
        await until(() => counts.length === 1);
        const receivers = await redis.publish(channel, { from: "a page" });
        await until(() => messages.length === 1);
        await subscriber.unsubscribe();
        return { counts, receivers, messages, errors };
      } catch (e) {
        return { error: String(e) };
      }
    }, { url: storeUrl, token, channel: `browser.${process.pid}.${Date.now()}` });
    assert.equal(result.error, undefined, result.error);
    assert.deepEqual(result.counts, [1]);
    assert.equal(result.receivers, 1);
    assert.deepEqual(result.messages.map((m) => m.message), [{ from: "a page" }]);
    assert.deepEqual(result.errors, []);
  } finally {
    await browser.close();
    server.close();
  }
});
