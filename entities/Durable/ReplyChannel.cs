using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.DurableTask.Client.Entities;
using Microsoft.DurableTask.Entities;

namespace Serverless.Store.Durable;

/// <summary>
/// The one way the store waits for "the entity's stored state shows X": a reply under a request id
/// (key writes, chains, restore, the pub/sub registry's updates), a key unlocked (reads of a key a
/// chain holds), a stream that grew (blocking reads). A caller registers what it waits for before it
/// signals, so nothing it waits for can be missed; the state is seen only once stored, so what a
/// caller is answered is durable and visible to every later read.
/// <para>
/// Two ways to learn of a stored state, behind the same call: with <see cref="CommitsNotified"/> the
/// host calls <see cref="Committed"/> right after it stored an entity batch (the standalone host's
/// worker), and a slow poll covers batches stored by another process; without (the Functions host,
/// where the worker does not see commits), one poll loop per watched entity reads its state at 2, 4,
/// 8... ms, at most <see cref="MaxPollDelay"/> apart, for every caller waiting on that entity at once.
/// </para>
/// </summary>
public sealed class ReplyChannel(DurableEntityClient entities, bool commitsNotified, TimeProvider? time = null)
{
    readonly DurableEntityClient entities = entities;
    readonly TimeProvider time = time ?? TimeProvider.System;
    readonly ConcurrentDictionary<string, Watch> watches = new(StringComparer.Ordinal);
    long polls;

    /// <summary>True when the host reports stored entity batches through <see cref="Committed"/>.</summary>
    public bool CommitsNotified { get; } = commitsNotified;

    /// <summary>How long a wait lasts before it gives up (the request it waits for may still be applied).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Ends waits when storage is found down (the store sets it): they answer 503 at once, not at the timeout.</summary>
    public Api.StorageOutage? Outage { get; set; }

