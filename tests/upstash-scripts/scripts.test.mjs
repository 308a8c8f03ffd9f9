// The ecosystem's script users, unchanged: @upstash/ratelimit (EVALSHA, then EVAL on NOSCRIPT),
// @upstash/lock (EVAL to release and extend) and @upstash/redis's createScript.
// STORE_URL and STORE_TOKEN come from the test fixture; every key is under this run's prefix.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Redis } from "@upstash/redis";
import { Ratelimit } from "@upstash/ratelimit";
import { Lock } from "@upstash/lock";

const url = process.env.STORE_URL;
const token = process.env.STORE_TOKEN ?? "unused";
if (!url) throw new Error("set STORE_URL to the store's REST base, e.g. http://127.0.0.1:7071/api");
const redis = new Redis({ url, token, enableTelemetry: false });
const run = `${process.pid}:${Date.now()}`;

// Ratelimit admits a request whose check takes longer than its timeout (5 s by default): a long
// timeout keeps these tests judging the store's answers, not the speed of a busy machine.
const timeout = 120_000;
// Fixed and sliding windows start at multiples of their length since the epoch: a test that
// crosses a window's end sees the next window's budget (CI once saw getRemaining give 1, not 0).
// Windows of a day, and a wait when less than two minutes of the day are left, keep every check
// inside one window; the token bucket refills one token a day, so none comes back mid-test.
const day = 86_400_000;
const limiters = {
  fixedWindow: { limiter: Ratelimit.fixedWindow(10, "1 d") },
  slidingWindow: { limiter: Ratelimit.slidingWindow(10, "1 d") },
  tokenBucket: { limiter: Ratelimit.tokenBucket(1, "1 d", 10) },
  cachedFixedWindow: { limiter: Ratelimit.cachedFixedWindow(10, "1 d"), ephemeralCache: new Map() },
};

async function awayFromWindowEnd() {
  const left = day - (Date.now() % day);
  if (left < 120_000) await new Promise((resolve) => setTimeout(resolve, left + 1_000));
}

for (const [name, options] of Object.entries(limiters)) {
  test(`ratelimit ${name}: 32 concurrent requests, exactly 10 admitted, then reset`, async () => {
    await awayFromWindowEnd();
    const ratelimit = new Ratelimit({ redis, prefix: `rl:${run}:${name}`, analytics: false, ephemeralCache: false, timeout, ...options });
    const results = await Promise.all(Array.from({ length: 32 }, () => ratelimit.limit("user-1")));
    const admitted = results.filter((r) => r.success).length;
    assert.equal(admitted, 10, `admitted ${admitted} of 32: ${JSON.stringify(results.map((r) => r.remaining))}`);
    for (const r of results) assert.equal(r.limit, 10);
    // Another identifier has its own budget.
    assert.equal((await ratelimit.limit("user-2")).success, true);
    if (name !== "cachedFixedWindow") {
      const remaining = await ratelimit.getRemaining("user-1");
      assert.equal(remaining.remaining, 0, JSON.stringify(remaining));
      // resetUsedTokens runs a script that SCANs for the identifier's keys.
      await ratelimit.resetUsedTokens("user-1");
      assert.equal((await ratelimit.limit("user-1")).success, true);
    }
  });
}

test("ratelimit blockUntilReady admits once tokens are back", async () => {
  const ratelimit = new Ratelimit({ redis, prefix: `rl:${run}:block`, limiter: Ratelimit.fixedWindow(1, "2 s"), analytics: false, ephemeralCache: false, timeout });
  assert.equal((await ratelimit.limit("u")).success, true);
  // One request per 2 s window: the next is refused, unless it fell into the next window.
  let refused = false;
  for (let i = 0; i < 3 && !refused; i++) refused = !(await ratelimit.limit("u")).success;
  assert.ok(refused, "a second request in a window was admitted three times in a row");
  const waited = await ratelimit.blockUntilReady("u", 15_000);
  assert.equal(waited.success, true);
});

test("lock: acquire, refuse a second holder, extend, release", async () => {
  const id = `lock:${run}`;
  const lock = new Lock({ id, redis, lease: 10_000 });
  assert.equal(await lock.acquire(), true);
  assert.equal(await lock.getStatus(), "ACQUIRED");
  const other = new Lock({ id, redis, lease: 10_000, retry: { attempts: 1, delay: 10 } });
  assert.equal(await other.acquire(), false);
  assert.equal(await other.release(), false); // not its lock: the release script leaves it
  assert.equal(await lock.extend(10_000), true);
  const ttl = await redis.pttl(id);
  assert.ok(ttl > 10_000 && ttl <= 20_000, `pttl ${ttl}`);
  assert.equal(await lock.release(), true);
  assert.equal(await redis.exists(id), 0);
  assert.equal(await other.acquire(), true);
  assert.equal(await other.release(), true);
});

test("createScript: EVALSHA first, EVAL when the store lacks it", async () => {
  const body = `return {KEYS[1], ARGV[1], redis.call('INCRBY', KEYS[1], ARGV[1]), '${run}'}`;
  const script = redis.createScript(body);
  const key = `script:${run}`;
  assert.deepEqual(await script.exec([key], ["5"]), [key, 5, 5, run]);
  assert.deepEqual(await script.evalsha([key], ["2"]), [key, 2, 7, run]);
  assert.equal(await redis.get(key), 7);
  assert.deepEqual(await redis.scriptExists(script.sha1), [1]);
});
