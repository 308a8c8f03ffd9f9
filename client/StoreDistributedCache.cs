using System.Buffers;
using System.Buffers.Text;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Options;

namespace Serverless.Store.Client;

/// <summary>Options of <see cref="StoreDistributedCache"/>.</summary>
public sealed class StoreDistributedCacheOptions
{
    /// <summary>A prefix for every cache key, to share one store between apps (like RedisCacheOptions.InstanceName).</summary>
    public string? InstanceName { get; set; }
}

/// <summary>
/// <see cref="IDistributedCache"/> over the store, with the expiration semantics of
/// Microsoft.Extensions.Caching.StackExchangeRedis: an absolute expiration (fixed or relative to
/// now) and a sliding one; the key's time to live is the smaller of the two windows and every read
/// of an entry with a sliding expiration moves it on, never past the absolute expiration. Usable as
/// HybridCache's second level and by ASP.NET Core session state (it also implements
/// <see cref="IBufferDistributedCache"/>, which HybridCache prefers).
/// <para>
/// An entry is one string key: a 33-byte ASCII header (format version, absolute expiration and
/// sliding window as 16 hex digits of ticks each, zeros for none) followed by the value. So a set
/// is one atomic command (<c>PSETEX</c>, or <c>SET</c> without expiration), a get one <c>GET</c>,
/// and a refresh reads only the header (<c>GETRANGE 0 32</c>). Entries with a sliding expiration
/// need one more round trip per get or refresh, <c>PEXPIRE</c>, because the new time to live depends
/// on what the entry holds (RedisCache makes the same two calls).
/// </para>
/// <para>
/// Where it differs from RedisCache: times to live are in milliseconds (RedisCache truncates the
/// first one to whole seconds), and setting an entry without expiration over one that had an expiry
/// removes the expiry (RedisCache's HSET keeps the old one).
/// </para>
/// </summary>
public sealed class StoreDistributedCache : IBufferDistributedCache
{
    const byte FormatVersion = (byte)'1';
    internal const int HeaderLength = 33;

    readonly StoreCommands store;
    readonly string prefix;
    readonly TimeProvider clock;

    /// <summary>A cache over a client.</summary>
    public StoreDistributedCache(StoreClient client, IOptions<StoreDistributedCacheOptions>? options = null, TimeProvider? timeProvider = null)
    {
        store = client ?? throw new ArgumentNullException(nameof(client));
        prefix = options?.Value.InstanceName ?? "";
        clock = timeProvider ?? TimeProvider.System;
    }

    /// <inheritdoc />
    public byte[]? Get(string key) => GetAsync(key).GetAwaiter().GetResult();

    /// <inheritdoc />
    public async Task<byte[]?> GetAsync(string key, CancellationToken token = default)
    {
        var entry = await ReadAsync(key, token).ConfigureAwait(false);
        return entry?.AsSpan(HeaderLength).ToArray();
    }

    /// <inheritdoc />
    public bool TryGet(string key, IBufferWriter<byte> destination) => TryGetAsync(key, destination).AsTask().GetAwaiter().GetResult();

    /// <inheritdoc />
    public async ValueTask<bool> TryGetAsync(string key, IBufferWriter<byte> destination, CancellationToken token = default)
    {
        var entry = await ReadAsync(key, token).ConfigureAwait(false);
        if (entry is null) return false;
        destination.Write(entry.AsSpan(HeaderLength));
        return true;
    }

    /// <summary>GET the entry (header and value), then move a sliding expiration on.</summary>
    async Task<byte[]?> ReadAsync(string key, CancellationToken token)
    {
        ArgumentNullException.ThrowIfNull(key);
        token.ThrowIfCancellationRequested();
        var entry = await store.GetBytesAsync(prefix + key, token).ConfigureAwait(false);
        if (entry is null) return null;
        await SlideAsync(prefix + key, Header.Parse(entry, prefix + key), token).ConfigureAwait(false);
        return entry;
    }

    /// <inheritdoc />
    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => SetAsync(key, value, options).GetAwaiter().GetResult();

