// The Redis guide's examples through the unchanged @upstash/redis client.
// STORE_URL (e.g. http://127.0.0.1:7071/api) and STORE_TOKEN come from the test fixture.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Redis } from "@upstash/redis";

const url = process.env.STORE_URL;
const token = process.env.STORE_TOKEN ?? "unused";
if (!url) throw new Error("set STORE_URL to the store's REST base, e.g. http://127.0.0.1:7071/api");
const redis = new Redis({ url, token, enableTelemetry: false });
const run = `${process.pid}:${Date.now()}`;

test("cache-aside with setex/get/del", async () => {
  const key = `cache:user:42:${run}`;
  assert.equal(await redis.get(key), null); // miss
  const user = { id: 42, name: "Ada" };
  assert.equal(await redis.setex(key, 300, JSON.stringify(user)), "OK");
  assert.deepEqual(await redis.get(key), user); // hit (the client parses JSON)
  const ttl = await redis.ttl(key);
  assert.ok(ttl > 290 && ttl <= 300, `ttl ${ttl}`);
  assert.equal(await redis.del(key), 1);
  assert.equal(await redis.get(key), null);
});

test("hashes: an object's fields", async () => {
  const key = `user:${run}`;
  assert.equal(await redis.hset(key, { name: "Ada", email: "ada@example.com", visits: 1 }), 3);
  assert.equal(await redis.hget(key, "name"), "Ada");
  assert.equal(await redis.hincrby(key, "visits", 5), 6);
  const all = await redis.hgetall(key);
  assert.deepEqual(all, { name: "Ada", email: "ada@example.com", visits: 6 });
  assert.equal(await redis.hdel(key, "email"), 1);
  assert.deepEqual((await redis.hkeys(key)).sort(), ["name", "visits"]);
});

test("leaderboard with zadd, zrange rev withScores, zincrby", async () => {
  const key = `leaderboard:${run}`;
  assert.equal(await redis.zadd(key, { score: 100, member: "alice" }, { score: 250, member: "bob" }, { score: 175, member: "carol" }), 3);
  assert.equal(await redis.zincrby(key, 100, "alice"), 200);
  const top = await redis.zrange(key, 0, 2, { rev: true, withScores: true });
  assert.deepEqual(top, ["bob", 250, "alice", 200, "carol", 175]);
  assert.equal(await redis.zrank(key, "carol"), 0);
  assert.equal(await redis.zscore(key, "bob"), 250);
});

test("recent logins with lpush/lrange/ltrim", async () => {
  const key = `recent:logins:${run}`;
  for (let i = 1; i <= 12; i++) await redis.lpush(key, `user${i}`);
  assert.equal(await redis.ltrim(key, 0, 9), "OK");
  const recent = await redis.lrange(key, 0, -1);
  assert.equal(recent.length, 10);
  assert.equal(recent[0], "user12");
  assert.equal(recent[9], "user3");
});

test("sliding-window rate limiter as one pipeline", async () => {
  const key = `ratelimit:${run}`;
  const limit = 5;
  const window = 60_000;
  const allowed = [];
  for (let i = 0; i < 8; i++) {
    const now = Date.now();
    const p = redis.pipeline();
    p.zremrangebyscore(key, 0, now - window);
    p.zadd(key, { score: now, member: `${now}-${i}` });
    p.zcard(key);
    p.pexpire(key, window);
    const [, added, count, expired] = await p.exec();
    assert.equal(added, 1);
    assert.equal(expired, 1);
    allowed.push(count <= limit);
  }
  assert.deepEqual(allowed, [true, true, true, true, true, false, false, false]);
});

test("multi() transaction", async () => {
  const from = `account:a:${run}`;
  const to = `account:b:${run}`;
  await redis.set(from, 100);
  await redis.set(to, 0);
  const tx = redis.multi();
  tx.decrby(from, 30);
  tx.incrby(to, 30);
  tx.get(from);
  const results = await tx.exec();
  assert.deepEqual(results, [70, 30, 70]);
  assert.equal(await redis.get(to), 30);
});
