using System.Text;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.Options;
using Serverless.Store.Client.Tests.Infrastructure;
using Serverless.Store.Tests.Http;
using Serverless.Store.Tests.Oracle;

namespace Serverless.Store.Client.Tests.Cache;

/// <summary>The scenarios on <see cref="StoreDistributedCache"/> over the standalone store.</summary>
[Collection(StoreHostCollection.Name)]
[Trait("Needs", "store")]
[Trait("Needs", "azurite")]
public sealed class StoreDistributedCacheTests(StoreHost host) : DistributedCacheScenarios, IDisposable
{
    readonly StoreClient client = StoreClients.Full(host);

    protected override IDistributedCache Cache => new StoreDistributedCache(client);

    public void Dispose() => client.Dispose();

    /// <summary>
    /// Where the store's cache deliberately differs from RedisCache (whose HSET keeps an old expiry):
    /// setting an entry without expiration over one that had an expiry leaves it without expiry.
    /// </summary>
    [Fact]
    public async Task Setting_without_expiration_over_an_expiring_entry_removes_the_expiry()
    {
        var key = new TestKeys()["entry"];
        await Cache.SetAsync(key, [1], new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(5) });
        Assert.InRange(await client.TtlAsync(key), 1, 300);
        await Cache.SetAsync(key, [2], new DistributedCacheEntryOptions());
        Assert.Equal(-1, await client.TtlAsync(key));
    }

    [Fact]
    public async Task InstanceName_prefixes_every_key()
    {
        var prefix = new TestKeys()["app"] + ":";
        var cache = new StoreDistributedCache(client, Options.Create(new StoreDistributedCacheOptions { InstanceName = prefix }));
        await cache.SetAsync("session", Encoding.UTF8.GetBytes("data"), new DistributedCacheEntryOptions());
        Assert.Equal([prefix + "session"], await client.KeysAsync(prefix + "*"));
    }
}

/// <summary>The same scenarios on Microsoft.Extensions.Caching.StackExchangeRedis over redis-server: the reference.</summary>
[Collection(RedisCollection.Name)]
[Trait("Needs", "redis-server")]
public sealed class RedisCacheReferenceTests(RedisServer redis) : DistributedCacheScenarios, IDisposable
{
    readonly RedisCache cache = new(Options.Create(new RedisCacheOptions { Configuration = $"127.0.0.1:{redis.Port}" }));

    protected override IDistributedCache Cache => cache;

    public void Dispose() => cache.Dispose();
}
