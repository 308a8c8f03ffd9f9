using System.Diagnostics;
using System.Text.Json.Serialization;
using Azure;
using Azure.Storage.Blobs;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Client.Entities;
using Microsoft.Extensions.Logging;
using Serverless.Store.RdbFiles;
using Serverless.Store.Durable;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;
using Serverless.Store.Scripting;
using Serverless.Store.Types;

namespace Serverless.Store.Persistence;

/// <summary>Restore replaces the keyspace (keys not in the file are deleted) or merges into it (they stay).</summary>
public enum RestoreMode { Replace, Merge }

/// <summary>What a restore did.</summary>
public sealed record RestoreResult(string Source, RestoreMode Mode, long Keys, long ExpiredSkipped, long Removed, long DurationMs, int RdbVersion,
    int FunctionLibraries = 0);

/// <summary>A restore named a snapshot that is not in storage.</summary>
public sealed class SnapshotNotFoundException(string name) : Exception($"no snapshot named '{name}' in the '{SnapshotOptions.ContainerName}' container");

public sealed partial class SnapshotService
{
    /// <summary>
    /// Keys being loaded at once (each one an entity request and a reply to wait for): what bounds
    /// the memory a restore holds, whatever the file's size.
    /// </summary>
    const int RestoreParallelism = 128;

    /// <summary>Restores a snapshot from the container by name (<c>latest</c> = the marker's).</summary>
    public async Task<RestoreResult> RestoreSnapshotAsync(string name, RestoreMode mode, CancellationToken cancellation)
    {
        var (blob, _) = await SnapshotBlobAsync(name, cancellation);
        return await RestoreAsync(async ct => await blob.OpenReadAsync(cancellationToken: ct), blob.Name, mode, cancellation);
    }

