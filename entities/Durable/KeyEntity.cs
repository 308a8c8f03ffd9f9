using System.Text.Json;
using Microsoft.DurableTask.Entities;
using Serverless.Store.Commands;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;

namespace Serverless.Store.Durable;

/// <summary>
/// One Redis key as a durable entity; its state is a <see cref="KeyRecord"/>. No state at all =
/// missing key, nothing pending. Operations (all signalled; callers read their replies from the
/// stored record through the <see cref="ReplyChannel"/>):
/// <list type="bullet">
/// <item><c>submit</c> (<see cref="SubmitRequest"/>[]): runs each request's commands on the key with
/// the engine and stores the replies under the request's id. An id already in the record is not
/// run again. One signal carries the requests of every caller in a process that wrote the key meanwhile.</item>
/// <item><c>step</c> (<see cref="ChainStep"/>): a multi-key command or transaction passing through.
/// Before the last participant: lock the key, add its state, pass the step on. The last participant:
/// run the commands on every participant's state (they are all locked), store its own key and the
/// replies, and send the others their <c>commit</c>.</item>
/// <item><c>commit</c> (<see cref="ChainCommit"/>): store the new state the chain computed, unlock,
/// then run what waited.</item>
/// <item><c>load</c> (<see cref="LoadRequest"/>): put a state as it is, or delete the key (restore, FLUSHALL).</item>
/// <item><c>expire</c> (version): a self-scheduled signal that deletes the key at its expiry time,
/// unless the key was written since (then the version differs).</item>
/// <item><c>trim</c>: self-scheduled when the key is gone but replies remain; drops old replies,
/// and the whole state once none is left.</item>
/// </list>
/// While a chain holds the key locked, every other operation is kept in the record
/// (<see cref="KeyRecord.Deferred"/>) and run, in order, once the chain's commit arrives: that is
/// the isolation of multi-key commands and MULTI/EXEC, without an orchestration.
/// Implemented on ITaskEntity rather than TaskEntity&lt;KeyRecord&gt; to avoid reflection dispatch.
/// </summary>
public sealed class KeyEntity : ITaskEntity
{
    public const string Name = EntityKeys.EntityName;
    public const string Submit = "submit", Step = "step", Forward = "forward", Commit = "commit", Load = "load", Trim = "trim";
    /// <summary>Deletes the key if its version is the input's and its expiry is past; returns whether it did.</summary>
    public const string Expire = "expire";

    public static EntityInstanceId Id(string entityKey) => new(Name, entityKey);

    /// <summary>The entity that holds a key (its own, or its hash tag's).</summary>
    public static EntityInstanceId Id(byte[] key) => new(Name, EntityKeys.EntityOf(key));

    public ValueTask<object?> RunAsync(TaskEntityOperation operation)
    {
        var run = new OperationRun(operation);
        var result = run.Dispatch(operation.Name.ToLowerInvariant(), operation.HasInput ? operation.GetInput<JsonElement>() : null);
        run.Store();
        return new(result);
    }

    /// <summary>One operation on the record: the record as loaded, what changed, and the signals to send.</summary>
    sealed class OperationRun
    {
        readonly TaskEntityOperation operation;
        readonly KeyRecord record;
        readonly string entityKey;
        /// <summary>A hash tag's entity (several keys side by side) rather than one key's own.</summary>
        readonly bool group;
        /// <summary>The entity's own key (an entity of one key); null for a group.</summary>
        readonly byte[]? ownKey;
        readonly long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        bool? trimPending;

        public OperationRun(TaskEntityOperation operation)
        {
            this.operation = operation;
            entityKey = operation.Context.Id.Key;
            group = EntityKeys.IsGroup(entityKey);
            ownKey = group ? null : EntityKeys.Unescape(entityKey);
            // A new record's number starts from the clock, so one deleted and made again does not repeat the old numbers.
            record = operation.State.GetState<KeyRecord>() ?? new KeyRecord { Seq = now * 1000 };
        }

