using System.Diagnostics;
using System.Globalization;
using System.Text;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Client.Entities;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.Store.RdbFiles;
using Serverless.Store.Commands;
using Serverless.Store.Durable;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;

namespace Serverless.Store.Persistence;

/// <summary>What the snapshot service is told by its host's settings.</summary>
public sealed class SnapshotOptions
{
    /// <summary>Number of snapshots to keep (app setting <c>SnapshotRetention</c>); older ones are deleted after each save.</summary>
    public int Retention { get; init; } = 24;

    /// <summary>Staged block size: what the service holds in memory while writing (besides one page of keys).</summary>
    public int BlockBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>Keys per entity query page.</summary>
    public int PageSize { get; init; } = 1000;

    public const string ContainerName = "snapshots";
    public const string RetentionSetting = "SnapshotRetention";
    public const string ScheduleSetting = "SnapshotSchedule";

    /// <summary>The options from app settings (<c>SnapshotRetention</c>, default 24).</summary>
    public static SnapshotOptions FromSettings(Func<string, string?> setting) => new()
    {
        Retention = int.TryParse(setting(RetentionSetting), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 24,
    };
}

/// <summary>One snapshot blob and its metadata.</summary>
public sealed record SnapshotInfo(string Name, long Keys, long Bytes, long DurationMs, int RdbVersion, string Crc64, long CreatedMs)
{
    internal IDictionary<string, string> Metadata() => new Dictionary<string, string>
    {
        ["keys"] = Keys.ToString(CultureInfo.InvariantCulture),
        ["bytes"] = Bytes.ToString(CultureInfo.InvariantCulture),
        ["duration_ms"] = DurationMs.ToString(CultureInfo.InvariantCulture),
        ["rdb_version"] = RdbVersion.ToString(CultureInfo.InvariantCulture),
        ["crc64"] = Crc64,
        ["created_ms"] = CreatedMs.ToString(CultureInfo.InvariantCulture),
        ["snapshot"] = Name,
    };

