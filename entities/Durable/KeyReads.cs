using Microsoft.DurableTask.Client.Entities;
using Serverless.Store.Keyspace;

namespace Serverless.Store.Durable;

/// <summary>
/// The read path: key entities' stored states, read without a queue hop (one table read each). A key
/// that a multi-key chain holds locked is read once the chain has unlocked it (its stored state then
/// is the chain's result), so a read after an answered transaction sees all of it. Several keys are
/// read consistently: read all, read all again, and keep the first read when nothing changed in
/// between (<see cref="KeyRecord.Seq"/>), else try again, and after a few tries ask a chain.
/// </summary>
public sealed class KeyReads(DurableEntityClient entities, ReplyChannel channel)
{
    /// <summary>Tries of the double read before a multi-key read goes through a chain (keys that keep changing).</summary>
    public const int ConsistentReadTries = 3;

    /// <summary>The key's stored record once no chain holds it (null: no entity).</summary>
    public async Task<KeyRecord?> ReadAsync(string entityKey, CancellationToken cancellation)
    {
        var record = await ReadStoredAsync(entityKey, cancellation);
        return record?.LockedBy is null ? record : await UnlockedAsync(entityKey, cancellation);
    }

    /// <summary>One key's state, from its entity (its own or its hash tag's) once no chain holds it.</summary>
    public async Task<KeyState?> ReadKeyAsync(byte[] key, CancellationToken cancellation)
    {
        var entityKey = EntityKeys.EntityOf(key);
        return StateIn(await ReadAsync(entityKey, cancellation), entityKey, key);
    }

    /// <summary>A key's state in the record of the entity that holds it.</summary>
    public static KeyState? StateIn(KeyRecord? record, string entityKey, byte[] key) => record?.StateOf(key, EntityKeys.IsGroup(entityKey));

    /// <summary>
    /// The records of several entities as they all were at one moment, or null when they kept changing
    /// (the caller then reads them through a chain). Two rounds of parallel reads: a record whose
    /// <see cref="KeyRecord.Seq"/> is the same in both was not written nor locked in between, and
    /// the rounds overlap in time, so the first round's records coexisted.
    /// </summary>
    public async Task<KeyRecord?[]?> ReadConsistentAsync(string[] entityKeys, CancellationToken cancellation)
    {
        for (var attempt = 0; attempt < ConsistentReadTries; attempt++)
        {
            var first = await Task.WhenAll(entityKeys.Select(k => ReadAsync(k, cancellation)));
            var second = await Task.WhenAll(entityKeys.Select(k => ReadStoredAsync(k, cancellation)));
            var same = true;
            for (var i = 0; i < entityKeys.Length && same; i++)
                same = second[i]?.LockedBy is null && (first[i]?.Seq ?? -1) == (second[i]?.Seq ?? -1);
            if (same && ChainsStored(entityKeys, first)) return first;
        }
        return null;
    }

    /// <summary>
    /// False while a record holds a chain's changes (<see cref="ChainMark"/>) that another of the records
    /// read should hold too and does not yet: the chain's last entity has not stored its part (the
    /// backend sent the commits first). A mark older than the reply retention is long stored (and its
    /// reply may be trimmed), so it is not checked.
    /// </summary>
    static bool ChainsStored(string[] entityKeys, KeyRecord?[] records)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        foreach (var record in records)
        {
            if (record?.Committed is not { } mark || now - mark.AtMs >= KeyRecord.ReplyRetentionMs) continue;
            for (var j = 0; j < entityKeys.Length; j++)
                if (records[j] != record && mark.Entities.Contains(entityKeys[j], StringComparer.Ordinal) && records[j]?.FindReply(mark.Id) is null)
                    return false;
        }
        return true;
    }

    async Task<KeyRecord?> UnlockedAsync(string entityKey, CancellationToken cancellation) =>
        (await channel.AwaitAsync<KeyRecord, RecordRead>(KeyEntity.Id(entityKey),
            record => record?.LockedBy is null ? new RecordRead(record) : null, send: null,
            "a read waiting for a transaction to unlock the key", cancellation)).Record;

    sealed record RecordRead(KeyRecord? Record);

    /// <summary>
    /// The record as stored, locked or not. A large state lives in a blob that the backend replaces
    /// on every write, so a read racing a write can fail once: it is retried.
    /// </summary>
    public async Task<KeyRecord?> ReadStoredAsync(string entityKey, CancellationToken cancellation)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return (await entities.GetEntityAsync<KeyRecord>(KeyEntity.Id(entityKey), includeState: true, cancellation))?.State;
            }
            catch (Exception) when (attempt < 4 && !cancellation.IsCancellationRequested)
            {
                await Task.Delay(10 * attempt, cancellation);
            }
        }
    }
}
