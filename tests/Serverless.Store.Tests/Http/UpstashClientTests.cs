using Xunit.Abstractions;

namespace Serverless.Store.Tests.Http;

/// <summary>The unchanged npm clients against the running store: @upstash/redis runs the Redis guide's examples, the libraries built on it run their scripts, @vercel/kv its iterators and defaults.</summary>
[Trait("Needs", "store")]
[Trait("Needs", "node")]
[Collection(StoreHostCollection.Name)]
public sealed class UpstashClientTests(StoreHost store, ITestOutputHelper output)
{
    [Fact]
    public async Task Upstash_npm_client_passes_the_guide_examples()
    {
        await store.AssertNodeTestsPassAsync("upstash-client", Path.Combine("@upstash", "redis"), TimeSpan.FromMinutes(3), output);
    }

    /// <summary>The ecosystem's script users, unchanged: @upstash/ratelimit's algorithms under concurrency, @upstash/lock, createScript.</summary>
    [Fact]
    public async Task Upstash_ratelimit_lock_and_createScript_run_unchanged()
    {
        await store.AssertNodeTestsPassAsync("upstash-scripts", Path.Combine("@upstash", "ratelimit"), TimeSpan.FromMinutes(6), output);
    }

    /// <summary>@vercel/kv's createClient with its own defaults: the scan iterators over several pages, automatic JSON.</summary>
    [Fact]
    public async Task Vercel_kv_scan_iterators_and_defaults_work_unchanged()
    {
        await store.AssertNodeTestsPassAsync("vercel-kv", Path.Combine("@vercel", "kv"), TimeSpan.FromMinutes(5), output);
    }

    /// <summary>
    /// @upstash/redis's retries through a proxy that drops connections: a write whose answer is lost
    /// is applied again by the retry (INCR twice, a /multi-exec twice); an HTTP 5xx is not retried.
    /// </summary>
    [Fact]
    public async Task Upstash_client_retries_apply_a_write_again_when_its_answer_is_lost()
    {
        await store.AssertNodeTestsPassAsync("upstash-retries", Path.Combine("@upstash", "redis"), TimeSpan.FromMinutes(4), output);
    }
}