        public object? Dispatch(string name, JsonElement? input)
        {
            // A key that is gone but still holds replies already has a trim signal on its way.
            trimPending ??= !record.HasKeys && record.Replies is not null;
            if (record.LockedBy is { } holder && name != Commit && name != Forward)
            {
                if (name == Step && Read<ChainStep>(input).Id == holder) return null; // the step that locked it, redelivered
                (record.Deferred ??= []).Add(new DeferredOperation(name, input));
                return null;
            }
            switch (name)
            {
                case Submit:
                    foreach (var request in Read<SubmitRequest[]>(input))
                    {
                        if (record.FindReply(request.Id) is not null) continue; // a redelivered signal: already applied
                        record.AddReply(new StoredReply(request.Id, now, RunCommands(request)), now);
                    }
                    return null;
                case Step:
                    RunStep(Read<ChainStep>(input));
                    return null;
                case Forward:
                    // The lock this entity took for the chain is stored (this is a later batch): only now
                    // may the chain go on. A forward whose lock was lost with a killed worker finds none
                    // and is dropped; the step itself comes back with the queue and locks again.
                    var forward = Read<ChainStep>(input);
                    if (record.LockedBy == forward.Id) operation.Context.SignalEntity(Id(forward.Keys[forward.Index]), Step, forward);
                    return null;
                case Commit:
                    ApplyCommit(Read<ChainCommit>(input));
                    return null;
                case Load:
                    var load = Read<LoadRequest>(input);
                    if (record.FindReply(load.Id) is not null) return null;
                    if (load.All)
                        foreach (var (key, _) in record.Keys(entityKey).ToList()) SetState(key, null);
                    else SetState(load.Key ?? ownKey!, load.State);
                    record.AddReply(new StoredReply(load.Id, now, []), now);
                    return null;
                case Expire:
                    var expire = Read<ExpireRequest>(input);
                    return ExpireIfDue(expire.Key ?? ownKey!, expire.Version);
                case Trim:
                    record.Trim(now);
                    trimPending = false;
                    return null;
                default:
                    throw new NotSupportedException($"key entity has no operation '{name}'");
            }
        }

        static T Read<T>(JsonElement? input) =>
            (input is { } json ? json.Deserialize<T>() : default) ?? throw new InvalidOperationException($"missing {typeof(T).Name}");

        /// <summary>
        /// The keys of this entity that commands name, and that a script run asked for (<paramref name="reach"/>),
        /// each once; an entity of one key: that key.
        /// </summary>
        byte[][] KeysNamedBy(IEnumerable<CommandPlan> plans, ScriptReach? reach)
        {
            if (!group) return [ownKey!];
            var keys = new List<byte[]>();
            foreach (var key in plans.SelectMany(p => p.Keys).Concat(reach?.Keys ?? []))
                if (EntityKeys.EntityOf(key) == entityKey && !keys.Exists(k => Bytes.Comparer.Equals(k, key)))
                    keys.Add(key);
            return [.. keys];
        }

        /// <summary>
        /// The keyspace a request runs on. Commands change states in place (APPEND, LPUSH, HSET...): a
        /// hash tag's entity hands them copies, so <see cref="GroupLimits.Refusal"/> compares against the
        /// states as they were and a refused request leaves the record untouched (<see cref="KeyLimits.Run"/>
        /// copies a key itself when a command may take it past the value limit).
        /// </summary>
        EntityKeyspace Keyspace(byte[][] keys, ScriptReach? reach) =>
            EntityKeyspace.Of(keys, keys.Select(k => group ? record.StateOf(k, group)?.Clone() : record.StateOf(k, group)).ToArray(), reach?.Listing == true);

        /// <summary>Runs a request's commands on this entity's keys (a <c>submit</c>); stores the keys they changed.</summary>
        Reply[] RunCommands(SubmitRequest request)
        {
            var plans = request.Commands.Commands.Select(CommandPlan.Of).ToArray();
            var keyspace = Keyspace(KeysNamedBy(plans, request.Reach), request.Reach);
            var budget = new KeyLimits.Budget(keyspace);
            var notifications = request.Settings?.Notifications ?? KeyspaceNotifications.Current;
            var config = ConfigOf(request.Settings);
            var replies = new Reply[plans.Length];
            List<KeyspaceEvent>? events = null;
            for (var i = 0; i < replies.Length; i++)
            {
                var ctx = ScriptReach.Context(request.Reach, keyspace, now, null, notifications.Enabled, config: config);
                var plan = plans[i];
                replies[i] = keyspace.Holds(plan) ? KeyLimits.Run(plan, keyspace, budget, ctx, () => plan.Execute(ctx)) : Reply.Error("ERR internal: command sent to the entity of another key");
                if (ctx.Events is not null) (events ??= []).AddRange(notifications.Filter(ctx.Events));
            }
            // A script that needs keys this request did not bring changes nothing: the caller runs it again with them.
            if (ScriptReach.NeedsKeys(replies)) return replies;
            if (GroupLimits.Refusal(record, keyspace, group && !EntityKeys.IsLongKey(entityKey)) is { } refusal) return [.. replies.Select(_ => refusal)];
            if (events is not null) KeyspaceEventSink.Publish(operation.Context, events, request.Settings);
            StoreChanges(keyspace);
            return replies;
        }

