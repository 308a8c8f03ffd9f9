using Xunit.Abstractions;

namespace Serverless.Store.Tests.Http;

/// <summary>The ecosystem's script users, unchanged, against the running store: @upstash/ratelimit's algorithms under concurrency, @upstash/lock, createScript.</summary>
[Trait("Needs", "store")]
[Trait("Needs", "node")]
[Collection(StoreHostCollection.Name)]
public sealed class UpstashScriptsTests(StoreHost store, ITestOutputHelper output)
{
    [Fact]
    public async Task Upstash_ratelimit_lock_and_createScript_run_unchanged()
    {
        await store.AssertNodeTestsPassAsync("upstash-scripts", Path.Combine("@upstash", "ratelimit"), TimeSpan.FromMinutes(4), output);
    }
}