    /// <summary>The polls' longest interval: the latency a poller adds at most, against storage reads.</summary>
    public TimeSpan MaxPollDelay { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>State reads the poll loops made (benchmarks divide it by the writes they waited for).</summary>
    public long Polls => Interlocked.Read(ref polls);

    TimeSpan FirstDelay => CommitsNotified ? TimeSpan.FromMilliseconds(250) : TimeSpan.FromMilliseconds(2);
    TimeSpan MaxDelay => CommitsNotified ? TimeSpan.FromSeconds(1) : MaxPollDelay;

    /// <summary>
    /// The host's hook: an entity batch was stored, and this is the entity's stored state. It runs on
    /// the worker's completion path, so it never throws (a waiter it cannot serve still has the poll).
    /// </summary>
    public void Committed(string instanceId, string? serializedState)
    {
        if (!watches.TryGetValue(instanceId, out var watch)) return;
        try
        {
            watch.Offer(serializedState, committed: true);
        }
        catch (Exception)
        {
            // A state this process cannot read: the waiters' poll reads it again.
        }
    }

    /// <summary>
    /// Waits until <paramref name="probe"/> finds what it looks for in a stored state of
    /// <paramref name="entity"/> (null state = no entity), after running <paramref name="send"/> (the
    /// signal that will make it so; null when the caller only waits). <paramref name="what"/> names the
    /// wait in the timeout's message.
    /// </summary>
    public async Task<T> AwaitAsync<TState, T>(EntityInstanceId entity, Func<TState?, T?> probe, Func<Task>? send, string what,
        CancellationToken cancellation) where T : class
    {
        var waiter = new Waiter<TState, T>(probe);
        var watch = Attach(entity, waiter);
        try
        {
            if (send is not null) await send();
            watch.Kick();
            var down = Outage?.WhileUp ?? CancellationToken.None;
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellation, down);
            try
            {
                return await waiter.Task.WaitAsync(Timeout, time, linked.Token);
            }
            catch (OperationCanceledException) when (down.IsCancellationRequested && !cancellation.IsCancellationRequested)
            {
                throw new Api.StorageUnavailableException($"storage became unavailable while {what} to entity {entity} was awaited; it may still be applied once storage answers");
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"{what} was sent to entity {entity} but did not show in its stored state within {Timeout.TotalSeconds:F0} s; it may still be applied");
            }
        }
        finally
        {
            Detach(watch, waiter);
        }
    }

    /// <summary>
    /// Completes at the next stored state of <paramref name="entity"/> this process learns of: a
    /// commit, or a poll that read a state other than the first one it read (blocking reads).
    /// </summary>
    public async Task NextChangeAsync(EntityInstanceId entity, CancellationToken cancellation)
    {
        var waiter = new ChangeWaiter();
        var watch = Attach(entity, waiter);
        try
        {
            watch.Kick();
            await waiter.Task.WaitAsync(cancellation);
        }
        finally
        {
            Detach(watch, waiter);
        }
    }

    Watch Attach(EntityInstanceId entity, IWaiter waiter)
    {
        var instanceId = entity.ToString();
        while (true)
        {
            var watch = watches.GetOrAdd(instanceId, _ => new Watch(this, entity, instanceId));
            if (watch.TryAdd(waiter)) return watch;
        }
    }

    void Detach(Watch watch, IWaiter waiter)
    {
        if (watch.RemoveAndCloseIfEmpty(waiter)) watches.TryRemove(new KeyValuePair<string, Watch>(watch.InstanceId, watch));
    }

    interface IWaiter
    {
        /// <summary>
        /// Looks at a stored state (<paramref name="committed"/>: just committed, else read by a poll);
        /// <paramref name="parsed"/> caches its deserialization for the other waiters.
        /// </summary>
        void Offer(string? serialized, bool committed, ref object? parsed);
    }

    sealed class Waiter<TState, T>(Func<TState?, T?> probe) : IWaiter where T : class
    {
        readonly TaskCompletionSource<T> done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<T> Task => done.Task;

        public void Offer(string? serialized, bool committed, ref object? parsed)
        {
            if (done.Task.IsCompleted) return;
            TState? state;
            if (serialized is null) state = default;
            else if (parsed is TState cached) state = cached;
            else
            {
                try { state = JsonSerializer.Deserialize<TState>(serialized); }
                catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException or FormatException)
                {
                    return; // not what this waiter reads: the next state may be
                }
                parsed = state;
            }
            try
            {
                if (probe(state) is { } found) done.TrySetResult(found);
            }
            catch (Exception e)
            {
                done.TrySetException(e);
            }
        }
    }

    /// <summary>Waits for a commit, or for a poll that reads another state than the first poll did (blocking reads).</summary>
    sealed class ChangeWaiter : IWaiter
    {
        readonly TaskCompletionSource done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        readonly Lock gate = new();
        string? first;
        bool polled;

        public Task Task => done.Task;

        public void Offer(string? serialized, bool committed, ref object? parsed)
        {
            if (committed)
            {
                done.TrySetResult();
                return;
            }
            lock (gate)
            {
                if (!polled)
                {
                    polled = true;
                    first = serialized;
                    return;
                }
            }
            if (!string.Equals(serialized, first, StringComparison.Ordinal)) done.TrySetResult();
        }
    }

    /// <summary>The callers waiting on one entity, and the poll loop that reads its state for all of them.</summary>
    sealed class Watch(ReplyChannel channel, EntityInstanceId entity, string instanceId)
    {
        readonly List<IWaiter> waiters = [];
        bool closed, polling;
        TimeSpan delay;
        TaskCompletionSource wake = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string InstanceId => instanceId;

        public bool TryAdd(IWaiter waiter)
        {
            lock (waiters)
            {
                if (closed) return false;
                waiters.Add(waiter);
                return true;
            }
        }

        public bool RemoveAndCloseIfEmpty(IWaiter waiter)
        {
            lock (waiters)
            {
                waiters.Remove(waiter);
                if (waiters.Count > 0) return false;
                closed = true;
                wake.TrySetResult();
                return true;
            }
        }

        public void Offer(string? serialized, bool committed)
        {
            IWaiter[] now;
            lock (waiters) now = waiters.ToArray();
            object? parsed = null;
            foreach (var waiter in now) waiter.Offer(serialized, committed, ref parsed);
        }

        /// <summary>A new caller waits: poll soon (again from the shortest interval), starting the loop if none runs.</summary>
        public void Kick()
        {
            lock (waiters)
            {
                delay = channel.FirstDelay;
                if (polling)
                {
                    wake.TrySetResult();
                    return;
                }
                polling = true;
            }
            _ = Task.Run(PollAsync);
        }

        async Task PollAsync()
        {
            while (true)
            {
                TimeSpan wait;
                Task woken;
                lock (waiters)
                {
                    if (closed || waiters.Count == 0)
                    {
                        polling = false;
                        return;
                    }
                    wait = delay;
                    delay = delay * 2 < channel.MaxDelay ? delay * 2 : channel.MaxDelay;
                    if (wake.Task.IsCompleted) wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
                    woken = wake.Task;
                }
                await Task.WhenAny(Task.Delay(wait, channel.time), woken);
                lock (waiters)
                    if (closed) continue;
                string? serialized;
                try
                {
                    Interlocked.Increment(ref channel.polls);
                    var metadata = await channel.entities.GetEntityAsync(entity, includeState: true);
                    serialized = metadata?.State?.Value;
                }
                catch (Exception e)
                {
                    // Storage unreachable (the SDK's retries spent): the outage ends every wait at once (503).
                    channel.Outage?.Failed(e);
                    continue; // a large state is a blob the backend replaces on every write: a read can fail once
                }
                Offer(serialized, committed: false);
            }
        }
    }
}