        void StoreChanges(EntityKeyspace keyspace)
        {
            for (var i = 0; i < keyspace.Count; i++)
                if (keyspace.Changed(i)) SetState(keyspace.KeyAt(i), keyspace.StateOf(i), keyspace.ScheduledBefore(i));
        }

        void RunStep(ChainStep step)
        {
            if (record.FindReply(step.Id) is not null) return; // done already: a redelivered step
            var plans = step.Commands.Commands.Select(CommandPlan.Of).ToArray();
            var mine = KeysNamedBy(plans, step.Reach);
            var last = step.Keys.Length - 1;
            if (step.Index < last)
            {
                record.LockedBy = step.Id;
                record.Seq++;
                step.Held.AddRange(mine.Select(k => new HeldKey(k, record.StateOf(k, group))));
                step.Index++;
                // Not to the next key yet: the backend sends a batch's messages before it stores the
                // batch's state, so a worker killed in between would leave the chain running on with
                // this lock never stored (its commit then ignored here, and the step's redelivery
                // locking this key for a chain that has ended: a lock nothing releases). A signal to
                // itself goes on in the next batch, once the lock is stored (tests/tools/crash.sh).
                operation.Context.SignalEntity(operation.Context.Id, Forward, step);
                return;
            }

            // The last participant: every other key is locked and its state is in the step.
            var keyspace = EntityKeyspace.Of([.. step.Held.Select(h => h.Key), .. mine],
                [.. step.Held.Select(h => h.State), .. mine.Select(k => record.StateOf(k, group))], step.Reach?.Listing == true);
            var budget = new KeyLimits.Budget(keyspace);
            var notifications = step.Settings?.Notifications ?? KeyspaceNotifications.Current;
            var config = ConfigOf(step.Settings);
            var random = new Random(step.Seed);
            var replies = new Reply[plans.Length];
            var events = new List<KeyspaceEvent>();
            for (var i = 0; i < replies.Length; i++)
            {
                var ctx = ScriptReach.Context(step.Reach, keyspace, step.NowMs, random, notifications.Enabled, config: config);
                var plan = plans[i];
                replies[i] = keyspace.Holds(plan) ? KeyLimits.Run(plan, keyspace, budget, ctx, () => plan.Execute(ctx)) : Reply.Error("ERR internal: a transaction touched a key it did not lock");
                events.AddRange(notifications.Filter(ctx.Events));
            }
            if (ScriptReach.NeedsKeys(replies))
            {
                // A script asked for keys the chain does not hold: nothing changes, every participant unlocks.
                for (var j = 0; j < last; j++)
                    operation.Context.SignalEntity(Id(step.Keys[j]), Commit, new ChainCommit { Id = step.Id });
                record.AddReply(new StoredReply(step.Id, now, replies), now);
                return;
            }
            // Each earlier participant gets the changes to its own keys (the held keys are in step order).
            var changes = new Dictionary<string, List<HeldKey>>(StringComparer.Ordinal);
            for (var i = 0; i < step.Held.Count; i++)
                if (keyspace.Changed(i))
                {
                    var owner = EntityKeys.EntityOf(keyspace.KeyAt(i));
                    (changes.TryGetValue(owner, out var list) ? list : changes[owner] = []).Add(new HeldKey(keyspace.KeyAt(i), keyspace.StateOf(i)));
                }
            for (var j = 0; j < last; j++)
                operation.Context.SignalEntity(Id(step.Keys[j]), Commit,
                    new ChainCommit { Id = step.Id, Changes = changes.GetValueOrDefault(step.Keys[j]) ?? [], Entities = step.Keys });
            KeyspaceEventSink.Publish(operation.Context, events, step.Settings);
            for (var i = step.Held.Count; i < keyspace.Count; i++)
                if (keyspace.Changed(i)) SetState(keyspace.KeyAt(i), keyspace.StateOf(i), keyspace.ScheduledBefore(i));
            record.AddReply(new StoredReply(step.Id, now, replies), now);
        }

