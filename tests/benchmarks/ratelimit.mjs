// @upstash/ratelimit's limit(), unchanged, against the store: for each algorithm, closed-loop
// clients for a fixed time on one identifier and on 1,000 identifiers; p50/p99 and limit() calls/s.
// Usage (run.sh does this): STORE_URL=... STORE_TOKEN=... node tests/benchmarks/ratelimit.mjs [seconds] [clients]
// Prints a markdown table. Limits are high, so every call runs the whole script (nothing is refused early).
import { Redis } from "@upstash/redis";
import { Ratelimit } from "@upstash/ratelimit";

const url = process.env.STORE_URL;
const token = process.env.STORE_TOKEN ?? "unused";
if (!url) throw new Error("set STORE_URL to the store's REST base");
const seconds = Number(process.argv[2] ?? 10);
const clients = Number(process.argv[3] ?? 16);
// The client's auto-pipelining would batch concurrent calls into one request: off, so a call is a request.
const redis = new Redis({ url, token, enableTelemetry: false, enableAutoPipelining: false });
const run = `${process.pid}`;

const algorithms = {
  // Windows of an hour: no key expires during the run (each expiry is an entity signal that would slow the rows after it).
  fixedWindow: () => Ratelimit.fixedWindow(1_000_000, "1 h"),
  slidingWindow: () => Ratelimit.slidingWindow(1_000_000, "1 h"),
  tokenBucket: () => Ratelimit.tokenBucket(1_000_000, "1 h", 1_000_000),
};

function percentile(sorted, p) {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

async function measure(name, identifiers, clientCount) {
  const ratelimit = new Ratelimit({
    redis, limiter: algorithms[name](), prefix: `bench:${run}:${name}:${identifiers}`, analytics: false, ephemeralCache: false, timeout: 60_000,
  });
  await ratelimit.limit("warm-up"); // EVALSHA -> NOSCRIPT -> EVAL once, outside the measurement
  const latencies = [];
  let errors = 0;
  const until = Date.now() + seconds * 1000;
  await Promise.all(Array.from({ length: clientCount }, async (_, c) => {
    let i = c;
    while (Date.now() < until) {
      const id = identifiers === 1 ? "one" : `id${i++ % identifiers}`;
      const start = performance.now();
      try {
        await ratelimit.limit(id);
        latencies.push(performance.now() - start);
      } catch {
        errors++;
      }
    }
  }));
  latencies.sort((a, b) => a - b);
  return `| ${name} | ${identifiers === 1 ? "1 identifier" : `${identifiers} identifiers`} | ${clientCount} | ` +
    `${percentile(latencies, 0.5).toFixed(1)} | ${percentile(latencies, 0.99).toFixed(1)} | ${(latencies.length / seconds).toFixed(1)} | ${errors} |`;
}

console.log(`@upstash/ratelimit limit() against ${url.replace(/\/\/[^/]*@/, "//")}, ${seconds} s per row`);
console.log();
console.log("| algorithm | identifiers | clients | p50 ms | p99 ms | limit() calls/s | errors |");
console.log("| --- | --- | --- | --- | --- | --- | --- |");
for (const name of Object.keys(algorithms)) {
  console.log(await measure(name, 1, 1));
  console.log(await measure(name, 1, clients));
  console.log(await measure(name, 1000, clients));
}
