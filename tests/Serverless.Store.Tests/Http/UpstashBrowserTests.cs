using Xunit.Abstractions;

namespace Serverless.Store.Tests.Http;

/// <summary>
/// The unchanged @upstash/redis with its default options in Debian's headless chromium, on a page
/// from another origin (tests/upstash-browser/cors.test.mjs): CORS must let its headers through.
/// </summary>
[Trait("Needs", "store")]
[Trait("Needs", "browser")]
[Trait("Needs", "node")]
[Collection(StoreHostCollection.Name)]
public sealed class UpstashBrowserTests(StoreHost store, ITestOutputHelper output)
{
    [Fact]
    public async Task Upstash_client_with_default_options_works_from_a_page_on_another_origin()
    {
        Assert.True(File.Exists("/usr/bin/chromium"), "chromium is missing: apt-get install -y chromium");
        await store.AssertNodeTestsPassAsync("upstash-browser/", "playwright-core", TimeSpan.FromMinutes(4), output, passes: 2);
    }
}