        void ApplyCommit(ChainCommit commit)
        {
            // A commit for another chain (or for none) is a redelivered one whose chain ended already.
            if (record.LockedBy != commit.Id) return;
            foreach (var change in commit.Changes) SetState(change.Key, change.State);
            if (commit.Changes.Count > 0 && commit.Entities is { } entities)
                record.Committed = new ChainMark { Id = commit.Id, Entities = entities, AtMs = now };
            record.LockedBy = null;
            record.Seq++;
            // Marks the chain done here, so a redelivered step of it is not taken for a new one.
            record.AddReply(new StoredReply(commit.Id, now, []), now);
            while (record.LockedBy is null && record.Deferred is { Count: > 0 } waiting)
            {
                var next = waiting[0];
                waiting.RemoveAt(0);
                if (waiting.Count == 0) record.Deferred = null;
                Dispatch(next.Name, next.Input);
            }
        }

        object? ExpireIfDue(byte[] key, long version)
        {
            var state = record.StateOf(key, group);
            if (state is null || state.Version != version || state.NextExpiry is not { } at) return false;
            if (at > now)
            {
                ScheduleExpiry(operation, key, group, null, state, indexed: true); // delivered early (or chained): try again then
                return false;
            }
            if (!state.IsExpired(now)) return ExpireFields(key);
            record.Put(key, null, group);
            record.Seq++;
            // An entity of one key leaves no state behind, replies too (docs/durable-store.md, "TTL",
            // on the redelivery caveat this accepts); a group keeps its other keys.
            if (!record.HasKeys) record.Replies = null;
            Interlocked.Increment(ref expiredKeysDeleted);
            KeyspaceEventSink.Publish(operation.Context, [new KeyspaceEvent('x', "expired", key)]);
            return true;
        }

        /// <summary>
        /// A hash's fields are due: the engine's lazy field expiry removes them, as any access would
        /// (events <c>hexpired</c>, and <c>del</c> when no field is left), so expired fields leave
        /// storage without being read; the next field's expiry is scheduled in turn.
        /// </summary>
        bool ExpireFields(byte[] key)
        {
            var keyspace = Keyspace([key], null);
            var notifications = KeyspaceNotifications.Current;
            var ctx = ScriptReach.Context(null, keyspace, now, null, notifications.Enabled);
            ctx.Lookup(key);
            if (ctx.Events is not null) KeyspaceEventSink.Publish(operation.Context, notifications.Filter(ctx.Events));
            StoreChanges(keyspace);
            if (!record.HasKeys) record.Replies = null; // the hash went with its last field: as an expired key, nothing stays
            return true;
        }

        /// <summary>
        /// Stores a new state of a key (null = deleted) and schedules its expiry. <paramref name="scheduled"/>
        /// is the key's schedule before the request ran (commands change states in place, so the record's
        /// state may already be the new one); without it, the record's state is the old one.
        /// </summary>
        void SetState(byte[] key, KeyState? state, ExpirySchedule? scheduled = null)
        {
            scheduled ??= ExpirySchedule.Of(record.StateOf(key, group));
            record.Put(key, state, group);
            record.Seq++;
            ScheduleExpiry(operation, key, group, scheduled, state);
        }

        /// <summary>
        /// Stores the record (no state when it holds nothing). An entity without keys that still holds
        /// replies gets a <c>trim</c> signal after the retention, so it does not stay behind forever.
        /// </summary>
        public void Store()
        {
            operation.State.SetState(record.IsEmpty ? null : record);
            if (!record.HasKeys && record.LockedBy is null && record.Replies is { Count: > 0 } replies && trimPending != true)
                operation.Context.SignalEntity(operation.Context.Id, Trim, null, new SignalEntityOptions
                {
                    SignalTime = DateTimeOffset.FromUnixTimeMilliseconds(replies[0].AtMs + KeyRecord.ReplyRetentionMs + 1),
                });
        }
    }

    /// <summary>
    /// Lazy expiry makes an expired key read as missing; this signal also frees its storage. It
    /// carries the version, so an older schedule never deletes a key written again since.
    /// </summary>
    static void ScheduleExpiry(TaskEntityOperation operation, byte[] key, bool group, ExpirySchedule? before, KeyState? after, bool indexed = false)
    {
        // The key's expiry, or sooner a hash field's (Redis 7.4's field TTLs leave storage the same way).
        if (after?.NextExpiry is not { } at) return;
        if (before is { } was && was.Due == at && was.Version == after.Version) return;
        // Azure Storage queues hide a message for at most 7 days: a farther expiry is reached by a
        // chain of signals, each at most MaxSignalDelay out (an early one reschedules itself).
        var signalAt = Math.Min(at, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + (long)MaxSignalDelay.TotalMilliseconds);
        if (SelfExpiry)
            operation.Context.SignalEntity(operation.Context.Id, Expire, new ExpireRequest { Key = group ? key : null, Version = after.Version },
                new SignalEntityOptions { SignalTime = DateTimeOffset.FromUnixTimeMilliseconds(signalAt) });
        // The sweep's index: the bucket of this expiry lists the key (once per expiry it gets), escaped.
        if (!indexed)
            operation.Context.SignalEntity(ExpiryIndex.BucketId(at), ExpiryIndex.Add, EntityKeys.EscapeBytes(key));
    }

