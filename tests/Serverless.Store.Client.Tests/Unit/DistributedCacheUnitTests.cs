using System.Net;
using System.Text;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Options;
using Serverless.Store.Client.Tests.Infrastructure;

namespace Serverless.Store.Client.Tests.Unit;

/// <summary>The commands StoreDistributedCache sends for each operation, and their round trips, on a clock the test sets.</summary>
public sealed class DistributedCacheUnitTests
{
    sealed class ManualClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        public override DateTimeOffset GetUtcNow() => Now;
    }

    readonly FakeHandler store = new();
    readonly ManualClock clock = new();
    readonly Dictionary<string, byte[]> values = new();

    StoreDistributedCache Cache(StoreClient client) => new(client, Options.Create(new StoreDistributedCacheOptions { InstanceName = "app:" }), clock);

    /// <summary>Plays a store holding the entries written with PSETEX/SET, in the path form or as JSON.</summary>
    void PlayStore() => store.Answer = r =>
    {
        if (r.PathAndQuery.StartsWith("/api/", StringComparison.Ordinal) && r.PathAndQuery.Length > 5)
        {
            var segments = r.PathAndQuery[5..].Split('/').Select(Uri.UnescapeDataString).ToArray();
            values[segments[1]] = r.Body;
            return (HttpStatusCode.OK, """{"result":"OK"}""");
        }
        var c = r.Commands()[0];
        switch (c[0])
        {
            case "PSETEX": values[c[1]] = Encoding.UTF8.GetBytes(c[3]); return (HttpStatusCode.OK, """{"result":"OK"}""");
            case "SET": values[c[1]] = Encoding.UTF8.GetBytes(c[2]); return (HttpStatusCode.OK, """{"result":"OK"}""");
            case "GET": return (HttpStatusCode.OK, values.TryGetValue(c[1], out var v) ? $$"""{"result":"{{Convert.ToBase64String(v)}}"}""" : """{"result":null}""");
            case "GETRANGE": return (HttpStatusCode.OK, values.TryGetValue(c[1], out var h) ? $$"""{"result":"{{Convert.ToBase64String(h[..33])}}"}""" : """{"result":""}""");
            default: return (HttpStatusCode.OK, """{"result":1}""");
        }
    };

    [Fact]
    public async Task Set_is_one_PSETEX_with_the_smaller_window_and_the_header_in_front()
    {
        PlayStore();
        using var client = store.Client();
        var cache = Cache(client);
        await cache.SetAsync("k", Encoding.UTF8.GetBytes("hello"), new DistributedCacheEntryOptions
        {
            AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(10),
            SlidingExpiration = TimeSpan.FromSeconds(90),
        });

        var sent = store.Requests.Single().Commands()[0];
        Assert.Equal(["PSETEX", "app:k", "90000"], sent[..3]);
        var absoluteTicks = (clock.Now + TimeSpan.FromMinutes(10)).UtcTicks;
        Assert.Equal($"1{absoluteTicks:x16}{TimeSpan.FromSeconds(90).Ticks:x16}hello", sent[3]);
    }

    [Fact]
    public async Task Without_expiration_Set_is_a_plain_SET_which_also_clears_an_old_expiry()
    {
        PlayStore();
        using var client = store.Client();
        await Cache(client).SetAsync("k", [0xff, 0xfe], new DistributedCacheEntryOptions());
        // Bytes that are not UTF-8 travel in the path form: SET and the key in the path, the entry as the body.
        var sent = store.Requests.Single();
        Assert.Equal("/api/SET/app%3Ak", sent.PathAndQuery);
        Assert.Equal([.. Encoding.ASCII.GetBytes("1" + new string('0', 32)), 0xff, 0xfe], sent.Body);
    }

    [Fact]
    public async Task Get_is_one_GET_for_entries_without_sliding_and_GET_then_PEXPIRE_with_it()
    {
        PlayStore();
        using var client = store.Client();
        var cache = Cache(client);
        await cache.SetAsync("fixed", Encoding.UTF8.GetBytes("a"), new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(1) });
        await cache.SetAsync("sliding", Encoding.UTF8.GetBytes("b"), new DistributedCacheEntryOptions
        {
            AbsoluteExpiration = clock.Now + TimeSpan.FromSeconds(100),
            SlidingExpiration = TimeSpan.FromSeconds(30),
        });
        store.Requests.Clear();

        Assert.Equal("a", Encoding.UTF8.GetString((await cache.GetAsync("fixed"))!));
        Assert.Equal([["GET", "app:fixed"]], store.Requests.Select(r => r.Commands()[0]).ToArray());
        store.Requests.Clear();

        clock.Now += TimeSpan.FromSeconds(80); // 20 s left of the absolute expiration: less than the window
        Assert.Equal("b", Encoding.UTF8.GetString((await cache.GetAsync("sliding"))!));
        Assert.Equal([["GET", "app:sliding"], ["PEXPIRE", "app:sliding", "20000"]], store.Requests.Select(r => r.Commands()[0]).ToArray());
        store.Requests.Clear();

        clock.Now -= TimeSpan.FromSeconds(70); // 90 s left: the window wins
        await cache.RefreshAsync("sliding");
        Assert.Equal([["GETRANGE", "app:sliding", "0", "32"], ["PEXPIRE", "app:sliding", "30000"]], store.Requests.Select(r => r.Commands()[0]).ToArray());
        store.Requests.Clear();

        await cache.RefreshAsync("missing");
        await cache.RefreshAsync("fixed");
        Assert.Equal([["GETRANGE", "app:missing", "0", "32"], ["GETRANGE", "app:fixed", "0", "32"]], store.Requests.Select(r => r.Commands()[0]).ToArray());
    }

    [Fact]
    public async Task An_absolute_expiration_in_the_past_is_refused_as_RedisCache_refuses_it()
    {
        using var client = store.Client();
        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            Cache(client).SetAsync("k", [1], new DistributedCacheEntryOptions { AbsoluteExpiration = clock.Now }));
        Assert.Contains("must be in the future", error.Message);
        Assert.Empty(store.Requests);
    }

    [Fact]
    public async Task A_key_holding_something_else_says_to_give_the_cache_its_own_keys()
    {
        store.Answer = _ => (HttpStatusCode.OK, FakeHandler.StringResult("plain value"));
        using var client = store.Client();
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Cache(client).GetAsync("k"));
        Assert.Contains("InstanceName adds a prefix", error.Message);
    }
}
