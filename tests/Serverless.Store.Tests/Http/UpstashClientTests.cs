using Xunit.Abstractions;

namespace Serverless.Store.Tests.Http;

/// <summary>The unchanged npm client (@upstash/redis) runs the Redis guide's examples against the running store.</summary>
[Trait("Needs", "store")]
[Trait("Needs", "node")]
[Collection(StoreHostCollection.Name)]
public sealed class UpstashClientTests(StoreHost store, ITestOutputHelper output)
{
    [Fact]
    public async Task Upstash_npm_client_passes_the_guide_examples()
    {
        var (exitCode, stdout, stderr) = await store.RunNodeTestsAsync("upstash-client", Path.Combine("@upstash", "redis"), TimeSpan.FromMinutes(3));
        output.WriteLine(stdout);
        output.WriteLine(stderr);
        Assert.True(exitCode == 0, $"node --test upstash-client exited with {exitCode}:\n{stdout}\n{stderr}");
        Assert.Contains("# pass", stdout);
        Assert.Contains("# fail 0", stdout);
    }
}
