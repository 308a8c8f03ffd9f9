using Xunit.Abstractions;

namespace Serverless.Store.Tests.Http;

/// <summary>The unchanged npm client (@upstash/redis) runs the Redis guide's examples, and bursts with its default options, against the running store.</summary>
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
}
