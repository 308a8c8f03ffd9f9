// The unchanged @upstash/redis with its default options (telemetry headers, read-your-writes sync
// token, auto-pipelining): what it sends by itself must fit the store's limits.
// STORE_URL and STORE_TOKEN come from the test fixture.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Redis } from "@upstash/redis";

const url = process.env.STORE_URL;
const token = process.env.STORE_TOKEN ?? "unused";
if (!url) throw new Error("set STORE_URL to the store's REST base, e.g. http://127.0.0.1:7071/api");
const run = `${process.pid}:${Date.now()}`;

test("a burst of writes with 4 KB values, auto-pipelined into one request, all succeed", async () => {
  const redis = new Redis({ url, token }); // defaults: auto-pipelining on, up to 1,000 commands per request
  const burst = 400; // 400 x 4 KB: a /pipeline body of ~1.6 MB, past the old 1 MiB limit
  const value = i => `${i}:`.padEnd(4096, "v");
  // Four keys, so the store's cost stays four entity batches whatever the burst's size.
  const key = i => `burst:${run}:${i % 4}`;
  const replies = await Promise.all(Array.from({ length: burst }, (_, i) => redis.set(key(i), value(i))));
  assert.deepEqual(replies, Array(burst).fill("OK"));
  assert.equal(redis.pipelineCounter, 1, "the client sent the burst as one pipeline");
  const read = await Promise.all([0, 1, 2, 3].map(k => redis.get(key(k))));
  // The last write to each key wins: i = burst - 4 + k.
  assert.deepEqual(read, [0, 1, 2, 3].map(k => value(burst - 4 + k)));
});