    static long expiredKeysDeleted;

    /// <summary>CONFIG RESETSTAT: this process's count starts again at 0.</summary>
    public static void ResetExpiredKeys() => Interlocked.Exchange(ref expiredKeysDeleted, 0);

    /// <summary>The settings a request brought, as commands read them (null: Redis's defaults).</summary>
    static IServerConfig? ConfigOf(ServerSettings? settings) => settings is null ? null : new MemoryServerConfig(settings);

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

/// <summary>
/// The keys an entity operation may touch: its own key, or for the last participant of a chain
/// every participant's key (all locked). Remembers which ones changed.
/// </summary>
class EntityKeyspace(byte[][] keys, KeyState?[] states) : IKeyspace
{
    readonly bool[] changed = new bool[keys.Length];

    /// <summary>Each key's expiry schedule before the request (taken now: commands change the states in place).</summary>
    readonly ExpirySchedule?[] scheduledBefore = states.Select(ExpirySchedule.Of).ToArray();

    public ExpirySchedule? ScheduledBefore(int i) => scheduledBefore[i];

    /// <summary>The keys and their states; listable (<see cref="ListedKeyspace"/>) when a script's listing was resolved for it.</summary>
    public static EntityKeyspace Of(byte[][] keys, KeyState?[] states, bool listing) =>
        listing ? new ListedKeyspace(keys, states) : new EntityKeyspace(keys, states);

    public int Count => keys.Length;

    public bool Changed(int i) => changed[i];

    public byte[] KeyAt(int i) => keys[i];

    public KeyState? StateOf(int i) => states[i];

    /// <summary>Puts a state in place of key <paramref name="i"/>'s, with whether it counts as changed (<see cref="KeyLimits.Run"/>'s copies).</summary>
    public void Put(int i, KeyState? state, bool isChanged)
    {
        states[i] = state;
        changed[i] = isChanged;
    }

    /// <summary>Where the keys are in this keyspace (keys it does not hold are left out).</summary>
    public int[] IndexesOf(IEnumerable<byte[]> named) => [.. named.Select(IndexOf).Where(i => i >= 0)];

    /// <summary>True when every key the command names is one of these (the engine answers unknown commands itself).</summary>
    public bool Holds(CommandPlan plan)
    {
        foreach (var k in plan.Keys)
            if (IndexOf(k) < 0) return false;
        return true;
    }

    int IndexOf(byte[] key)
    {
        for (var i = 0; i < keys.Length; i++)
            if (Bytes.Comparer.Equals(keys[i], key)) return i;
        return -1;
    }

    int Require(byte[] key) => IndexOf(key) is var i and >= 0 ? i : throw new UndeclaredKeyException(key);

    public KeyState? Get(byte[] key) => states[Require(key)];

    public void Set(byte[] key, KeyState state)
    {
        var i = Require(key);
        states[i] = state;
        changed[i] = true;
    }

    public void Remove(byte[] key)
    {
        var i = Require(key);
        if (states[i] is null) return;
        states[i] = null;
        changed[i] = true;
    }
}

/// <summary>
/// An entity keyspace a script may list (KEYS, SCAN): the keys it holds are the ones the store
/// listed for the script's patterns and the ones it names, so listing them lists what it asked for.
/// </summary>
sealed class ListedKeyspace(byte[][] keys, KeyState?[] states) : EntityKeyspace(keys, states), IEnumerableKeyspace
{
    public IEnumerable<KeyValuePair<byte[], KeyState>> Entries
    {
        get
        {
            for (var i = 0; i < Count; i++)
                if (StateOf(i) is { } state) yield return new(KeyAt(i), state);
        }
    }

    public void Clear()
    {
        for (var i = 0; i < Count; i++) Remove(KeyAt(i));
    }
}

/// <summary>When a key's expiry signal was due (its own expiry or a hash field's) for which version of it.</summary>
readonly record struct ExpirySchedule(long? Due, long Version)
{
    public static ExpirySchedule? Of(KeyState? state) => state is null ? null : new(state.NextExpiry, state.Version);
}