    /// <summary>
    /// A snapshot's blob and size by name (<c>latest</c> = the marker's), for restore and download:
    /// a file of the container (ours, or one uploaded there), never a path out of it.
    /// </summary>
    public async Task<(BlobClient Blob, long Bytes)> SnapshotBlobAsync(string name, CancellationToken cancellation)
    {
        if (name == LatestMarker) name = (await LatestAsync(cancellation))?.Name ?? throw new SnapshotNotFoundException(name);
        if (name.Contains('/') || name.Contains('\\')) throw new SnapshotNotFoundException(name);
        var blob = container.GetBlobClient(name);
        try
        {
            var properties = await blob.GetPropertiesAsync(cancellationToken: cancellation);
            return (blob, properties.Value.ContentLength);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            throw new SnapshotNotFoundException(name);
        }
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
            List<byte[]> libraries;
            await using (var stream = await open(cancellation))
            {
                (version, fileKeys, libraries) = await Task.Run(() =>
                {
                    var reader = new RdbReader(stream);
                    var n = reader.Validate(Check);
                    CheckLibraries(reader.FunctionLibraries);
                    return (reader.Version, n, reader.FunctionLibraries);
                }, cancellation);
            }
            logger.LogInformation("Restore of {Source} ({Mode}): the file checks out (RDB {Version}, {Keys} keys, {Libraries} function libraries); loading",
                source, mode, version, fileKeys, libraries.Count);

            var removed = mode == RestoreMode.Replace ? await RemoveAllKeysAsync() : 0;
            await LoadLibrariesAsync(libraries, mode);
            long loaded = 0, expired = 0;
            var lastLog = Stopwatch.GetTimestamp();
            var slots = new SemaphoreSlim(RestoreParallelism);
            var loads = new List<Task>();
            await using (var stream = await open(CancellationToken.None))
            {
                var reader = new RdbReader(stream);
                while (true)
                {
                    var now = time.GetUtcNow().ToUnixTimeMilliseconds();
                    var (page, skipped) = await Task.Run(() => NextPage(reader, now));
                    expired += skipped;
                    if (page.Count == 0) break;
                    foreach (var (key, state) in page)
                    {
                        await slots.WaitAsync();
                        loads.Add(LoadOneAsync(key, state, slots));
                    }
                    loads.RemoveAll(t => t.IsCompletedSuccessfully);
                    if (loads.FirstOrDefault(t => t.IsFaulted) is { } failed) await failed;
                    loaded += page.Count;
                    if (Stopwatch.GetElapsedTime(lastLog) > ProgressEvery)
                    {
                        lastLog = Stopwatch.GetTimestamp();
                        logger.LogInformation("Restore of {Source}: {Keys} of {Total} keys sent, {KeysPerSecond:F0} keys/s",
                            source, loaded, fileKeys, loaded / Stopwatch.GetElapsedTime(started).TotalSeconds);
                    }
                }
                await Task.WhenAll(loads);
            }
            var result = new RestoreResult(source, mode, loaded, expired, removed, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds, version, libraries.Count);
            logger.LogInformation("Restore of {Source} done ({Mode}): {Keys} keys loaded, {Expired} expired skipped, {Removed} keys removed, {DurationMs} ms",
                source, mode, loaded, expired, removed, result.DurationMs);
            return result;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>The first pass refuses a file whose function libraries do not load (Redis refuses such a file too).</summary>
    static void CheckLibraries(List<byte[]> codes)
    {
        try
        {
            ScriptCommands.LoadLibraries(new ScriptCatalog(), codes, ScriptLimits.Default);
        }
        catch (RedisException e)
        {
            throw new RdbFormatException($"a function library in the file does not load: {e.Message}");
        }
    }

    /// <summary>
    /// The file's libraries into the store's catalog: replace mode first deletes every library (as
    /// it deletes every key), merge mode replaces only the libraries of the same names.
    /// </summary>
    async Task LoadLibrariesAsync(List<byte[]> codes, RestoreMode mode)
    {
        var commands = new List<byte[][]>();
        if (mode == RestoreMode.Replace) commands.Add(["FUNCTION"u8.ToArray(), "FLUSH"u8.ToArray()]);
        foreach (var code in codes) commands.Add(["FUNCTION"u8.ToArray(), "LOAD"u8.ToArray(), "REPLACE"u8.ToArray(), code]);
        if (commands.Count == 0) return;
        var replies = await store.Scripts.ChangeAsync(commands, CancellationToken.None);
        if (replies.OfType<ErrorReply>().FirstOrDefault() is { } error)
            throw new InvalidOperationException($"the file's function libraries did not load: {error.Message}");
    }

    /// <summary>
    /// What the first pass refuses besides format errors: other databases, strings past what a
    /// key's state can hold (<see cref="Strings.MaxStoredLength"/>; Redis's files may hold 512 MB),
    /// and other values past what one key holds (<see cref="KeyLimits.MaxBytes"/>).
    /// </summary>
    internal static void Check(RdbEntry entry)
    {
        if (entry.Db != 0)
            throw new RdbFormatException($"the file has keys in database {entry.Db}; this store has one database (0): move them to db 0 before saving");
        if (entry.State.String is { } value && value.Length > Strings.MaxStoredLength)
            throw new RdbFormatException($"the file's key '{ShownKey(entry.Key)}' holds a string of {value.Length} bytes; this store keeps strings up to {Strings.MaxStoredLength} bytes (docs/limits.md)");
        if (KeyLimits.Weight(entry.State) is var bytes && bytes > KeyLimits.MaxBytes)
            throw new RdbFormatException($"the file's key '{ShownKey(entry.Key)}' holds a {KeyState.TypeName(entry.State.Type)} of about {bytes} bytes; this store keeps a key's value up to {KeyLimits.MaxBytes} bytes ({KeyLimits.Setting}, docs/limits.md)");
    }

    /// <summary>A key as an error message shows it: its first 64 bytes as text, and how long it is when longer.</summary>
    static string ShownKey(byte[] key) =>
        key.Length <= 64 ? System.Text.Encoding.UTF8.GetString(key) : $"{System.Text.Encoding.UTF8.GetString(key, 0, 64)}... ({key.Length} bytes)";

    /// <summary>The next keys of the file that have not expired (a page, so the reader's blocking reads run off the caller's thread).</summary>
    static (List<(byte[] Key, KeyState State)> Page, long Expired) NextPage(RdbReader reader, long now)
    {
        var page = new List<(byte[], KeyState)>(RestorePageKeys);
        long expired = 0;
        while (page.Count < RestorePageKeys && reader.TryRead(out var entry))
        {
            if (entry.State.IsExpired(now)) expired++;
            else page.Add((entry.Key, entry.State));
        }
        return (page, expired);
    }

    const int RestorePageKeys = 64;

    /// <summary>
    /// One key into its entity (<c>load</c>, the way every write goes in, so expiry scheduling and the
    /// expiry index work as for any write), acknowledged once stored. Not the caller's cancellation:
    /// once started, a load is finished.
    /// </summary>
    async Task LoadOneAsync(byte[] key, KeyState state, SemaphoreSlim slots)
    {
        try
        {
            await store.Writes.LoadAsync(key, state, CancellationToken.None);
        }
        finally
        {
            slots.Release();
        }
    }

    /// <summary>Deletes every key, a page of entities at a time.</summary>
    async Task<long> RemoveAllKeysAsync()
    {
        long removed = 0;
        var page = new List<string>();
        await foreach (var (_, entityKey, _) in store.Keyspace.StatesAsync([], CancellationToken.None))
        {
            if (page.Count > 0 && page[^1] == entityKey) continue; // a group's keys come together: delete it once
            page.Add(entityKey);
            if (page.Count < options.PageSize) continue;
            removed += await store.Keyspace.DeleteAsync(page, CancellationToken.None);
            page.Clear();
        }
        if (page.Count > 0) removed += await store.Keyspace.DeleteAsync(page, CancellationToken.None);
        return removed;
    }
}
