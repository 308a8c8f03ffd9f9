using System.Collections.Concurrent;

namespace Serverless.Store.Client;

/// <summary>
/// Automatic batching (<see cref="StoreClientOptions.AutoBatch"/>): commands arriving while a flush
/// is pending share one <c>/pipeline</c> request. The first command of a burst schedules a flush on
/// the thread pool; every command queued before it runs goes with it (up to
/// <see cref="StoreClientOptions.AutoBatchMaxCommands"/> and half the store's body limit per request).
/// A flush of one command is sent as a plain command. Each command is written as JSON once, when
/// it arrives. Per-command cancellation: before the flush it drops the command, after it only the wait.
/// </summary>
/// <param name="connection">Where batches go.</param>
/// <param name="maxCommands">The most commands one request holds.</param>
/// <param name="schedule">Runs a flush later: the thread pool; tests pass their own to decide when.</param>
sealed class AutoBatcher(StoreConnection connection, int maxCommands, Action<Action>? schedule = null)
{
    readonly Action<Action> schedule = schedule ?? (flush => ThreadPool.UnsafeQueueUserWorkItem(static f => f(), flush, preferLocal: false));

    const int MaxBatchBytes = RestProtocol.MaxBodyBytes / 2;

    sealed record Pending(StoreValue[] Command, byte[] Json, TaskCompletionSource<StoreResult> Result, CancellationToken Cancellation);

    readonly ConcurrentQueue<Pending> queue = new();
    int flushScheduled;

    public Task<StoreResult> SendAsync(StoreValue[] command, CancellationToken cancellationToken)
    {
        var json = RestProtocol.Command(command);
        if (json.Length > MaxBatchBytes) return connection.ExecuteAsync(command, cancellationToken);
        var result = new TaskCompletionSource<StoreResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        queue.Enqueue(new Pending(command, json, result, cancellationToken));
        if (Interlocked.Exchange(ref flushScheduled, 1) == 0)
            schedule(Flush);
        return cancellationToken.CanBeCanceled ? result.Task.WaitAsync(cancellationToken) : result.Task; // see StoreBatch: no lingering registration
    }

    /// <summary>One flush drains at a time: a flush scheduled while another drains waits for it, then drains what is left.</summary>
    readonly object draining = new();

    void Flush()
    {
        lock (draining) Drain();
    }

    void Drain()
    {
        // Reset before draining: a command queued after this line schedules the next flush itself.
        Volatile.Write(ref flushScheduled, 0);
        while (!queue.IsEmpty)
        {
            var batch = new List<Pending>();
            var bytes = 2;
            while (batch.Count < maxCommands && queue.TryPeek(out var peeked) && (batch.Count == 0 || bytes + peeked.Json.Length + 1 <= MaxBatchBytes))
            {
                if (!queue.TryDequeue(out var next)) break; // the only consumer drains: the peeked one is there
                if (next.Cancellation.IsCancellationRequested)
                {
                    next.Result.TrySetCanceled(next.Cancellation); // dropped: its caller already saw the cancellation
                    continue;
                }
                batch.Add(next);
                bytes += next.Json.Length + 1;
            }
            if (batch.Count > 0) _ = SendBatchAsync(batch);
        }
    }

    async Task SendBatchAsync(List<Pending> batch)
    {
        try
        {
            if (batch.Count == 1)
            {
                batch[0].Result.TrySetResult(await connection.ExecuteAsync(batch[0].Command, CancellationToken.None).ConfigureAwait(false));
                return;
            }
            var commands = batch.Select(p => p.Command).ToList();
            var results = await connection.SendBatchAsync(RestProtocol.JoinBatch(batch.Select(p => p.Json).ToList()), batch.Count,
                transaction: false, CommandTraits.AreRetryable(commands), CancellationToken.None).ConfigureAwait(false);
            StoreBatch.Complete(batch.Select(p => p.Result).ToList(), results);
        }
        catch (Exception e)
        {
            foreach (var p in batch) p.Result.TrySetException(e);
        }
    }
}
