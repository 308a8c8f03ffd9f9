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

/// <summary>
/// What this process is doing, for INFO's clients and stats sections: counted where requests enter
/// (the REST router). REST has no connections, so a "client" is a request being served.
/// </summary>
public static class ProcessActivity
{
    static long requestsInFlight, commandsProcessed;

    /// <summary>Requests this process is serving now (INFO clients, connected_clients).</summary>
    public static long RequestsInFlight => Interlocked.Read(ref requestsInFlight);

    /// <summary>Commands this process has run since it started (INFO stats, total_commands_processed).</summary>
    public static long CommandsProcessed => Interlocked.Read(ref commandsProcessed);

    public static void RequestStarted() => Interlocked.Increment(ref requestsInFlight);
    public static void RequestEnded() => Interlocked.Decrement(ref requestsInFlight);
    public static void CommandsRun(int count) => Interlocked.Add(ref commandsProcessed, count);

    /// <summary>CONFIG RESETSTAT: the counts start again at 0 (requests in flight are not a statistic).</summary>
    public static void ResetStats() => Interlocked.Exchange(ref commandsProcessed, 0);
}
