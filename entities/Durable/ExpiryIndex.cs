using System.Diagnostics;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Client.Entities;
using Microsoft.DurableTask.Entities;
using Microsoft.Extensions.Logging;

namespace Serverless.Store.Durable;

/// <summary>
/// The index of expiries by time bucket: entity <c>expiry</c>, key <c>b</c> + the bucket's start in
/// Unix ms (13 digits, zero-padded), state = the keys (escaped) that got an expiry inside the bucket.
/// A key entity signals <c>add</c> to the bucket of every expiry it gets; the sweep reads only due
/// buckets, found by time (no listing), and <c>clear</c>s them. Key <c>cursor</c> holds the start of
/// the first bucket not yet swept (<c>set</c>).
/// </summary>
public sealed class ExpiryIndex : ITaskEntity
{
    public const string Name = "expiry";
    public const string Add = "add";
    public const string Clear = "clear";
    public const string Set = "set";
    public const string CursorKey = "cursor";

    /// <summary>Bucket width. The key entity and the sweep must agree, so it is a constant.</summary>
    public const long BucketMs = 10_000;

    public static long BucketStart(long atMs) => atMs - (((atMs % BucketMs) + BucketMs) % BucketMs);

    public static string BucketKey(long startMs) => "b" + startMs.ToString("D13");

    public static EntityInstanceId BucketId(long atMs) => new(Name, BucketKey(BucketStart(atMs)));

    public static EntityInstanceId CursorId => new(Name, CursorKey);

    /// <summary>
    /// Buckets due at <paramref name="nowMs"/>, from the cursor on: those that ended at least one
    /// bucket ago (a grace for late <c>add</c> signals). Pure: the sweep's bucket math.
    /// </summary>
    public static IEnumerable<long> DueBuckets(long cursorMs, long nowMs)
    {
        for (var b = BucketStart(cursorMs); b + 2 * BucketMs <= nowMs; b += BucketMs) yield return b;
    }

    public ValueTask<object?> RunAsync(TaskEntityOperation operation)
    {
        switch (operation.Name.ToLowerInvariant())
        {
            case Add:
                var keys = operation.State.GetState<List<string>>() ?? [];
                var key = operation.GetInput<string>()!;
                if (!keys.Contains(key)) keys.Add(key);
                operation.State.SetState(keys);
                return default;
            case Clear:
                operation.State.SetState(null);
                return default;
            case Set:
                var cursor = operation.GetInput<long>();
                if (cursor > (operation.State.GetState<long?>() ?? 0)) operation.State.SetState(cursor); // never back
                return default;
            default:
                throw new NotSupportedException($"expiry entity has no operation '{operation.Name}'");
        }
    }
}

/// <summary>What one sweep did.</summary>
public sealed record SweepResult(int Buckets, int BucketsWithKeys, int KeysScanned, int KeysExpired, TimeSpan Duration);

/// <summary>
/// The TTL safety net, hosted by a timer (Functions) or a hosted service (standalone): visits the
/// due buckets of <see cref="ExpiryIndex"/> since the last sweep and, for each key listed there
/// whose current expiry is really past, signals the key's <c>expire</c> with the version it read
/// (the entity checks again, so a key written since survives). Cost: one read per due bucket plus
/// one read per listed key, so it grows with the keys that expire, not with the keyspace.
/// </summary>
public sealed class ExpirySweep(DurableEntityClient entities, ILogger logger, TimeProvider? time = null)
{
    readonly TimeProvider time = time ?? TimeProvider.System;

    /// <summary>
    /// With no cursor yet (first sweep of a task hub) the oldest bucket is found by one listing of the
    /// bucket entities; afterwards buckets are addressed by time only.
    /// </summary>
    public async Task<SweepResult> RunAsync(CancellationToken cancellation = default)
    {
        var started = Stopwatch.GetTimestamp();
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var cursorEntity = await entities.GetEntityAsync<long>(ExpiryIndex.CursorId, cancellation);
        long cursor;
        if (cursorEntity is not null) cursor = cursorEntity.State;
        else
        {
            cursor = ExpiryIndex.BucketStart(now);
            var query = new EntityQuery { InstanceIdStartsWith = "@" + ExpiryIndex.Name + "@b", IncludeState = false };
            await foreach (var e in entities.GetAllEntitiesAsync(query).WithCancellation(cancellation))
                if (long.TryParse(e.Id.Key.AsSpan(1), out var start) && start < cursor) cursor = start;
        }

        int buckets = 0, withKeys = 0, scanned = 0, expired = 0;
        var next = cursor;
        foreach (var bucket in ExpiryIndex.DueBuckets(cursor, now))
        {
            buckets++;
            next = bucket + ExpiryIndex.BucketMs;
            var id = new EntityInstanceId(ExpiryIndex.Name, ExpiryIndex.BucketKey(bucket));
            var listed = await entities.GetEntityAsync<List<string>>(id, cancellation);
            if (listed?.State is not { } keys) continue;
            withKeys++;
            await Task.WhenAll(keys.Select(async escaped =>
            {
                Interlocked.Increment(ref scanned);
                var key = EntityKeys.Unescape(escaped);
                var entityKey = EntityKeys.EntityOf(key);
                var record = await entities.GetEntityAsync<KeyRecord>(KeyEntity.Id(entityKey), cancellation);
                if (KeyReads.StateIn(record?.State, entityKey, key) is { NextExpiry: { } at } state && at <= now)
                {
                    var request = new ExpireRequest { Key = EntityKeys.IsGroup(entityKey) ? key : null, Version = state.Version };
                    await entities.SignalEntityAsync(KeyEntity.Id(entityKey), KeyEntity.Expire, request, cancellation: cancellation);
                    Interlocked.Increment(ref expired);
                }
            }));
            await entities.SignalEntityAsync(id, ExpiryIndex.Clear, cancellation: cancellation);
        }
        if (next != cursor || cursorEntity is null)
            await entities.SignalEntityAsync(ExpiryIndex.CursorId, ExpiryIndex.Set, next, cancellation: cancellation);

        var result = new SweepResult(buckets, withKeys, scanned, expired, Stopwatch.GetElapsedTime(started));
        logger.LogInformation(
            "TTL sweep: {Buckets} due buckets ({BucketsWithKeys} with keys), {KeysScanned} keys scanned, {KeysExpired} expired keys deleted, {DurationMs} ms",
            result.Buckets, result.BucketsWithKeys, result.KeysScanned, result.KeysExpired, (long)result.Duration.TotalMilliseconds);
        return result;
    }
}
