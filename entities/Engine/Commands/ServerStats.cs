namespace Serverless.Store.Commands;

/// <summary>
/// What INFO reports beyond the commands themselves, as the host knows it (the durable store gives
/// one to the commands it runs locally; an in-memory keyspace has none, and INFO then leaves those
/// sections out or computes them from the keyspace).
/// </summary>
public interface IServerStats
{
    /// <summary>Keys deleted because they had expired (INFO stats, expired_keys).</summary>
    long ExpiredKeys { get; }

    /// <summary>The snapshot service's numbers, or null when the host has none.</summary>
    PersistenceStats? Persistence { get; }

    /// <summary>The keyspace's counts when the host counted them for this INFO, else null.</summary>
    KeyspaceStats? Keyspace { get; }
}

/// <summary>INFO's persistence numbers as this process knows them.</summary>
public sealed record PersistenceStats(long LastSaveUnix, bool BgsaveInProgress, bool LastBgsaveOk, long LastBgsaveSeconds, long Saves);

/// <summary>INFO keyspace's db0 line: live keys, keys with an expiry, their mean remaining TTL in ms.</summary>
public sealed record KeyspaceStats(long Keys, long Expires, long AvgTtlMs);
