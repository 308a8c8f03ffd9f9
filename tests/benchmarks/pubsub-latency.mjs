// Publish-to-browser latency: a headless chromium page (the store's console) subscribes to a
// channel; this script PUBLISHes through the REST API and notes, for each message, the time from
// just before the PUBLISH request to the page's receipt (both clocks are this machine's), and the
// PUBLISH round trip itself. One message at a time. Prints p50/p90/p99 as JSON.
// Usage: STORE_URL=http://127.0.0.1:7071/api STORE_TOKEN=... [SAMPLES=200] node tests/benchmarks/pubsub-latency.mjs
import { launch, openConsole, post, waitMessage, messages } from "../pubsub-browser/console.mjs";

const base = process.env.STORE_URL;
const token = process.env.STORE_TOKEN;
const samples = Number(process.env.SAMPLES ?? 200);
const warmup = 10;
if (!base || !token) throw new Error("set STORE_URL and STORE_TOKEN");

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

const channel = `latency${process.pid}`;
const browser = await launch();
try {
  const page = await openConsole(browser, base, token, { channels: channel });
  const endToEnd = [];
  const publishCall = [];
  for (let i = 0; i < warmup + samples; i++) {
    const data = `m${i}`;
    const sent = Date.now();
    const answer = await post(base, "", ["PUBLISH", channel, data], token);
    const answered = Date.now();
    if (answer.status !== 200 || answer.body.result !== 1) throw new Error(`PUBLISH answered ${answer.status} ${JSON.stringify(answer.body)}`);
    await waitMessage(page, data);
    const received = (await messages(page)).find(m => m.data === data).receivedAt;
    if (i >= warmup) {
      endToEnd.push(received - sent);
      publishCall.push(answered - sent);
    }
  }
  const summary = values => ({ p50: percentile(values, 50), p90: percentile(values, 90), p99: percentile(values, 99), max: Math.max(...values) });
  console.log(JSON.stringify({ samples, publishToBrowserMs: summary(endToEnd), publishRoundTripMs: summary(publishCall) }, null, 2));
} finally {
  await browser.close();
}
