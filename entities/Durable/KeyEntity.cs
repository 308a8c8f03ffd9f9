using Microsoft.DurableTask.Entities;
using Serverless.Store.Commands;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;

namespace Serverless.Store.Durable;

/// <summary>
/// One Redis key as a durable entity; its state is a <see cref="KeyRecord"/>: the key's
/// <see cref="KeyState"/> (null = the key does not exist) and the replies to recent signalled
/// writes. No state at all = missing key, nothing pending. Operations:
/// <list type="bullet">
/// <item><c>submit</c> (<see cref="SubmitRequest"/>[], signalled): runs each request's commands like
/// <c>run</c> and stores its replies in the record under its request id, where the caller reads
/// them (signal + await, the default path of single-key writes). A request id already in the
/// record is not run again. One signal carries the requests of every caller in a process that
/// wrote the key meanwhile.</item>
/// <item><c>run</c> (<see cref="CommandBatch"/> -> <see cref="ReplyBatch"/>, called by the <c>write</c>
/// orchestration): runs commands on this key in order with
/// <see cref="Engine.Execute(CommandContext, byte[][])"/> (a pipeline's same-key commands come as one batch).</item>
/// <item><c>get</c> (-> KeyState or null) and <c>put</c> (KeyState or null to delete): used by the
/// locked orchestration inside its critical section.</item>
/// <item><c>expire</c> (version): a self-scheduled signal that deletes the key at its expiry
/// time, unless the key was written since (then the version differs).</item>
/// <item><c>trim</c>: self-scheduled when the key is gone but replies remain; drops old replies,
/// and the whole state once none is left.</item>
/// <item><c>delete</c>: removes the key (FLUSHALL).</item>
/// </list>
/// Implemented on ITaskEntity rather than TaskEntity&lt;KeyRecord&gt; to avoid reflection dispatch.
/// </summary>
public sealed class KeyEntity : ITaskEntity
{
    public const string Name = EntityKeys.EntityName;
    public const string Submit = "submit";
    /// <summary>Deletes the key if its version is the input's and its expiry is past; returns whether it did.</summary>
    public const string Expire = "expire";

    public static EntityInstanceId Id(byte[] key) => new(Name, EntityKeys.ToEntityKey(key));

    public static EntityInstanceId Id(string entityKey) => new(Name, entityKey);

    public ValueTask<object?> RunAsync(TaskEntityOperation operation)
    {
        var record = operation.State.GetState<KeyRecord>() ?? new KeyRecord();
        var state = record.Key;
        // A key that is gone but still holds replies already has a trim signal on its way.
        var trimPending = state is null && record.Replies is not null;
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        switch (operation.Name.ToLowerInvariant())
        {
            case Submit:
                foreach (var request in operation.GetInput<SubmitRequest[]>() ?? [])
                {
                    if (record.FindReply(request.Id) is not null) continue; // a redelivered signal: already applied
                    var replies = Execute(operation, record, request.Commands, now, out _);
                    record.AddReply(new StoredReply(request.Id, now, replies), now);
                }
                Store(operation, record, trimPending);
                return default;
            case "run":
                var result = Execute(operation, record, operation.GetInput<CommandBatch>() ?? CommandBatch.Of(), now, out var stamp);
                if (stamp is null) return new(new ReplyBatch(result));
                Store(operation, record, trimPending);
                return new(new ReplyBatch(result, [stamp.Value]));
            case "get":
                return new(state);
            case "put":
                record.Key = operation.HasInput ? operation.GetInput<KeyState>() : null;
                Store(operation, record, trimPending);
                ScheduleExpiry(operation, state, record.Key);
                return default;
            case Expire:
                var version = operation.GetInput<long>();
                if (state is not null && state.Version == version && state.ExpiresAt is { } at)
                {
                    if (at <= now)
                    {
                        // Gone from storage, replies too: an expired key leaves no state behind
                        // (docs/durable-store.md, "TTL", on the redelivery caveat this accepts).
                        operation.State.SetState(null);
                        Interlocked.Increment(ref expiredKeysDeleted);
                        Publish(operation, [new KeyspaceEvent('x', "expired", EntityKeys.FromEntityKey(operation.Context.Id.Key))]);
                        return new(true);
                    }
                    ScheduleExpiry(operation, null, state, indexed: true); // delivered early (or chained): try again then
                }
                return new(false);
            case "trim":
                record.Trim(now);
                Store(operation, record, trimPending: false);
                return default;
            case "delete":
                record.Key = null;
                Store(operation, record, trimPending);
                return default;
            default:
                throw new NotSupportedException($"key entity has no operation '{operation.Name}'");
        }
    }

