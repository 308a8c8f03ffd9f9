// Pub/sub through the unchanged @upstash/redis client: subscribe() and psubscribe() read the store's
// server-sent-event streams; publish() goes through the REST API. Channels are under this run's prefix.
// STORE_URL and STORE_TOKEN come from the test fixture.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Redis } from "@upstash/redis";

const url = process.env.STORE_URL;
const token = process.env.STORE_TOKEN ?? "unused";
if (!url) throw new Error("set STORE_URL to the store's REST base, e.g. http://127.0.0.1:7071/api");
const redis = new Redis({ url, token, enableTelemetry: false });
const run = `${process.pid}-${Date.now()}`;

/** Waits for a condition; a minute at most (a lost event, not a slow one). */
async function until(condition, what) {
  const deadline = Date.now() + 60_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function numsub(channel) {
  const [, count] = await redis.exec(["PUBSUB", "NUMSUB", channel]); // the client has no pubsub method
  return Number(count);
}

test("subscribe: the confirmation, JSON and text messages, PUBLISH's count, and unsubscribe leaves the registry", async () => {
  const channel = `news.${run}`;
  const subscriber = redis.subscribe([channel]);
  const counts = [];
  const messages = [];
  const errors = [];
  subscriber.on("subscribe", (count) => counts.push(count));
  subscriber.on("message", (m) => messages.push(m));
  subscriber.on("error", (e) => errors.push(String(e)));
  await until(() => counts.length === 1, "the subscribe confirmation");
  assert.deepEqual(counts, [1]);
  assert.equal(await numsub(channel), 1);

  assert.equal(await redis.publish(channel, { headline: "store ships SSE", tags: ["a", "b"] }), 1);
  assert.equal(await redis.publish(channel, "plain, with commas"), 1);
  await until(() => messages.length === 2, "two messages");
  assert.deepEqual(messages, [
    { channel, message: { headline: "store ships SSE", tags: ["a", "b"] } },
    { channel, message: "plain, with commas" },
  ]);
  assert.deepEqual(errors, []);

  await subscriber.unsubscribe();
  const deadline = Date.now() + 60_000;
  while ((await numsub(channel)) !== 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(await numsub(channel), 0, "the closed stream is still counted");
  assert.equal(await redis.publish(channel, "nobody"), 0);
});

test("psubscribe: pattern messages with the pattern and the channel", async () => {
  const pattern = `orders.${run}.*`;
  const subscriber = redis.psubscribe([pattern]);
  const received = [];
  const confirmed = [];
  subscriber.on("psubscribe", (count) => confirmed.push(count));
  subscriber.on("pmessage", (m) => received.push(m));
  await until(() => confirmed.length === 1, "the psubscribe confirmation");
  assert.equal(await redis.publish(`orders.${run}.eu`, { id: 7 }), 1);
  await until(() => received.length === 1, "a pattern message");
  assert.deepEqual(received, [{ pattern, channel: `orders.${run}.eu`, message: { id: 7 } }]);
  await subscriber.unsubscribe();
});
