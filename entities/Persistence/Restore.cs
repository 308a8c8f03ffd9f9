using System.Diagnostics;
using System.Text.Json.Serialization;
using Azure;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Client.Entities;
using Microsoft.Extensions.Logging;
using Serverless.Store.RdbFiles;
using Serverless.Store.Durable;
using Serverless.Store.Keyspace;

namespace Serverless.Store.Persistence;

/// <summary>Restore replaces the keyspace (keys not in the file are deleted) or merges into it (they stay).</summary>
public enum RestoreMode { Replace, Merge }

/// <summary>What a restore did.</summary>
public sealed record RestoreResult(string Source, RestoreMode Mode, long Keys, long ExpiredSkipped, long Removed, long DurationMs, int RdbVersion);

/// <summary>A restore named a snapshot that is not in storage.</summary>
public sealed class SnapshotNotFoundException(string name) : Exception($"no snapshot named '{name}' in the '{SnapshotOptions.ContainerName}' container");

/// <summary>Input of <see cref="RestoreOrchestration"/>: entity keys and the states to put there.</summary>
public sealed class RestoreBatch
{
    [JsonPropertyName("k")] public string[] Keys { get; set; } = [];
    [JsonPropertyName("s")] public KeyState[] States { get; set; } = [];
}

/// <summary>
/// Restores a page of keys: calls each key entity's <c>put</c> (the operation the locked
/// orchestration writes with, so expiry scheduling and the expiry index work as for any write)
/// and completes once every entity has stored its key.
/// </summary>
public sealed class RestoreOrchestration : TaskOrchestrator<RestoreBatch, int>
{
    public const string Name = "restore";

    public override async Task<int> RunAsync(TaskOrchestrationContext context, RestoreBatch input)
    {
        await Task.WhenAll(input.Keys.Select((k, i) => context.Entities.CallEntityAsync(KeyEntity.Id(k), "put", input.States[i])));
        return input.Keys.Length;
    }
}

public sealed partial class SnapshotService
{
    /// <summary>Keys per restore orchestration, and its rough size cap (the backend offloads big messages to blobs).</summary>
    const int RestoreBatchKeys = 100;
    const long RestoreBatchBytes = 256 * 1024;

    /// <summary>Restore orchestrations in flight at once.</summary>
    const int RestoreParallelism = 8;

    /// <summary>Restores a snapshot from the container by name (<c>latest</c> = the marker's).</summary>
    public async Task<RestoreResult> RestoreSnapshotAsync(string name, RestoreMode mode, CancellationToken cancellation)
    {
        if (name == LatestMarker) name = (await LatestAsync(cancellation))?.Name ?? throw new SnapshotNotFoundException(name);
        var blob = container.GetBlobClient(name);
        try
        {
            await blob.GetPropertiesAsync(cancellationToken: cancellation);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            throw new SnapshotNotFoundException(name);
        }
        return await RestoreAsync(async ct => await blob.OpenReadAsync(cancellationToken: ct), name, mode, cancellation);
    }

