namespace Serverless.Store.Keyspace;

/// <summary>
/// Where the engine finds key states. A key entity offers its one key, a transaction its locked
/// keys, the tests an in-memory dictionary. States are returned raw (maybe expired): the engine
/// decides what is expired through <see cref="Commands.CommandContext"/>.
/// </summary>
public interface IKeyspace
{
    KeyState? Get(byte[] key);

    /// <summary>Stores (or re-stores after a change) the state of a key.</summary>
    void Set(byte[] key, KeyState state);

    void Remove(byte[] key);
}

/// <summary>A keyspace that can list all its keys (KEYS, SCAN, DBSIZE, RANDOMKEY, FLUSHALL).</summary>
public interface IEnumerableKeyspace : IKeyspace
{
    /// <summary>Every stored key with its raw state, in no particular order.</summary>
    IEnumerable<KeyValuePair<byte[], KeyState>> Entries { get; }

    void Clear();
}

/// <summary>An in-memory keyspace: the tests' database and the benchmarks'.</summary>
public sealed class MemoryKeyspace : IEnumerableKeyspace
{
    readonly Dictionary<byte[], KeyState> keys = new(Bytes.Comparer);

    public int Count => keys.Count;

    public KeyState? Get(byte[] key) => keys.GetValueOrDefault(key);

    public void Set(byte[] key, KeyState state) => keys[key] = state;

    public void Remove(byte[] key) => keys.Remove(key);

    public IEnumerable<KeyValuePair<byte[], KeyState>> Entries => keys;

    public void Clear() => keys.Clear();
}
