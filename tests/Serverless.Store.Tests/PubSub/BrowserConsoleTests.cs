using System.Diagnostics;
using Serverless.Store.Tests.Http;
using Xunit.Abstractions;

namespace Serverless.Store.Tests.PubSub;

/// <summary>
/// The pub/sub console page in Debian's headless chromium, driven by playwright-core
/// (tests/pubsub-browser/console.test.mjs), against the running standalone store.
/// </summary>
[Collection(StoreHostCollection.Name)]
public sealed class BrowserConsoleTests(StoreHost store, ITestOutputHelper output)
{
    [Fact]
    public async Task The_console_page_subscribes_receives_is_refused_and_leaves_in_chromium()
    {
        var tests = StoreHost.TestsFolder() ?? throw new InvalidOperationException("the repository's tests folder was not found");
        Assert.True(Directory.Exists(Path.Combine(tests, "node_modules", "playwright-core")), "run `npm ci --prefix tests` first");
        Assert.True(File.Exists("/usr/bin/chromium"), "chromium is missing: apt-get install -y chromium");
        var psi = new ProcessStartInfo("node")
        {
            WorkingDirectory = tests,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("--test");
        psi.ArgumentList.Add("pubsub-browser/");
        psi.Environment["STORE_URL"] = store.BaseUrl;
        psi.Environment["STORE_TOKEN"] = StoreHost.FullToken;
        using var node = Process.Start(psi)!;
        var stdout = node.StandardOutput.ReadToEndAsync();
        var stderr = node.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        await node.WaitForExitAsync(timeout.Token);
        output.WriteLine(await stdout);
        output.WriteLine(await stderr);
        Assert.True(node.ExitCode == 0, $"node --test pubsub-browser exited with {node.ExitCode}:\n{await stdout}\n{await stderr}\n{store.RecentLog()}");
        Assert.Contains("# pass 2", await stdout);
        Assert.Contains("# fail 0", await stdout);
    }
}
