using Serverless.Store.Keyspace;

namespace Serverless.Store.Scripting;

/// <summary>
/// The keyspace a script's commands run on: an overlay over the command's keyspace that keeps
/// every change aside until the run is judged. A run that ends (normally or with a script error)
/// applies its changes (<see cref="Commit"/>, as Redis keeps a failed script's writes); a run stopped
/// by its budget, or that reached beyond the keyspace, applies none. States are copied on first
/// touch, so commands may change them in place without touching the underlying keyspace.
///
/// A key the underlying keyspace does not hold (it throws <see cref="UndeclaredKeyException"/>) is
/// recorded in <see cref="Undeclared"/> and reads as missing, so the run goes on and finds the
/// other keys it needs in the same pass; such a run is never committed.
/// </summary>
internal sealed class ScriptKeyspace(IKeyspace inner) : IEnumerableKeyspace
{
    /// <summary>Keys touched so far: their current state (null = missing), in order of first touch.</summary>
    readonly Dictionary<byte[], KeyState?> touched = new(Bytes.Comparer);
    readonly List<byte[]> order = [];
    readonly HashSet<byte[]> changed = new(Bytes.Comparer);
    bool cleared;

    /// <summary>Keys the underlying keyspace does not hold, in order of first touch.</summary>
    public List<byte[]> Undeclared { get; } = [];

    public bool HasChanges => changed.Count > 0 || cleared;

    public KeyState? Get(byte[] key) => Touch(key);

    public void Set(byte[] key, KeyState state)
    {
        Touch(key);
        touched[key] = state;
        changed.Add(key);
    }

    public void Remove(byte[] key)
    {
        if (Touch(key) is null && !cleared) return;
        touched[key] = null;
        changed.Add(key);
    }

    KeyState? Touch(byte[] key)
    {
        if (touched.TryGetValue(key, out var state)) return state;
        if (cleared)
        {
            state = null;
        }
        else
        {
            try
            {
                state = inner.Get(key)?.Clone();
            }
            catch (UndeclaredKeyException)
            {
                Undeclared.Add(key);
                state = null;
            }
        }
        touched[key] = state;
        order.Add(key);
        return state;
    }

    /// <summary>Every key with its state as the script sees it. Throws <see cref="KeyspaceListingException"/> where the keyspace cannot be listed.</summary>
    public IEnumerable<KeyValuePair<byte[], KeyState>> Entries
    {
        get
        {
            var all = Listable.Entries;
            if (!cleared)
                foreach (var (key, state) in all)
                    if (!touched.ContainsKey(key)) yield return new(key, state);
            foreach (var key in order)
                if (touched[key] is { } state) yield return new(key, state);
        }
    }

    public void Clear()
    {
        _ = Listable; // FLUSHALL needs the whole keyspace
        foreach (var key in order) touched[key] = null;
        changed.UnionWith(order);
        cleared = true;
    }

    IEnumerableKeyspace Listable => inner as IEnumerableKeyspace ?? throw new KeyspaceListingException(null);

    /// <summary>Applies every change to the underlying keyspace, in the order the keys were first touched.</summary>
    public void Commit()
    {
        if (cleared) ((IEnumerableKeyspace)inner).Clear();
        foreach (var key in order)
        {
            if (!changed.Contains(key)) continue;
            if (touched[key] is { } state) inner.Set(key, state);
            else if (!cleared) inner.Remove(key);
        }
    }
}
