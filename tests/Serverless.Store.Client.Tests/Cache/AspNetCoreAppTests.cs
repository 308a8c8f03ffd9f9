using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Serverless.Store.Client.Tests.Infrastructure;
using Serverless.Store.Tests.Http;

namespace Serverless.Store.Client.Tests.Cache;

/// <summary>
/// Two instances of one ASP.NET Core app (TestServer) with session state and HybridCache over the
/// store: a user's session and a cached entry follow requests from one instance to the other, the
/// way they do behind a load balancer.
/// </summary>
[Collection(StoreHostCollection.Name)]
[Trait("Needs", "store")]
[Trait("Needs", "azurite")]
public sealed class AspNetCoreAppTests(StoreHost host) : IAsyncLifetime
{
    readonly string instanceName = new TestKeys()["app"] + ":";
    readonly string keyRing = Path.Combine(Path.GetTempPath(), "ct-keys-" + Guid.NewGuid().ToString("N")[..8]);
    WebApplication? first, second;

    /// <summary>One app instance: its name, how often its factory ran, and the app.</summary>
    sealed class Instance
    {
        public int FactoryCalls;
    }

    readonly Instance firstCounts = new(), secondCounts = new();

    async Task<WebApplication> StartAsync(string name, Instance counts)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.Services.AddServerlessStore(o => { o.Url = host.BaseUrl; o.Token = StoreHost.FullToken; });
        builder.Services.AddServerlessStoreDistributedCache(o => o.InstanceName = instanceName);
        // Instances share the data-protection key ring (in production: Blob Storage), so one reads the other's session cookie.
        builder.Services.AddDataProtection().SetApplicationName("client-tests").PersistKeysToFileSystem(new DirectoryInfo(keyRing));
        builder.Services.AddSession(o => o.IdleTimeout = TimeSpan.FromMinutes(5));
        builder.Services.AddHybridCache();
        var app = builder.Build();
        app.UseSession();
        app.MapGet("/visit", async (HttpContext http) =>
        {
            await http.Session.LoadAsync();
            var visits = (http.Session.GetInt32("visits") ?? 0) + 1;
            http.Session.SetInt32("visits", visits);
            return $"{visits} by {name}";
        });
        app.MapGet("/product/{id}", async (string id, HybridCache cache, CancellationToken cancellation) =>
            await cache.GetOrCreateAsync($"product:{id}", async _ =>
            {
                Interlocked.Increment(ref counts.FactoryCalls);
                await Task.Yield();
                return $"product {id} made by {name}";
            }, cancellationToken: cancellation));
        await app.StartAsync();
        return app;
    }

    public async Task InitializeAsync()
    {
        first = await StartAsync("first", firstCounts);
        second = await StartAsync("second", secondCounts);
    }

    public async Task DisposeAsync()
    {
        if (first is not null) await first.DisposeAsync();
        if (second is not null) await second.DisposeAsync();
        try { Directory.Delete(keyRing, recursive: true); } catch (DirectoryNotFoundException) { }
    }

    [Fact]
    public async Task A_session_keeps_its_state_across_both_instances()
    {
        using var toFirst = first!.GetTestClient();
        using var toSecond = second!.GetTestClient();

        using var answer = await toFirst.GetAsync("/visit");
        Assert.Equal("1 by first", await answer.Content.ReadAsStringAsync());
        var cookie = Assert.Single(answer.Headers.GetValues("Set-Cookie")).Split(';')[0];

        Assert.Equal("2 by second", await VisitAsync(toSecond, cookie));
        Assert.Equal("3 by first", await VisitAsync(toFirst, cookie));
        Assert.Equal("4 by second", await VisitAsync(toSecond, cookie));

        // The session lives in the store under the cache's prefix, with the session's idle timeout.
        using var client = StoreClients.Full(host);
        var stored = Assert.Single(await client.KeysAsync(instanceName + "*"));
        Assert.InRange(await client.TtlAsync(stored), 1, 300);
    }

    static async Task<string> VisitAsync(HttpClient http, string cookie)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/visit");
        request.Headers.Add("Cookie", cookie);
        using var response = await http.SendAsync(request);
        return await response.Content.ReadAsStringAsync();
    }

    [Fact]
    public async Task HybridCache_entries_made_on_one_instance_are_served_by_the_other_from_the_store()
    {
        using var toFirst = first!.GetTestClient();
        using var toSecond = second!.GetTestClient();
        Assert.Equal("product 7 made by first", await toFirst.GetStringAsync("/product/7"));
        Assert.Equal("product 7 made by first", await toFirst.GetStringAsync("/product/7"));
        Assert.Equal(1, firstCounts.FactoryCalls);

        // HybridCache may write its second level after answering: wait until the store holds the entry.
        using var client = StoreClients.Full(host);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await client.KeysAsync(instanceName + "*")).Length == 0 && DateTime.UtcNow < deadline) await Task.Delay(50);

        Assert.Equal("product 7 made by first", await toSecond.GetStringAsync("/product/7"));
        Assert.Equal(0, secondCounts.FactoryCalls); // the second instance never ran its factory
        Assert.Equal("product 8 made by second", await toSecond.GetStringAsync("/product/8"));
        Assert.Equal(1, secondCounts.FactoryCalls);
    }
}