    /// <summary>
    /// Restores an RDB file (ours or real Redis's). First pass: the whole file is read and checked
    /// (format, lengths, types, checksum, database 0 only, keys this store can hold) while nothing
    /// changes; a bad file throws <see cref="RdbFormatException"/>. Then, for
    /// <see cref="RestoreMode.Replace"/>, every existing key is deleted page by page; then the file
    /// is read again and its keys (not yet expired) are put into their entities in batches, each
    /// batch acknowledged. Once started, the load is not cancelled by the caller (a half-done load
    /// is worse than a late answer); it logs progress.
    /// </summary>
    public async Task<RestoreResult> RestoreAsync(Func<CancellationToken, Task<Stream>> open, string source, RestoreMode mode, CancellationToken cancellation)
    {
        await gate.WaitAsync(cancellation);
        try
        {
            var started = Stopwatch.GetTimestamp();
            int version;
            long fileKeys;
            await using (var stream = await open(cancellation))
            {
                (version, fileKeys) = await Task.Run(() =>
                {
                    var reader = new RdbReader(stream);
                    var n = reader.Validate(Check);
                    return (reader.Version, n);
                }, cancellation);
            }
            logger.LogInformation("Restore of {Source} ({Mode}): the file checks out (RDB {Version}, {Keys} keys); loading", source, mode, version, fileKeys);

            var removed = mode == RestoreMode.Replace ? await RemoveAllKeysAsync(CancellationToken.None) : 0;
            long loaded = 0, expired = 0;
            var lastLog = Stopwatch.GetTimestamp();
            var inFlight = new List<Task>();
            await using (var stream = await open(CancellationToken.None))
            {
                var reader = new RdbReader(stream);
                while (true)
                {
                    var now = time.GetUtcNow().ToUnixTimeMilliseconds();
                    var (batch, skipped) = await Task.Run(() => NextBatch(reader, now));
                    expired += skipped;
                    if (batch.Keys.Length == 0) break;
                    if (inFlight.Count >= RestoreParallelism)
                    {
                        var done = await Task.WhenAny(inFlight);
                        inFlight.Remove(done);
                        await done;
                    }
                    inFlight.Add(RunRestoreBatchAsync(batch));
                    loaded += batch.Keys.Length;
                    if (Stopwatch.GetElapsedTime(lastLog) > ProgressEvery)
                    {
                        lastLog = Stopwatch.GetTimestamp();
                        logger.LogInformation("Restore of {Source}: {Keys} of {Total} keys sent, {KeysPerSecond:F0} keys/s",
                            source, loaded, fileKeys, loaded / Stopwatch.GetElapsedTime(started).TotalSeconds);
                    }
                }
                await Task.WhenAll(inFlight);
            }
            var result = new RestoreResult(source, mode, loaded, expired, removed, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds, version);
            logger.LogInformation("Restore of {Source} done ({Mode}): {Keys} keys loaded, {Expired} expired skipped, {Removed} keys removed, {DurationMs} ms",
                source, mode, loaded, expired, removed, result.DurationMs);
            return result;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>What the first pass refuses besides format errors: other databases, keys too long for an entity id.</summary>
    static void Check(RdbEntry entry)
    {
        if (entry.Db != 0)
            throw new RdbFormatException($"the file has keys in database {entry.Db}; this store has one database (0): move them to db 0 before saving");
        if (!EntityKeys.TryToEntityKey(entry.Key, out _))
            throw new RdbFormatException(EntityKeys.TooLongError["ERR ".Length..]);
    }

    static (RestoreBatch Batch, long Expired) NextBatch(RdbReader reader, long now)
    {
        var keys = new List<string>();
        var states = new List<KeyState>();
        long bytes = 0, expired = 0;
        while (keys.Count < RestoreBatchKeys && bytes < RestoreBatchBytes && reader.TryRead(out var entry))
        {
            if (entry.State.IsExpired(now))
            {
                expired++;
                continue;
            }
            keys.Add(EntityKeys.ToEntityKey(entry.Key));
            states.Add(entry.State);
            bytes += EstimateBytes(entry.State);
        }
        return (new RestoreBatch { Keys = keys.ToArray(), States = states.ToArray() }, expired);
    }

    static long EstimateBytes(KeyState s) =>
        (s.String?.Length ?? 0) + (s.List?.Sum(e => e.Length + 4) ?? 0) + (s.Set?.Members.Sum(e => e.Length + 4) ?? 0) +
        (s.Hash?.Entries.Sum(e => e.Key.Length + e.Value.Length + 8) ?? 0) + (s.SortedSet?.Entries.Sum(e => e.Member.Length + 24) ?? 0) + 32;

    async Task RunRestoreBatchAsync(RestoreBatch batch)
    {
        var id = await client.ScheduleNewOrchestrationInstanceAsync(RestoreOrchestration.Name, batch);
        var done = await client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: false);
        if (done.RuntimeStatus != OrchestrationRuntimeStatus.Completed)
            throw new InvalidOperationException($"restore orchestration {id} ended {done.RuntimeStatus}: {done.FailureDetails?.ErrorMessage}");
        try { await client.PurgeInstanceAsync(id); }
        catch (Exception e) { logger.LogDebug(e, "purging restore orchestration {Id}", id); }
    }

    /// <summary>Deletes every key, a page of entities at a time through the FLUSHALL orchestration.</summary>
    async Task<long> RemoveAllKeysAsync(CancellationToken cancellation)
    {
        long removed = 0;
        var page = new List<string>();
        var query = new EntityQuery { InstanceIdStartsWith = EntityKeys.InstanceIdPrefix, IncludeState = true, PageSize = options.PageSize };
        await foreach (var entity in client.Entities.GetAllEntitiesAsync<KeyRecord>(query).WithCancellation(cancellation))
        {
            if (entity.State?.Key is null) continue;
            page.Add(entity.Id.Key);
            if (page.Count >= options.PageSize) removed += await FlushPageAsync(page, cancellation);
        }
        if (page.Count > 0) removed += await FlushPageAsync(page, cancellation);
        return removed;
    }

    async Task<int> FlushPageAsync(List<string> page, CancellationToken cancellation)
    {
        var keys = page.ToArray();
        page.Clear();
        var id = await client.ScheduleNewOrchestrationInstanceAsync(FlushOrchestration.Name, keys, cancellation);
        var done = await client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: false, cancellation);
        if (done.RuntimeStatus != OrchestrationRuntimeStatus.Completed)
            throw new InvalidOperationException($"flush orchestration {id} ended {done.RuntimeStatus}");
        return keys.Length;
    }
}
