using Serverless.Store.Tests.Http;
using Xunit.Abstractions;

namespace Serverless.Store.Tests.WebConsole;

/// <summary>
/// The web console in Debian's headless chromium, driven by playwright-core
/// (tests/console-browser/views.test.mjs), against the running standalone store: the browser, the
/// workbench and the overview, a read-only token's console, and errors shown for a wrong token.
/// Its pub/sub view is judged by <see cref="PubSub.BrowserConsoleTests"/>, its snapshots view by
/// <see cref="ConsoleSnapshotsBrowserTests"/> on a store of its own.
/// </summary>
[Trait("Needs", "store")]
[Trait("Needs", "browser")]
[Trait("Needs", "node")]
[Collection(StoreHostCollection.Name)]
public sealed class ConsoleBrowserTests(StoreHost store, ITestOutputHelper output)
{
    [Fact]
    public async Task The_console_views_work_against_the_store_in_chromium()
    {
        Assert.True(File.Exists("/usr/bin/chromium"), "chromium is missing: apt-get install -y chromium");
        await store.AssertNodeTestsPassAsync("console-browser/views.test.mjs", "playwright-core", TimeSpan.FromMinutes(5), output, passes: 6,
            environment: new Dictionary<string, string> { ["STORE_READONLY_TOKEN"] = StoreHost.ReadOnlyToken });
    }
}

/// <summary>
/// The console's Snapshots view (tests/console-browser/snapshots.test.mjs): SAVE, the list, a
/// download, a restore with mode=replace, on a store of its own (the restore makes the keyspace
/// the file's).
/// </summary>
[Trait("Needs", "store")]
[Trait("Needs", "browser")]
[Trait("Needs", "node")]
public sealed class ConsoleSnapshotsBrowserTests(OwnStoreHost store, ITestOutputHelper output) : IClassFixture<OwnStoreHost>
{
    [Fact]
    public async Task The_snapshots_view_saves_lists_downloads_and_restores_in_chromium()
    {
        Assert.True(File.Exists("/usr/bin/chromium"), "chromium is missing: apt-get install -y chromium");
        await store.AssertNodeTestsPassAsync("console-browser/snapshots.test.mjs", "playwright-core", TimeSpan.FromMinutes(4), output, passes: 1);
    }
}