    /// <summary>
    /// Runs the commands on the record's key and updates <see cref="KeyRecord.Key"/>; the stamp is
    /// set when the key changed (the caller must then store the record).
    /// </summary>
    static Reply[] Execute(TaskEntityOperation operation, KeyRecord record, CommandBatch batch, long now, out WriteStamp? stamp)
    {
        var state = record.Key;
        var key = EntityKeys.FromEntityKey(operation.Context.Id.Key);
        var before = state?.Version;
        var expiresBefore = state?.ExpiresAt;
        var keyspace = new SingleKeyspace(key, state);
        var replies = new Reply[batch.Commands.Length];
        var notifications = KeyspaceNotifications.Current;
        List<KeyspaceEvent>? events = null;
        for (var i = 0; i < replies.Length; i++)
        {
            var args = batch.Commands[i];
            var ctx = new CommandContext(keyspace, now) { RecordEvents = notifications.Enabled };
            replies[i] = keyspace.Accepts(args)
                ? Engine.Execute(ctx, args)
                : Reply.Error("ERR internal: command sent to the entity of another key");
            if (ctx.Events is not null) (events ??= []).AddRange(notifications.Filter(ctx.Events));
        }
        if (events is not null) Publish(operation, events);
        stamp = null;
        if (!keyspace.Changed) return replies;
        record.Key = keyspace.State;
        if (keyspace.State?.ExpiresAt is { } at && (at != expiresBefore || before != keyspace.State.Version))
            ScheduleExpiry(operation, null, keyspace.State);
        stamp = new WriteStamp(operation.Context.Id.Key, before, keyspace.State?.Version);
        return replies;
    }

    /// <summary>
    /// Keyspace notifications are published from the entity, not by the caller that got the reply:
    /// the entity is the one place every write passes (signalled writes, the write orchestration,
    /// expiry by its own signal or by the sweep), and a signal it emits leaves with the batch's
    /// commit, so an event goes out only for a write that was stored (a retried commit can repeat
    /// it). The registry entity, which holds the subscriptions, sends them; signals from one entity
    /// to another arrive in order, so a key's events keep their order.
    /// </summary>
    internal static void Publish(TaskEntityOperation operation, List<KeyspaceEvent> events)
    {
        if (events.Count > 0)
            operation.Context.SignalEntity(KeyspaceEventSink.Id, KeyspaceEventSink.Notify, KeyspaceEventBatch.Of(events));
    }

    /// <summary>
    /// Stores the record (no state when it holds nothing). A missing key that still holds replies
    /// gets a <c>trim</c> signal after the retention, so its entity does not stay behind forever.
    /// </summary>
    static void Store(TaskEntityOperation operation, KeyRecord record, bool trimPending)
    {
        operation.State.SetState(record.IsEmpty ? null : record);
        if (record.Key is null && record.Replies is { Count: > 0 } replies && !trimPending)
            operation.Context.SignalEntity(operation.Context.Id, "trim", null, new SignalEntityOptions
            {
                SignalTime = DateTimeOffset.FromUnixTimeMilliseconds(replies[0].AtMs + KeyRecord.ReplyRetentionMs + 1),
            });
    }

    /// <summary>
    /// Lazy expiry makes an expired key read as missing; this signal also frees its storage. It
    /// carries the version, so an older schedule never deletes a key written again since.
    /// </summary>
    static void ScheduleExpiry(TaskEntityOperation operation, KeyState? before, KeyState? after, bool indexed = false)
    {
        if (after?.ExpiresAt is not { } at) return;
        if (before is not null && before.ExpiresAt == at && before.Version == after.Version) return;
        // Azure Storage queues hide a message for at most 7 days: a farther expiry is reached by a
        // chain of signals, each at most MaxSignalDelay out (an early one reschedules itself).
        var signalAt = Math.Min(at, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + (long)MaxSignalDelay.TotalMilliseconds);
        if (SelfExpiry)
            operation.Context.SignalEntity(operation.Context.Id, Expire, after.Version,
                new SignalEntityOptions { SignalTime = DateTimeOffset.FromUnixTimeMilliseconds(signalAt) });
        // The sweep's index: the bucket of this expiry lists the key (once per expiry it gets).
        if (!indexed)
            operation.Context.SignalEntity(ExpiryIndex.BucketId(at), ExpiryIndex.Add, operation.Context.Id.Key);
    }

    static long expiredKeysDeleted;

    /// <summary>
    /// Keys this process's entity worker deleted on expiry (INFO expired_keys). Per process, not
    /// durable: it restarts at 0 with the process, and an entity batch the backend retries after a
    /// failed commit may count a deletion twice.
    /// </summary>
    public static long ExpiredKeysDeleted => Interlocked.Read(ref expiredKeysDeleted);

    /// <summary>Tests only: false leaves expired keys to the sweep (ExpirySweep), to count what it deletes.</summary>
    public static volatile bool SelfExpiry = true;

    /// <summary>Farthest a self-scheduled signal goes (the backend's queues allow 7 days).</summary>
    public static readonly TimeSpan MaxSignalDelay = TimeSpan.FromDays(6);
}

/// <summary>The keyspace an entity offers the engine: its own key, nothing else.</summary>
sealed class SingleKeyspace(byte[] key, KeyState? state) : IKeyspace
{
    public KeyState? State { get; private set; } = state;
    public bool Changed { get; private set; }

    public bool Accepts(byte[][] args)
    {
        var spec = CommandTable.Find(args[0]);
        if (spec is null) return true; // the engine answers "unknown command"
        foreach (var i in spec.KeyPositions(args))
            if (!Bytes.Comparer.Equals(args[i], key)) return false;
        return true;
    }

    public KeyState? Get(byte[] k) => Bytes.Comparer.Equals(k, key) ? State : null;

    public void Set(byte[] k, KeyState s)
    {
        if (!Bytes.Comparer.Equals(k, key)) throw new InvalidOperationException("entity keyspace holds one key");
        State = s;
        Changed = true;
    }

    public void Remove(byte[] k)
    {
        if (!Bytes.Comparer.Equals(k, key)) return;
        if (State is not null) Changed = true;
        State = null;
    }
}