    /// <inheritdoc />
    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default) =>
        WriteAsync(key, new ReadOnlySequence<byte>(value ?? throw new ArgumentNullException(nameof(value))), options, token);

    /// <inheritdoc />
    public void Set(string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options) => WriteAsync(key, value, options, default).GetAwaiter().GetResult();

    /// <inheritdoc />
    public ValueTask SetAsync(string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options, CancellationToken token = default) =>
        new(WriteAsync(key, value, options, token));

    async Task WriteAsync(string key, ReadOnlySequence<byte> value, DistributedCacheEntryOptions options, CancellationToken token)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(options);
        token.ThrowIfCancellationRequested();
        var now = clock.GetUtcNow();
        if (options.AbsoluteExpiration is { } fixedTime && fixedTime <= now)
            throw new ArgumentOutOfRangeException(nameof(options), fixedTime, "The absolute expiration value must be in the future.");
        var absolute = options.AbsoluteExpirationRelativeToNow is { } relative ? now + relative : options.AbsoluteExpiration;
        var header = new Header(absolute?.UtcTicks ?? 0, options.SlidingExpiration?.Ticks ?? 0);

        var entry = new byte[HeaderLength + value.Length];
        header.Write(entry);
        value.CopyTo(entry.AsSpan(HeaderLength));
        if (header.TimeToLive(now) is { } ttl)
            await store.ExecuteAsync(["PSETEX", prefix + key, Math.Max(1, (long)Math.Ceiling(ttl.TotalMilliseconds)), entry], token).ConfigureAwait(false);
        else
            await store.ExecuteAsync(["SET", prefix + key, entry], token).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public void Refresh(string key) => RefreshAsync(key).GetAwaiter().GetResult();

    /// <inheritdoc />
    public async Task RefreshAsync(string key, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        token.ThrowIfCancellationRequested();
        var head = await store.ExecuteAsync(["GETRANGE", prefix + key, 0, HeaderLength - 1], token).ConfigureAwait(false);
        var bytes = head.AsBytes();
        if (bytes is null || bytes.Length == 0) return; // missing
        await SlideAsync(prefix + key, Header.Parse(bytes, prefix + key), token).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public void Remove(string key) => RemoveAsync(key).GetAwaiter().GetResult();

    /// <inheritdoc />
    public Task RemoveAsync(string key, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return store.DelAsync(prefix + key, token);
    }

    /// <summary>A sliding entry's time to live becomes min(sliding window, time left until the absolute expiration).</summary>
    Task SlideAsync(string fullKey, Header header, CancellationToken token)
    {
        if (header.SlidingTicks == 0) return Task.CompletedTask;
        var now = clock.GetUtcNow();
        var ttl = header.TimeToLive(now)!.Value;
        // Past the absolute expiration the store has already dropped the key; PEXPIRE 0 would delete it anyway.
        return store.ExecuteAsync(["PEXPIRE", fullKey, Math.Max(0, (long)Math.Ceiling(ttl.TotalMilliseconds))], token);
    }

    /// <summary>The entry's header: absolute expiration (UTC ticks) and sliding window (ticks), 0 for none.</summary>
    readonly record struct Header(long AbsoluteTicks, long SlidingTicks)
    {
        public TimeSpan? TimeToLive(DateTimeOffset now)
        {
            TimeSpan? untilAbsolute = AbsoluteTicks == 0 ? null : new DateTimeOffset(AbsoluteTicks, TimeSpan.Zero) - now;
            TimeSpan? sliding = SlidingTicks == 0 ? null : TimeSpan.FromTicks(SlidingTicks);
            if (untilAbsolute is { } a && sliding is { } s) return a < s ? a : s;
            return untilAbsolute ?? sliding;
        }

        public void Write(Span<byte> destination)
        {
            destination[0] = FormatVersion;
            AbsoluteTicks.TryFormat(destination.Slice(1, 16), out _, "x16");
            SlidingTicks.TryFormat(destination.Slice(17, 16), out _, "x16");
        }

        public static Header Parse(ReadOnlySpan<byte> entry, string key)
        {
            if (entry.Length < HeaderLength || entry[0] != FormatVersion
                || !Utf8Parser.TryParse(entry.Slice(1, 16), out long absolute, out var a, 'x') || a != 16
                || !Utf8Parser.TryParse(entry.Slice(17, 16), out long sliding, out var s, 'x') || s != 16)
                throw new InvalidOperationException(
                    $"the value at '{key}' is not a cache entry written by {nameof(StoreDistributedCache)}: give the cache its own keys (StoreDistributedCacheOptions.InstanceName adds a prefix)");
            return new Header(absolute, sliding);
        }
    }
}
