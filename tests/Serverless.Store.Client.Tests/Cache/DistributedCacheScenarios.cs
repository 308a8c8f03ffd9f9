using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Caching.Distributed;

namespace Serverless.Store.Client.Tests.Cache;

/// <summary>
/// The IDistributedCache behaviour the store's cache must share with
/// Microsoft.Extensions.Caching.StackExchangeRedis: the same scenarios run against
/// <see cref="StoreDistributedCache"/> on the store and RedisCache on redis-server, with the same
/// expected outcomes. Expirations are whole seconds (RedisCache rounds its first time to live down
/// to seconds) and every check leaves at least a second of margin either side.
/// </summary>
public abstract class DistributedCacheScenarios
{
    protected abstract IDistributedCache Cache { get; }

    /// <summary>A cache call slower than this may have moved a check across an expiry (the margins are a second or more).</summary>
    static readonly TimeSpan SlowCall = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Runs a scenario that judges expirations by the clock. When it fails while one of its cache
    /// calls took longer than <see cref="SlowCall"/> (a loaded store answers writes late), the clock
    /// said nothing about the cache: it runs again with new keys, three times at most, and the last
    /// failure says how slow the calls were. A failure with every call quick is a real one.
    /// </summary>
    protected async Task Judge(Func<IDistributedCache, Task> scenario)
    {
        for (var attempt = 1; ; attempt++)
        {
            var timed = new TimedCache(Cache);
            try
            {
                await scenario(timed);
                return;
            }
            catch (Exception e) when (timed.Slowest > SlowCall)
            {
                if (attempt == 3)
                    throw new Xunit.Sdk.XunitException($"failed three times with slow cache calls (the slowest took {timed.Slowest.TotalMilliseconds:0} ms): {e.Message}");
            }
        }
    }

    /// <summary>The cache, with the longest time any call took.</summary>
    sealed class TimedCache(IDistributedCache inner) : IDistributedCache
    {
        public TimeSpan Slowest { get; private set; }

        async Task<T> Time<T>(Func<Task<T>> call)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            try { return await call(); }
            finally { if (clock.Elapsed > Slowest) Slowest = clock.Elapsed; }
        }

        Task Time(Func<Task> call) => Time(async () => { await call(); return 0; });