    internal static SnapshotInfo? FromMetadata(IDictionary<string, string> m)
    {
        long L(string k) => m.TryGetValue(k, out var v) && long.TryParse(v, CultureInfo.InvariantCulture, out var n) ? n : 0;
        return m.TryGetValue("snapshot", out var name)
            ? new SnapshotInfo(name, L("keys"), L("bytes"), L("duration_ms"), (int)L("rdb_version"), m.TryGetValue("crc64", out var c) ? c : "", L("created_ms"))
            : null;
    }
}

/// <summary>
/// Snapshots of the whole keyspace as Redis RDB files in Blob Storage (container <c>snapshots</c>):
/// SAVE, BGSAVE, LASTSAVE, the timer's scheduled save, retention, and restore
/// (<see cref="RestoreAsync"/>). A save reads key entities with entity queries one page at a time
/// and streams them through <see cref="RdbWriter"/> into staged blocks of a block blob, computing the
/// CRC on the way; the header (with the key counts, known last) is staged last and committed
/// first. Memory holds one page of keys and one block, whatever the keyspace's size.
/// Layout: <c>dump-&lt;UTC time&gt;-&lt;random&gt;.rdb</c> per snapshot with metadata (keys, bytes,
/// duration_ms, rdb_version, crc64, created_ms), and <c>latest</c>, a marker naming the newest.
/// </summary>
public sealed partial class SnapshotService(
    DurableStore store, BlobContainerClient container, SnapshotOptions? options = null, ILogger? logger = null, TimeProvider? time = null)
    : ICommandService
{
    public const string LatestMarker = "latest";
    const string Prefix = "dump-";

    readonly SnapshotOptions options = options ?? new SnapshotOptions();
    readonly ILogger logger = logger ?? NullLogger.Instance;
    readonly TimeProvider time = time ?? TimeProvider.System;

    /// <summary>One save or restore at a time in this process (Redis allows one child).</summary>
    readonly SemaphoreSlim gate = new(1, 1);

    long lastSaveUnix = -1; // -1 = not read from storage yet
    bool lastBgsaveOk = true;
    long lastBgsaveSeconds = -1;
    long saves;
    volatile bool bgsaveRunning;
    Task? background;

    public BlobContainerClient Container => container;

    public HostService Serves => HostService.Snapshots;

    public async Task<Reply> ExecuteAsync(byte[][] args, CancellationToken cancellation)
    {
        switch (Encoding.ASCII.GetString(args[0]).ToLowerInvariant())
        {
            case "save":
                if (!await gate.WaitAsync(0, cancellation)) return Reply.Error(InProgress);
                try
                {
                    await SaveCoreAsync("SAVE", cancellation);
                    return Reply.Ok;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogError(e, "SAVE failed");
                    return Reply.Error($"ERR snapshot failed: {e.Message}");
                }
                finally
                {
                    gate.Release();
                }
            case "bgsave":
                // BGSAVE [SCHEDULE]: nothing else runs beside a save here, so SCHEDULE changes nothing.
                if (args.Length > 2 || (args.Length == 2 && !Encoding.ASCII.GetString(args[1]).Equals("schedule", StringComparison.OrdinalIgnoreCase)))
                    return Reply.Error(Errors.Syntax);
                if (!await gate.WaitAsync(0, cancellation)) return Reply.Error(InProgress);
                bgsaveRunning = true;
                background = Task.Run(async () =>
                {
                    var started = Stopwatch.GetTimestamp();
                    try
                    {
                        await SaveCoreAsync("BGSAVE", CancellationToken.None);
                        lastBgsaveOk = true;
                    }
                    catch (Exception e)
                    {
                        lastBgsaveOk = false;
                        logger.LogError(e, "BGSAVE failed");
                    }
                    finally
                    {
                        lastBgsaveSeconds = (long)Stopwatch.GetElapsedTime(started).TotalSeconds;
                        bgsaveRunning = false;
                        gate.Release();
                    }
                }, CancellationToken.None);
                return Reply.Simple("Background saving started");
            default: // lastsave
                return Reply.Integer(await LastSaveAsync(cancellation));
        }
    }

    const string InProgress = "ERR Background save already in progress";

    /// <summary>The running BGSAVE, if any (tests wait for it).</summary>
    public Task BackgroundSave => background ?? Task.CompletedTask;

    /// <summary>
    /// The scheduled save (Functions timer, standalone hosted service): waits for a save or
    /// restore in progress in this process, then saves.
    /// </summary>
    public async Task<SnapshotInfo> RunScheduledAsync(CancellationToken cancellation)
    {
        await gate.WaitAsync(cancellation);
        try
        {
            return await SaveCoreAsync("timer", cancellation);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Unix seconds of the newest snapshot in storage (any process's), 0 when there is none.</summary>
    public async Task<long> LastSaveAsync(CancellationToken cancellation)
    {
        var latest = await LatestAsync(cancellation);
        Interlocked.Exchange(ref lastSaveUnix, latest is null ? 0 : latest.CreatedMs / 1000);
        return Interlocked.Read(ref lastSaveUnix);
    }

    /// <summary>INFO's numbers: LASTSAVE as last seen by this process (read from storage on first use).</summary>
    public PersistenceStats Stats
    {
        get
        {
            if (Interlocked.Read(ref lastSaveUnix) < 0)
            {
                Interlocked.CompareExchange(ref lastSaveUnix, 0, -1);
                _ = RefreshLastSaveAsync();
            }
            return new PersistenceStats(Interlocked.Read(ref lastSaveUnix), bgsaveRunning, lastBgsaveOk, lastBgsaveSeconds, Interlocked.Read(ref saves));
        }
    }

    async Task RefreshLastSaveAsync()
    {
        try { await LastSaveAsync(CancellationToken.None); }
        catch (Exception e) { logger.LogWarning(e, "reading the latest snapshot marker failed"); }
    }

    /// <summary>The newest snapshot as the marker names it, or null.</summary>
    public async Task<SnapshotInfo?> LatestAsync(CancellationToken cancellation)
    {
        try
        {
            var properties = await container.GetBlobClient(LatestMarker).GetPropertiesAsync(cancellationToken: cancellation);
            return SnapshotInfo.FromMetadata(properties.Value.Metadata);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    /// <summary>Every snapshot in storage, oldest first.</summary>
    public async Task<List<SnapshotInfo>> ListAsync(CancellationToken cancellation)
    {
        var found = new List<SnapshotInfo>();
        try
        {
            await foreach (var blob in container.GetBlobsAsync(BlobTraits.Metadata, BlobStates.None, Prefix, cancellation))
                found.Add(SnapshotInfo.FromMetadata(blob.Metadata) ?? new SnapshotInfo(blob.Name, 0, blob.Properties.ContentLength ?? 0, 0, 0, "", 0));
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return found; // no container yet
        }
        return found.OrderBy(s => s.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Writes the whole keyspace to a new blob: key entities page by page (expired keys skipped),
    /// each key through the RDB writer into staged blocks; then the header block, the commit, the
    /// <c>latest</c> marker, and retention. Each key is as its entity last stored it when its page
    /// was read: consistent per key, not a point in time across keys (docs/snapshots.md).
    /// </summary>
    Task<SnapshotInfo> SaveCoreAsync(string reason, CancellationToken cancellation) => WriteAsync(StoredKeysAsync(cancellation), reason, cancellation);

    /// <summary>Every key entity's key and state, one query page at a time (states may be expired: the writer skips those).</summary>
    async IAsyncEnumerable<(byte[] Key, KeyState State)> StoredKeysAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellation)
    {
        await foreach (var (key, _, state) in store.Keyspace.StatesAsync([], cancellation))
            yield return (key, state);
    }

    /// <summary>
    /// Writes keys as a new snapshot blob (the store's saves pass <see cref="StoredKeysAsync"/>; the
    /// snapshot benchmark also passes keys read from a file, to time the writing apart from the query).
    /// </summary>
    public async Task<SnapshotInfo> WriteAsync(IAsyncEnumerable<(byte[] Key, KeyState State)> source, string reason, CancellationToken cancellation)
    {
        var started = Stopwatch.GetTimestamp();
        var createdMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        var name = $"{Prefix}{DateTimeOffset.FromUnixTimeMilliseconds(createdMs).UtcDateTime:yyyyMMdd'T'HHmmssfff'Z'}-{Random.Shared.Next(0x10000):x4}.rdb";
        await container.CreateIfNotExistsAsync(cancellationToken: cancellation);
        var blob = container.GetBlockBlobClient(name);
        logger.LogInformation("Snapshot {Snapshot} started ({Reason})", name, reason);

        var blocks = new List<string>();
        using var chunk = new MemoryStream(options.BlockBytes + 64 * 1024);
        var body = new RdbWriter(chunk);
        long keys = 0, expires = 0, skippedExpired = 0, flushedBytes = 0;
        var lastLog = Stopwatch.GetTimestamp();

        async Task StageAsync()
        {
            if (chunk.Length == 0) return;
            var id = BlockId(blocks.Count + 1);
            chunk.Position = 0;
            await blob.StageBlockAsync(id, chunk, cancellationToken: cancellation);
            blocks.Add(id);
            flushedBytes += chunk.Length;
            chunk.SetLength(0);
        }

        await foreach (var (key, state) in source.WithCancellation(cancellation))
        {
            if (state.IsExpired(time.GetUtcNow().ToUnixTimeMilliseconds()))
            {
                skippedExpired++;
                continue;
            }
            body.WriteKey(key, state);
            keys++;
            if (state.ExpiresAt is not null) expires++;
            if (chunk.Length >= options.BlockBytes) await StageAsync();
            if (Stopwatch.GetElapsedTime(lastLog) > ProgressEvery)
            {
                lastLog = Stopwatch.GetTimestamp();
                var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
                logger.LogInformation("Snapshot {Snapshot}: {Keys} keys, {Bytes} bytes so far, {KeysPerSecond:F0} keys/s",
                    name, keys, flushedBytes + chunk.Length, keys / seconds);
            }
        }

        using var headerBytes = new MemoryStream();
        var header = new RdbWriter(headerBytes);
        header.WriteHeader(Rdb.WriteVersion, RdbWriter.DefaultAux(createdMs));
        // The function libraries come before the keys, as in Redis's files (scripts are not saved, as in Redis).
        foreach (var library in (await store.Scripts.ReadAsync(cancellation)).AllLibraries()) header.WriteFunction(library.Code);
        header.WriteDbStart(0, keys, expires);
        var crc = Crc64Jones.Combine(header.Crc, body.Crc, body.Length);
        var trailer = RdbWriter.Trailer(crc);
        chunk.Write(trailer);
        await StageAsync();
        headerBytes.Position = 0;
        var headerId = BlockId(0);
        await blob.StageBlockAsync(headerId, headerBytes, cancellationToken: cancellation);

        var total = header.Length + body.Length + trailer.Length;
        var checksum = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(trailer.AsSpan(1)).ToString("x16", CultureInfo.InvariantCulture);
        var info = new SnapshotInfo(name, keys, total, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds, Rdb.WriteVersion, checksum, createdMs);
        await blob.CommitBlockListAsync([headerId, .. blocks], new CommitBlockListOptions
        {
            Metadata = info.Metadata(),
            HttpHeaders = new BlobHttpHeaders { ContentType = "application/octet-stream" },
            Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All }, // never overwrite a snapshot
        }, cancellation);
        await MarkLatestAsync(info, cancellation);
        Interlocked.Exchange(ref lastSaveUnix, createdMs / 1000);
        Interlocked.Increment(ref saves);
        logger.LogInformation(
            "Snapshot {Snapshot} written ({Reason}): {Keys} keys ({Expires} with TTL, {ExpiredSkipped} expired skipped), {Bytes} bytes, {DurationMs} ms, crc64 {Crc64}",
            name, reason, keys, expires, skippedExpired, total, info.DurationMs, checksum);
        await ApplyRetentionAsync(cancellation);
        return info;
    }

    static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(5);

    /// <summary>Block ids must all have the same length: a zero-padded number.</summary>
    static string BlockId(int n) => Convert.ToBase64String(Encoding.ASCII.GetBytes(n.ToString("D8", CultureInfo.InvariantCulture)));

    /// <summary>
    /// The marker blob names the newest snapshot (and carries its metadata). A snapshot finishing
    /// after a newer one does not move the marker back.
    /// </summary>
    async Task MarkLatestAsync(SnapshotInfo info, CancellationToken cancellation)
    {
        var marker = container.GetBlobClient(LatestMarker);
        for (var attempt = 0; attempt < 5; attempt++)
        {
            ETag? etag = null;
            try
            {
                var current = await marker.GetPropertiesAsync(cancellationToken: cancellation);
                if (SnapshotInfo.FromMetadata(current.Value.Metadata) is { } existing && string.CompareOrdinal(existing.Name, info.Name) > 0) return;
                etag = current.Value.ETag;
            }
            catch (RequestFailedException e) when (e.Status == 404) { }
            try
            {
                await marker.UploadAsync(BinaryData.FromString(info.Name), new BlobUploadOptions
                {
                    Metadata = info.Metadata(),
                    Conditions = etag is { } tag ? new BlobRequestConditions { IfMatch = tag } : new BlobRequestConditions { IfNoneMatch = ETag.All },
                }, cancellation);
                return;
            }
            catch (RequestFailedException e) when (e.Status is 409 or 412) { /* another save moved it: look again */ }
        }
    }

    /// <summary>Deletes all but the newest <see cref="SnapshotOptions.Retention"/> snapshots.</summary>
    public async Task<int> ApplyRetentionAsync(CancellationToken cancellation)
    {
        var all = await ListAsync(cancellation);
        var latest = (await LatestAsync(cancellation))?.Name;
        var deleted = 0;
        foreach (var old in all.Take(Math.Max(0, all.Count - options.Retention)))
        {
            if (old.Name == latest) continue;
            await container.DeleteBlobIfExistsAsync(old.Name, cancellationToken: cancellation);
            deleted++;
        }
        if (deleted > 0) logger.LogInformation("Snapshot retention: {Deleted} old snapshots deleted, {Kept} kept", deleted, all.Count - deleted);
        return deleted;
    }
}
