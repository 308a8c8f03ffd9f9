using System.Diagnostics;
using Xunit.Abstractions;

namespace Serverless.Store.Tests.Http;

/// <summary>The unchanged npm client (@upstash/redis) runs the Redis guide's examples against the running store.</summary>
[Collection(StoreHostCollection.Name)]
public sealed class UpstashClientTests(StoreHost store, ITestOutputHelper output)
{
    [Fact]
    public async Task Upstash_npm_client_passes_the_guide_examples()
    {
        var tests = StoreHost.TestsFolder() ?? throw new InvalidOperationException("the repository's tests folder was not found");
        Assert.True(Directory.Exists(Path.Combine(tests, "node_modules", "@upstash", "redis")), "run `npm ci --prefix tests` first");
        var psi = new ProcessStartInfo("node")
        {
            WorkingDirectory = tests,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("--test");
        psi.ArgumentList.Add("upstash-client");
        psi.Environment["STORE_URL"] = store.BaseUrl;
        psi.Environment["STORE_TOKEN"] = StoreHost.FullToken;
        using var node = Process.Start(psi)!;
        var stdout = node.StandardOutput.ReadToEndAsync();
        var stderr = node.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await node.WaitForExitAsync(timeout.Token);
        output.WriteLine(await stdout);
        output.WriteLine(await stderr);
        Assert.True(node.ExitCode == 0, $"node --test upstash-client exited with {node.ExitCode}:\n{await stdout}\n{await stderr}");
        Assert.Contains("# pass", await stdout);
        Assert.Contains("# fail 0", await stdout);
    }
}