        public byte[]? Get(string key) => GetAsync(key).GetAwaiter().GetResult();
        public Task<byte[]?> GetAsync(string key, CancellationToken token = default) => Time(() => inner.GetAsync(key, token));
        public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => SetAsync(key, value, options).GetAwaiter().GetResult();
        public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default) => Time(() => inner.SetAsync(key, value, options, token));
        public void Refresh(string key) => RefreshAsync(key).GetAwaiter().GetResult();
        public Task RefreshAsync(string key, CancellationToken token = default) => Time(() => inner.RefreshAsync(key, token));
        public void Remove(string key) => RemoveAsync(key).GetAwaiter().GetResult();
        public Task RemoveAsync(string key, CancellationToken token = default) => Time(() => inner.RemoveAsync(key, token));
    }

    static string Key(string name) => $"ct:cache:{name}:{Guid.NewGuid():N}";
    static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);
    static Task Wait(double seconds) => Task.Delay(TimeSpan.FromSeconds(seconds));

    [Fact]
    public async Task Set_get_overwrite_and_remove()
    {
        var key = Key("basic");
        Assert.Null(await Cache.GetAsync(key));
        await Cache.SetAsync(key, Bytes("one"), new DistributedCacheEntryOptions());
        Assert.Equal(Bytes("one"), await Cache.GetAsync(key));
        Cache.Set(key, Bytes("two"), new DistributedCacheEntryOptions());
        Assert.Equal(Bytes("two"), Cache.Get(key));
        await Cache.RemoveAsync(key);
        Assert.Null(await Cache.GetAsync(key));
        Cache.Remove(key); // removing a missing entry is fine
        await Cache.RefreshAsync(key); // so is refreshing one
    }

    [Fact]
    public Task Absolute_expiration_relative_to_now_ends_the_entry() => Judge(async cache =>
    {
        var key = Key("relative");
        await cache.SetAsync(key, Bytes("v"), new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(2) });
        Assert.Equal(Bytes("v"), await cache.GetAsync(key));
        await Wait(3.5);
        Assert.Null(await cache.GetAsync(key));
    });

    [Fact]
    public Task Absolute_expiration_at_a_time_ends_the_entry_and_refresh_does_not_extend_it() => Judge(async cache =>
    {
        var key = Key("absolute");
        await cache.SetAsync(key, Bytes("v"), new DistributedCacheEntryOptions { AbsoluteExpiration = DateTimeOffset.UtcNow.AddSeconds(3) });
        await Wait(1);
        await cache.RefreshAsync(key);
        Assert.Equal(Bytes("v"), await cache.GetAsync(key));
        await Wait(3.5);
        Assert.Null(await cache.GetAsync(key));
    });

    [Fact]
    public Task Sliding_expiration_is_extended_by_every_read_and_ends_without_reads() => Judge(async cache =>
    {
        var key = Key("sliding");
        await cache.SetAsync(key, Bytes("v"), new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromSeconds(3) });
        for (var i = 0; i < 5; i++) // 5 s of reads, each a second apart: longer than the window
        {
            await Wait(1);
            Assert.Equal(Bytes("v"), await cache.GetAsync(key));
        }
        await Wait(4.5);
        Assert.Null(await cache.GetAsync(key));
    });

    [Fact]
    public Task Refresh_extends_a_sliding_entry_without_reading_it() => Judge(async cache =>
    {
        var key = Key("refresh");
        await cache.SetAsync(key, Bytes("v"), new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromSeconds(3) });
        for (var i = 0; i < 3; i++)
        {
            await Wait(1.5);
            await cache.RefreshAsync(key);
        }
        await Wait(1.5); // 6 s after the set, 1.5 s after the last refresh
        Assert.Equal(Bytes("v"), await cache.GetAsync(key));
        await Wait(4.5);
        Assert.Null(await cache.GetAsync(key));
    });

    [Fact]
    public Task Sliding_expiration_never_passes_the_absolute_one() => Judge(async cache =>
    {
        var key = Key("capped");
        await cache.SetAsync(key, Bytes("v"), new DistributedCacheEntryOptions
        {
            SlidingExpiration = TimeSpan.FromSeconds(6),
            AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(4),
        });
        await Wait(1.5);
        Assert.Equal(Bytes("v"), await cache.GetAsync(key)); // a slide without the cap would keep it to 7.5 s
        await Wait(4.5);
        Assert.Null(await cache.GetAsync(key)); // 6 s: past the absolute expiration
    });

    [Fact]
    public async Task An_absolute_expiration_in_the_past_is_refused()
    {
        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            Cache.SetAsync(Key("past"), Bytes("v"), new DistributedCacheEntryOptions { AbsoluteExpiration = DateTimeOffset.UtcNow.AddMinutes(-1) }));
        Assert.Contains("must be in the future", error.Message);
    }

    [Fact]
    public async Task Large_binary_values_round_trip_exactly()
    {
        var key = Key("large");
        var value = RandomNumberGenerator.GetBytes(512 * 1024);
        await Cache.SetAsync(key, value, new DistributedCacheEntryOptions { SlidingExpiration = TimeSpan.FromMinutes(5) });
        Assert.Equal(value, await Cache.GetAsync(key));
        byte[] zeros = [0, 0, 0xff, 0];
        await Cache.SetAsync(key, zeros, new DistributedCacheEntryOptions());
        Assert.Equal(zeros, await Cache.GetAsync(key));
        await Cache.SetAsync(key, [], new DistributedCacheEntryOptions());
        Assert.Equal(Array.Empty<byte>(), await Cache.GetAsync(key));
    }

    [Fact]
    public async Task Concurrent_writers_and_readers_each_see_whole_values()
    {
        var keys = Enumerable.Range(0, 8).Select(i => Key($"concurrent{i}")).ToArray();
        var hot = Key("hot");
        var options = new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(5) };
        await Task.WhenAll(keys.Select((k, i) => Cache.SetAsync(k, Bytes($"value-{i}"), options))
            .Concat(Enumerable.Range(0, 8).Select(i => Cache.SetAsync(hot, Bytes($"hot-{i}"), options))));
        var read = await Task.WhenAll(keys.Select(k => Cache.GetAsync(k)));
        Assert.Equal(keys.Select((_, i) => $"value-{i}"), read.Select(v => Encoding.UTF8.GetString(v!)));
        var last = Encoding.UTF8.GetString((await Cache.GetAsync(hot))!);
        Assert.Matches("^hot-[0-7]$", last); // one writer's whole value, not a mix
        await Task.WhenAll(keys.Append(hot).Select(k => Cache.RemoveAsync(k)));
        Assert.All(await Task.WhenAll(keys.Select(k => Cache.GetAsync(k))), Assert.Null);
    }
}
