using Serverless.Store.Keyspace;
using Serverless.Store.Types;

namespace Serverless.Store.Commands;

/// <summary>
/// Where CONFIG GET / SET / RESETSTAT read and write the server's settings. The engine asks the
/// context's <see cref="CommandContext.Config"/>; a host keeps the settings where every instance
/// sees them (the durable store), the tests and a bare engine in memory (<see cref="MemoryServerConfig"/>).
/// </summary>
public interface IServerConfig
{
    /// <summary>The settings in force.</summary>
    ServerSettings Settings { get; }

    /// <summary>CONFIG SET: the whole new settings at once (already checked: all of a command's parameters or none).</summary>
    void Update(ServerSettings next);

    /// <summary>CONFIG RESETSTAT: zeroes the statistics INFO reports (expired_keys...).</summary>
    void ResetStats();
}

/// <summary>
/// The settings CONFIG can change here, with Redis 7.0's defaults: the keyspace events published
/// (notify-keyspace-events, letters as Redis takes them), the thresholds that decide a value's
/// encoding (what OBJECT ENCODING reports, and what SCAN-family replies and some orders follow),
/// and the time a script may run before it is reported busy (busy-reply-threshold, alias
/// lua-time-limit, in ms). Immutable: CONFIG SET builds a new one.
/// </summary>
public sealed record ServerSettings
{
    public static readonly ServerSettings Default = new();

    /// <summary>Redis's defaults with this process's <c>NotifyKeyspaceEvents</c> app setting: what CONFIG SET starts from.</summary>
    public static ServerSettings Baseline => Default with { NotifyKeyspaceEvents = KeyspaceNotifications.Current.ToString() };

    public string NotifyKeyspaceEvents { get; init; } = "";

    /// <summary>The keyspace events these settings publish (each setting's letters parsed once per process).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public KeyspaceNotifications Notifications => Parsed.GetOrAdd(NotifyKeyspaceEvents, KeyspaceNotifications.Parse);

    static readonly System.Collections.Concurrent.ConcurrentDictionary<string, KeyspaceNotifications> Parsed = new(StringComparer.Ordinal);

    public EncodingLimits Encodings { get; init; } = EncodingLimits.Default;

    public long BusyReplyThresholdMs { get; init; } = 5000;
}

/// <summary>An in-memory <see cref="IServerConfig"/>: the engine's own and the tests'.</summary>
public sealed class MemoryServerConfig(ServerSettings? initial = null) : IServerConfig
{
    public ServerSettings Settings { get; private set; } = initial ?? ServerSettings.Default;

    /// <summary>How many times CONFIG RESETSTAT ran (there are no statistics in memory to reset).</summary>
    public int StatResets { get; private set; }

    public void Update(ServerSettings next) => Settings = next;

    public void ResetStats() => StatResets++;
}
