namespace Serverless.Store.Client;

/// <summary>
/// Commands queued to be sent in one request. Each typed method returns a task that completes
/// when <see cref="ExecuteAsync"/> has the answer: its result, or a <see cref="StoreException"/>
/// for that command's error. A command's own cancellation token drops it from the batch when it
/// is cancelled before <see cref="ExecuteAsync"/> sends; after that it only stops the wait.
/// A batch is sent once.
/// </summary>
public abstract class StoreBatch : StoreCommands
{
    readonly StoreConnection connection;
    readonly List<Queued> queued = [];
    readonly Lock gate = new();
    bool sent;

    sealed record Queued(StoreValue[] Command, TaskCompletionSource<StoreResult> Result, CancellationToken Cancellation);

    private protected StoreBatch(StoreConnection connection) => this.connection = connection;

    /// <summary>True for a transaction (<c>/multi-exec</c>), false for a pipeline.</summary>
    private protected abstract bool IsTransaction { get; }

    /// <summary>How many commands are queued.</summary>
    public int Count
    {
        get { lock (gate) return queued.Count; }
    }

    private protected override Task<StoreResult> SendAsync(StoreValue[] command, CancellationToken cancellationToken)
    {
        // Checked now, where the caller can see which command it was: JSON cannot carry every byte.
        if (!RestProtocol.IsJsonSafe(command)) throw RestProtocol.NotJsonSafe(command);
        var result = new TaskCompletionSource<StoreResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (gate)
        {
            if (sent) throw new InvalidOperationException("this batch was already sent: create a new one for more commands");
            queued.Add(new Queued(command, result, cancellationToken));
        }
        // WaitAsync, not a registration on the token: it lets go of the token once the result is in,
        // so a long-lived token does not collect one registration per command.
        return cancellationToken.CanBeCanceled ? result.Task.WaitAsync(cancellationToken) : result.Task;
    }

    /// <summary>
    /// Sends the queued commands in one request and completes their tasks. Answers every result in
    /// order (errors as <see cref="StoreResultKind.Error"/>); throws when the whole request failed
    /// (a transaction the store aborted answers <c>EXECABORT ...</c>; nothing of it ran).
    /// </summary>
    public async Task<IReadOnlyList<StoreResult>> ExecuteAsync(CancellationToken cancellationToken = default)
    {
        List<Queued> sending;
        lock (gate)
        {
            if (sent) throw new InvalidOperationException("this batch was already sent: create a new one");
            sent = true;
            sending = queued.Where(q => !q.Cancellation.IsCancellationRequested).ToList();
        }
        foreach (var q in queued.Where(q => q.Cancellation.IsCancellationRequested)) q.Result.TrySetCanceled(q.Cancellation);
        if (sending.Count == 0) return [];

        StoreResult[] results;
        try
        {
            results = await connection.ExecuteBatchAsync(sending.Select(q => q.Command).ToList(), IsTransaction, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            foreach (var q in sending) q.Result.TrySetCanceled(cancellationToken);
            throw;
        }
        catch (Exception e)
        {
            foreach (var q in sending) q.Result.TrySetException(e);
            throw;
        }
        Complete(sending.Select(q => q.Result).ToList(), results);
        return results;
    }

    /// <summary>Completes each command's task with its result, or its error as a <see cref="StoreException"/>.</summary>
    internal static void Complete(IReadOnlyList<TaskCompletionSource<StoreResult>> waiting, StoreResult[] results)
    {
        for (var i = 0; i < waiting.Count; i++)
        {
            if (results[i].Kind == StoreResultKind.Error) waiting[i].TrySetException(new StoreException(results[i].ErrorMessage!));
            else waiting[i].TrySetResult(results[i]);
        }
    }
}

/// <summary>
/// A pipeline (<c>POST /pipeline</c>): many commands in one round trip, run in order, not atomic;
/// each answers on its own (one failing does not stop the others). The store runs commands on
/// different keys in parallel and commands on one key as one operation.
/// </summary>
public sealed class StorePipeline : StoreBatch
{
    internal StorePipeline(StoreConnection connection) : base(connection) { }

    private protected override bool IsTransaction => false;
}

/// <summary>
/// A transaction (<c>POST /multi-exec</c>): MULTI/EXEC, atomic and isolated (every key is locked).
/// A command that cannot be queued (unknown, wrong arity) aborts it all with <c>EXECABORT</c>; a
/// command that fails while running fails alone, as in Redis. Scripts run with EVAL inside.
/// </summary>
public sealed class StoreTransaction : StoreBatch
{
    internal StoreTransaction(StoreConnection connection) : base(connection) { }

    private protected override bool IsTransaction => true;
}
