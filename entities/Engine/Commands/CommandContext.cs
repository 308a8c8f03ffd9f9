using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;
using Serverless.Store.Scripting;

namespace Serverless.Store.Commands;

/// <summary>
/// What one command runs against: the keyspace, the time ("now", unix ms, so expiry is lazy and
/// testable with a fake clock) and a random source (SPOP, RANDOMKEY...). Lookups treat an
/// expired key as missing and drop it; every write bumps the key's version.
/// </summary>
public sealed class CommandContext(IKeyspace keyspace, long nowMs, Random? random = null)
{
    public IKeyspace Keyspace { get; } = keyspace;
    public long NowMs { get; } = nowMs;
    public Random Random { get; } = random ?? Random.Shared;

    /// <summary>
    /// The same clock in microseconds, for TIME: a host with a finer clock sets it (it must agree
    /// with <see cref="NowMs"/>: NowMs == NowMicros / 1000); otherwise it is NowMs × 1000.
    /// </summary>
    public long NowMicros
    {
        get => nowMicros ?? NowMs * 1000;
        init => nowMicros = value;
    }

    long? nowMicros;

    /// <summary>The clock's microseconds now, as a host passes them to <see cref="NowMicros"/> (with NowMs = this / 1000).</summary>
    public static long UnixMicros(TimeProvider clock) => (clock.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks / TimeSpan.TicksPerMicrosecond;

    /// <summary>What the host tells INFO (expired keys, snapshots, keyspace counts); null on a bare keyspace.</summary>
    public IServerStats? Server { get; init; }

    /// <summary>The server's settings, for CONFIG; null where none is kept (CONFIG then answers that it is not available, and Redis's defaults apply).</summary>
    public IServerConfig? Config { get; init; }

    /// <summary>The encoding thresholds in force (CONFIG's, else Redis's defaults).</summary>
    public Types.EncodingLimits Limits => Config?.Settings.Encodings ?? Types.EncodingLimits.Default;

    /// <summary>Keys deleted because they had expired, for INFO's expired_keys.</summary>
    public int ExpiredKeys { get; private set; }

    /// <summary>Counts keys a script run found expired (its own context counted them).</summary>
    internal void CountExpired(int keys) => ExpiredKeys += keys;

    /// <summary>
    /// Where EVALSHA and FCALL find scripts and functions, and where EVAL caches what it runs; SCRIPT and
    /// FUNCTION change it when it is a <see cref="ScriptCatalog"/>. Default: the process's own catalog.
    /// </summary>
    public IScriptSource Scripts { get; init; } = ScriptCatalog.Local;

    /// <summary>The budget of a script run (null: <see cref="ScriptLimits.Default"/>).</summary>
    public ScriptLimits? ScriptLimits { get; init; }

    /// <summary>Where redis.log writes (null: nowhere).</summary>
    public ScriptLog? ScriptLog { get; init; }

    /// <summary>True when the caller publishes keyspace notifications: <see cref="Notify"/> then records events.</summary>
    public bool RecordEvents { get; init; }

    /// <summary>The keyspace events this command raised (only when <see cref="RecordEvents"/>).</summary>
    public List<KeyspaceEvent>? Events { get; private set; }

    /// <summary>
    /// Raises a keyspace event, as Redis's notifyKeyspaceEvent: <paramref name="eventClass"/> is
    /// the notify-keyspace-events letter of its class ('g' generic, '$' string, 'l' list, 's' set,
    /// 'h' hash, 'z' sorted set, 't' stream, 'x' expired), <paramref name="name"/> the event ("set", "lpush"...).
    /// </summary>
    public void Notify(char eventClass, string name, byte[] key)
    {
        if (RecordEvents) (Events ??= []).Add(new KeyspaceEvent(eventClass, name, key));
    }

    /// <summary>
    /// The live state of a key, or null when it is missing or expired. A hash loses its expired
    /// fields here (lazy field expiry: they are never seen), and the key goes when none is left.
    /// </summary>
    public KeyState? Lookup(byte[] key)
    {
        var state = Keyspace.Get(key);
        if (state is null) return null;
        if (state.IsExpired(NowMs))
        {
            Keyspace.Remove(key);
            ExpiredKeys++;
            Notify('x', "expired", key); // Redis's expireIfNeeded: a key found expired on access
            return null;
        }
        if (state.Hash is { HasFieldExpiries: true } hash && hash.RemoveExpired(NowMs) > 0)
        {
            Notify('h', "hexpired", key);
            Modified(key, state); // deletes the key when no field is left
            if (state.IsEmpty)
            {
                Notify('g', "del", key);
                return null;
            }
        }
        return state;
    }

    /// <summary>The live state of a key that must hold <paramref name="type"/> (or be missing).</summary>
    public KeyState? Lookup(byte[] key, RedisType type)
    {
        var state = Lookup(key);
        if (state is not null && state.Type != type) throw new RedisException(Errors.WrongType);
        return state;
    }

    /// <summary>
    /// Records that a key's state changed: an emptied aggregate is deleted (as Redis does),
    /// anything else is stored with a new version.
    /// </summary>
    public void Modified(byte[] key, KeyState state)
    {
        if (state.IsEmpty)
        {
            Keyspace.Remove(key);
            return;
        }
        state.Version++;
        Keyspace.Set(key, state);
    }

    /// <summary>Replaces whatever a key held with a new state (SET, *STORE, RENAME...).</summary>
    public void Replace(byte[] key, KeyState state)
    {
        var old = Keyspace.Get(key);
        state.Version = Math.Max(state.Version, old?.Version ?? 0);
        Modified(key, state);
    }

    public bool Delete(byte[] key)
    {
        if (Lookup(key) is null) return false;
        Keyspace.Remove(key);
        return true;
    }

    public IEnumerableKeyspace EnumerableKeyspace =>
        Keyspace as IEnumerableKeyspace ?? throw new KeyspaceListingException(null);
}

/// <summary>One keyspace notification: its class letter, its name, the key.</summary>
public readonly record struct KeyspaceEvent(char Class, string Name, byte[] Key);
