using Serverless.Store.Commands;
using System.Collections.Concurrent;
using Microsoft.DurableTask.Client.Entities;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;

namespace Serverless.Store.Durable;

/// <summary>
/// The write path for one key: a request signalled to the key's entity under a fresh id, its replies
/// read from the entity's stored state through the <see cref="ReplyChannel"/>. Requests for one key
/// that arrive while a signal to it is being sent go together in the next signal, so a hot key costs
/// one queue message (and one delete) per group rather than per write; the entity still runs and
/// answers each request on its own.
/// </summary>
public sealed class KeyWrites(DurableEntityClient entities, ReplyChannel channel, Func<ServerSettings?> settings)
{
    /// <summary>Keeps a signal well under the queue's 64 KB message limit for small commands.</summary>
    const int MaxRequestsPerSignal = 64;

    readonly ConcurrentDictionary<string, Outbox> outboxes = new(StringComparer.Ordinal);

    /// <summary>Runs commands atomically on one key's entity; one reply per command.</summary>
    public Task<Reply[]> SubmitAsync(string entityKey, CommandBatch commands, CancellationToken cancellation, ScriptReach? reach = null)
    {
        var request = new SubmitRequest { Id = SubmitRequest.NewId(), Commands = commands, Reach = reach, Settings = settings() };
        return channel.AwaitAsync<KeyRecord, Reply[]>(KeyEntity.Id(entityKey), record => record?.FindReply(request.Id)?.Replies,
            () => SendAsync(entityKey, request), "a write", cancellation);
    }

    /// <summary>Puts a key's state as it is (null deletes the key): restore. Completes once it is stored.</summary>
    public Task LoadAsync(byte[] key, KeyState? state, CancellationToken cancellation)
    {
        var entityKey = EntityKeys.EntityOf(key);
        return LoadAsync(entityKey, new LoadRequest { Key = EntityKeys.IsGroup(entityKey) ? key : null, State = state }, cancellation);
    }

    /// <summary>A <c>load</c> (restore, FLUSHALL) under a fresh id; completes once it is stored.</summary>
    public Task LoadAsync(string entityKey, LoadRequest request, CancellationToken cancellation)
    {
        request.Id = SubmitRequest.NewId();
        return channel.AwaitAsync<KeyRecord, StoredReply>(KeyEntity.Id(entityKey), record => record?.FindReply(request.Id),
            () => entities.SignalEntityAsync(KeyEntity.Id(entityKey), KeyEntity.Load, request, cancellation: cancellation),
            "a restored or deleted key", cancellation);
    }

    Task SendAsync(string entityKey, SubmitRequest request)
    {
        var box = outboxes.GetOrAdd(entityKey, _ => new Outbox());
        var sent = new Outgoing(request);
        bool start;
        lock (box)
        {
            box.Pending.Add(sent);
            start = !box.Sending;
            box.Sending = true;
        }
        if (start) _ = Task.Run(() => DrainAsync(entityKey, box));
        return sent.Sent.Task;
    }

    async Task DrainAsync(string entityKey, Outbox box)
    {
        while (true)
        {
            List<Outgoing> group;
            lock (box)
            {
                if (box.Pending.Count == 0)
                {
                    box.Sending = false;
                    outboxes.TryRemove(new KeyValuePair<string, Outbox>(entityKey, box)); // a caller still adding to it starts its own drain
                    return;
                }
                var take = Math.Min(box.Pending.Count, MaxRequestsPerSignal);
                group = box.Pending.GetRange(0, take);
                box.Pending.RemoveRange(0, take);
            }
            try
            {
                // Not the callers' cancellation: the signal carries other callers' writes too.
                await entities.SignalEntityAsync(KeyEntity.Id(entityKey), KeyEntity.Submit, group.Select(o => o.Request).ToArray());
                foreach (var o in group) o.Sent.TrySetResult();
            }
            catch (Exception e)
            {
                foreach (var o in group) o.Sent.TrySetException(e);
            }
        }
    }

    sealed class Outbox
    {
        public List<Outgoing> Pending { get; } = [];
        public bool Sending { get; set; }
    }

    sealed class Outgoing(SubmitRequest request)
    {
        public SubmitRequest Request { get; } = request;
        public TaskCompletionSource Sent { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
