namespace Serverless.Store.Client;

/// <summary>
/// The store's commands as typed async methods, defined once for the three ways they are sent:
/// <see cref="StoreClient"/> sends each at once, <see cref="StorePipeline"/> and
/// <see cref="StoreTransaction"/> queue them until <c>ExecuteAsync</c>. Method names are the
/// commands' names (<c>HSetAsync</c> is HSET), so Redis's documentation reads as this API's.
/// Anything without a method: <see cref="ExecuteAsync(StoreValue[])"/>.
/// </summary>
public abstract partial class StoreCommands
{
    private protected StoreCommands() { }

    /// <summary>Sends (or queues) one command; its reply, or a <see cref="StoreException"/> for an error reply.</summary>
    private protected abstract Task<StoreResult> SendAsync(StoreValue[] command, CancellationToken cancellationToken);

    private protected async Task<T> SendAsync<T>(StoreValue[] command, Func<StoreResult, T> convert, CancellationToken cancellationToken) =>
        convert(await SendAsync(command, cancellationToken).ConfigureAwait(false));

    /// <summary>Any command, e.g. <c>ExecuteAsync("OBJECT", "ENCODING", "k")</c>; the reply as Redis shapes it.</summary>
    public Task<StoreResult> ExecuteAsync(params StoreValue[] command) => ExecuteAsync(command, CancellationToken.None);

    /// <summary>Any command; the reply as Redis shapes it.</summary>
    public Task<StoreResult> ExecuteAsync(IEnumerable<StoreValue> command, CancellationToken cancellationToken)
    {
        var args = command as StoreValue[] ?? command.ToArray();
        if (args.Length == 0) throw new ArgumentException("a command needs at least its name", nameof(command));
        return SendAsync(args, cancellationToken);
    }

    /// <summary>A command's name followed by arguments.</summary>
    private protected static StoreValue[] Command(StoreValue name, IEnumerable<StoreValue> arguments)
    {
        var list = new List<StoreValue> { name };
        list.AddRange(arguments);
        return list.ToArray();
    }

    private protected static IEnumerable<StoreValue> Keys(IEnumerable<string> keys) => keys.Select(k => (StoreValue)k);

    private protected static IEnumerable<StoreValue> Flatten<TValue>(IEnumerable<KeyValuePair<string, TValue>> pairs, Func<TValue, StoreValue> value) =>
        pairs.SelectMany(p => new[] { (StoreValue)p.Key, value(p.Value) });

    /// <summary>Milliseconds for PX/PEXPIRE: at least 1 (0 would be refused or delete the key).</summary>
    private protected static long Milliseconds(TimeSpan time) =>
        time > TimeSpan.Zero ? Math.Max(1, (long)Math.Ceiling(time.TotalMilliseconds)) : throw new ArgumentOutOfRangeException(nameof(time), time, "must be positive");
}
