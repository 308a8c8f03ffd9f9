using Serverless.Store.Tests.Http;
using Xunit.Abstractions;

namespace Serverless.Store.Tests.PubSub;

/// <summary>
/// The web console's Pub/sub view in Debian's headless chromium, driven by playwright-core
/// (tests/pubsub-browser/console.test.mjs), against the running standalone store.
/// </summary>
[Trait("Needs", "store")]
[Trait("Needs", "browser")]
[Trait("Needs", "node")]
[Collection(StoreHostCollection.Name)]
public sealed class BrowserConsoleTests(StoreHost store, ITestOutputHelper output)
{
    [Fact]
    public async Task The_console_page_subscribes_receives_is_refused_and_leaves_in_chromium()
    {
        Assert.True(File.Exists("/usr/bin/chromium"), "chromium is missing: apt-get install -y chromium");
        await store.AssertNodeTestsPassAsync("pubsub-browser/", "playwright-core", TimeSpan.FromMinutes(4), output, passes: 2);
    }
}
