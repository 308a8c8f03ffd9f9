// The unchanged @vercel/kv (a subclass of @upstash/redis) made by createClient({ url, token }) with
// its own defaults (auto-pipelining on, fetch cache "default", telemetry off): its scan iterators and
// its automatic JSON (de)serialization against the store.
// STORE_URL and STORE_TOKEN come from the test fixture.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createClient } from "@vercel/kv";

const url = process.env.STORE_URL;
const token = process.env.STORE_TOKEN ?? "unused";
if (!url) throw new Error("set STORE_URL to the store's REST base, e.g. http://127.0.0.1:7071/api");
const run = `${process.pid}:${Date.now()}`;
const kv = createClient({ url, token });

/** Counts the calls the iterator makes to `method` (its pages) while it walks. */
async function walk(method, iterate) {
  const original = kv[method];
  let pages = 0;
  kv[method] = (...args) => { pages++; return original.apply(kv, args); };
  try {
    const items = [];
    for await (const item of iterate()) items.push(item);
    return { items, pages };
  } finally {
    kv[method] = original;
  }
}

const pairs = flat => Array.from({ length: flat.length / 2 }, (_, i) => [flat[2 * i], flat[2 * i + 1]]);

test("scanIterator walks exactly the run's keys, over several pages", { timeout: 300_000 }, async () => {
  const keys = Array.from({ length: 60 }, (_, i) => `kv:${run}:key:${i}`);
  await Promise.all(keys.map((key, i) => kv.set(key, i))); // one auto-pipelined request
  await kv.set(`kv:${run}:other`, "not matched");
  const { items, pages } = await walk("scan", () => kv.scanIterator({ match: `kv:${run}:key:*`, count: 10 }));
  assert.deepEqual([...items].sort(), [...keys].sort());
  assert.ok(pages > 1, `one page only (${pages}): the iterator's cursor loop was not exercised`);
});

test("hscanIterator, sscanIterator and zscanIterator walk exactly the run's fields and members, over several pages", { timeout: 300_000 }, async () => {
  // Past Redis's listpack sizes (values over 64 bytes, over 128 members), where the SCANs page by
  // COUNT: a listpack is answered whole in one page, by redis-server and by the store alike.
  const size = 300;
  const value = i => `v${i}:`.padEnd(80, "x");
  const hash = `kv:${run}:hash`, set = `kv:${run}:set`, zset = `kv:${run}:zset`;
  const names = Array.from({ length: size }, (_, i) => `m${i}`);
  await kv.hset(hash, Object.fromEntries(names.map((n, i) => [n, value(i)])));
  await kv.sadd(set, ...names);
  await kv.zadd(zset, ...names.map((member, i) => ({ score: i, member })));

  const fields = await walk("hscan", () => kv.hscanIterator(hash, { count: 50 }));
  assert.deepEqual(pairs(fields.items).sort(), names.map((n, i) => [n, value(i)]).sort());
  assert.ok(fields.pages > 1, `hscan: one page only (${fields.pages})`);

  const members = await walk("sscan", () => kv.sscanIterator(set, { count: 50 }));
  assert.deepEqual([...members.items].sort(), [...names].sort());
  assert.ok(members.pages > 1, `sscan: one page only (${members.pages})`);

  const scored = await walk("zscan", () => kv.zscanIterator(zset, { count: 50 }));
  assert.deepEqual(pairs(scored.items).sort(), names.map((n, i) => [n, i]).sort());
  assert.ok(scored.pages > 1, `zscan: one page only (${scored.pages})`);

  const matched = await walk("hscan", () => kv.hscanIterator(hash, { match: "m1*", count: 50 }));
  assert.deepEqual(pairs(matched.items).map(([f]) => f).sort(), names.filter(n => n.startsWith("m1")).sort());
});

test("values are JSON-serialized on write and parsed on read, as against Upstash", async () => {
  const key = part => `kv:${run}:json:${part}`;
  const profile = { name: "Ada", tags: ["x", "y"], visits: 3, admin: false, nested: { at: null } };
  await kv.set(key("object"), profile);
  assert.deepEqual(await kv.get(key("object")), profile);
  // The stored text is the JSON itself, readable by any other Redis client.
  const raw = createClient({ url, token, automaticDeserialization: false });
  assert.equal(await raw.get(key("object")), JSON.stringify(profile));
  // Numeric and JSON-looking strings come back parsed; other text comes back as text.
  await kv.set(key("number"), "123");
  assert.equal(await kv.get(key("number")), 123);
  await kv.set(key("text"), "hello world");
  assert.equal(await kv.get(key("text")), "hello world");
  await kv.hset(key("hash"), { profile, count: 2 });
  assert.deepEqual(await kv.hgetall(key("hash")), { profile, count: 2 });
  await kv.rpush(key("list"), { a: 1 }, 2, "three");
  assert.deepEqual(await kv.lrange(key("list"), 0, -1), [{ a: 1 }, 2, "three"]);
  assert.deepEqual(await kv.mget(key("object"), key("missing")), [profile, null]);
});

test("its defaults: concurrent calls go as one auto-pipelined request, values with any bytes survive the base64 replies", async () => {
  const key = part => `kv:${run}:defaults:${part}`;
  const before = kv.pipelineCounter;
  const written = ["plain", "ünïcödé ✓", "line\nbreak", "quote \" and , comma", "x".repeat(10_000)];
  const replies = await Promise.all(written.map((value, i) => kv.set(key(i), value)));
  assert.deepEqual(replies, written.map(() => "OK"));
  assert.equal(kv.pipelineCounter - before, 1, "the five writes went as one /pipeline request");
  assert.deepEqual(await Promise.all(written.map((_, i) => kv.get(key(i)))), written);
  assert.equal(await kv.setex(key("ttl"), 100, "v"), "OK");
  const ttl = await kv.ttl(key("ttl"));
  assert.ok(ttl > 0 && ttl <= 100, `ttl ${ttl}`);
});
