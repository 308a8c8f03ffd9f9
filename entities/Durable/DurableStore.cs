using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Client.Entities;
using Serverless.Store.Api;
using Serverless.Store.Commands;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;

namespace Serverless.Store.Durable;

/// <summary>
/// The store over Durable Task: routes each command by the command table.
/// <list type="bullet">
/// <item>no key (PING, ECHO, TIME...): evaluated here.</item>
/// <item>read-only, one key: the entity's state is read (no queue hop) and the command evaluated here.</item>
/// <item>write, one key: runs in the key's entity. By default the caller signals the entity and
/// awaits the reply the entity stores in its state (<see cref="KeyRecord"/>); or, with
/// <see cref="SingleKeyWritePath.Orchestration"/>, through <see cref="WriteOrchestration"/>, which
/// carries the reply back (docs/durable-store.md, "Reply path", compares them).</item>
/// <item>several keys: <see cref="LockedOrchestration"/> (atomic, isolated).</item>
/// <item>whole keyspace (KEYS, SCAN, DBSIZE, RANDOMKEY, FLUSHALL): an entity query (by the
/// pattern's literal prefix where there is one) loaded into memory and evaluated by the engine.</item>
/// </list>
/// The only dependency is <see cref="DurableTaskClient"/>, so Functions and the standalone host share it.
/// </summary>
public sealed partial class DurableStore(DurableTaskClient client, TimeProvider? time = null) : IStore
{
    readonly TimeProvider time = time ?? TimeProvider.System;

    /// <summary>Purge each write orchestration's history once it has answered (off the reply path).</summary>
    public bool PurgeCompletedOrchestrations { get; init; } = true;

    /// <summary>How single-key writes get their reply.</summary>
    public SingleKeyWritePath WritePath { get; init; } = SingleKeyWritePath.SignalAndAwait;

    /// <summary>
    /// True when the host calls <see cref="EntityCommitted"/> after every entity batch it stores
    /// (the standalone host does): a signalled write then waits for that instead of polling,
    /// with a slow poll kept for batches run by another process.
    /// </summary>
    public bool CommitsNotified { get; init; }

    /// <summary>How long a signalled write waits for its reply before giving up (it may still be applied).</summary>
    public TimeSpan ReplyTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The host services that serve <see cref="CommandFlags.Service"/> commands (pub/sub, snapshots).</summary>
    public IReadOnlyList<ICommandService> Services { get; init; } = [];

    /// <summary>INFO persistence's numbers, from the host's snapshot service when it has one.</summary>
    public Func<PersistenceStats?>? PersistenceStats { get; init; }

    readonly ConcurrentDictionary<string, TaskCompletionSource<Reply[]>> replyWaiters = new(StringComparer.Ordinal);

    long NowMs => time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>
    /// What commands without keys see (PING, INFO...): no keys, and for INFO's expired_keys the
    /// keys this process's entity worker deleted on expiry (<see cref="KeyEntity.ExpiredKeysDeleted"/>).
    /// </summary>
    sealed class LocalKeyspace : IEnumerableKeyspace
    {
        public KeyState? Get(byte[] key) => null;
        public void Set(byte[] key, KeyState state) { }
        public void Remove(byte[] key) { }
        public IEnumerable<KeyValuePair<byte[], KeyState>> Entries => [];
        public void Clear() { }
    }

    sealed class LocalStats(Func<PersistenceStats?>? persistence, KeyspaceStats? keyspace = null) : IServerStats
    {
        public long ExpiredKeys => KeyEntity.ExpiredKeysDeleted;
        public PersistenceStats? Persistence => persistence?.Invoke();
        public KeyspaceStats? Keyspace => keyspace; // counted for an INFO that prints it (DurableStore.Info.cs)
    }

    /// <summary>Runs one command and returns Redis's reply (errors are error replies).</summary>
    public async Task<Reply> ExecuteAsync(byte[][] args, CancellationToken cancellation = default)
    {
        if (BlockingRead(args) is { } block) return await BlockingReadAsync(args, block, cancellation); // XREAD/XREADGROUP BLOCK
        var route = Classify(args);
        switch (route.Kind)
        {
            case RouteKind.Local:
                return route.Reply ?? Engine.Execute(await LocalContextAsync(args, cancellation), args);
            case RouteKind.SingleKey:
                return route.IsWrite
                    ? (await WriteAsync(route.EntityKey!, [args], cancellation))[0]
                    : (await ReadAsync(route.Key!, route.EntityKey!, [args], cancellation))[0];
            case RouteKind.MultiKey:
                return (await LockedAsync([args], cancellation))[0];
            case RouteKind.Service:
                return await ServiceAsync(route.Spec!, args, cancellation);
            default:
                return await WholeKeyspaceAsync(route.Spec!, args, cancellation);
        }
    }

    /// <summary>
    /// Many commands in order, not atomic. Between commands that span keys (which run alone, in
    /// order), the commands for one key go to it as one batch, and different keys run in parallel.
    /// </summary>
    public async Task<IReadOnlyList<Reply>> PipelineAsync(IReadOnlyList<byte[][]> batch, CancellationToken cancellation = default)
    {
        var commands = batch as byte[][][] ?? batch.ToArray();
        var replies = new Reply[commands.Length];
        var i = 0;
        while (i < commands.Length)
        {
            var groups = new Dictionary<string, KeyGroup>(StringComparer.Ordinal);
            for (; i < commands.Length; i++)
            {
                var route = Classify(commands[i]);
                if (route.Kind == RouteKind.Local)
                {
                    replies[i] = route.Reply ?? Engine.Execute(await LocalContextAsync(commands[i], cancellation), commands[i]);
                    continue;
                }
                if (route.Kind != RouteKind.SingleKey) break;
                if (!groups.TryGetValue(route.EntityKey!, out var group))
                    groups[route.EntityKey!] = group = new KeyGroup(route.Key!, route.EntityKey!);
                group.Indexes.Add(i);
                group.IsWrite |= route.IsWrite;
            }

            await Task.WhenAll(groups.Values.Select(async g =>
            {
                var batch = g.Indexes.Select(x => commands[x]).ToArray();
                var result = g.IsWrite
                    ? await WriteAsync(g.EntityKey, batch, cancellation)
                    : await ReadAsync(g.Key, g.EntityKey, batch, cancellation);
                for (var j = 0; j < result.Length; j++) replies[g.Indexes[j]] = result[j];
            }));

            if (i < commands.Length)
            {
                replies[i] = await ExecuteAsync(commands[i], cancellation);
                i++;
            }
        }
        return replies;
    }

    /// <summary>
    /// MULTI/EXEC: all commands atomically, each with its own reply (a runtime error fails only its
    /// command). An unknown command or a wrong number of arguments anywhere discards the whole
    /// transaction, as Redis does at EXEC: the reply is then the EXECABORT error.
    /// </summary>
    public async Task<Reply> TransactionAsync(IReadOnlyList<byte[][]> batch, CancellationToken cancellation = default)
    {
        if (Transaction.Validate(batch) is { } abort) return abort;
        var commands = batch as byte[][][] ?? batch.ToArray();
        return Reply.Array(await TransactionRepliesAsync(commands, cancellation));
    }

    async Task<Reply[]> TransactionRepliesAsync(byte[][][] commands, CancellationToken cancellation)
    {
        var wholeKeyspace = commands.Any(c => CommandTable.Find(c[0])!.Flags.HasFlag(CommandFlags.WholeKeyspace));
        var readOnly = commands.All(c => !CommandTable.Find(c[0])!.IsWrite);
        var keys = LockedOrchestration.KeysOf(commands); // throws for a key too long
        if (keys.Count == 0 && !wholeKeyspace)
        {
            var local = new CommandContext(new LocalKeyspace(), NowMs) { Server = new LocalStats(PersistenceStats) };
            return commands.Select(c => Engine.Execute(local, c)).ToArray();
        }
        if (keys.Count == 1 && !wholeKeyspace)
        {
            // One entity operation is already atomic; a read-only one needs only its state.
            return readOnly
                ? await ReadAsync(EntityKeys.FromEntityKey(keys[0]), keys[0], commands, cancellation)
                : await WriteAsync(keys[0], commands, cancellation);
        }
        return await LockedAsync(commands, cancellation);
    }

    async Task<Reply[]> ReadAsync(byte[] key, string entityKey, byte[][][] commands, CancellationToken cancellation)
    {
        var keyspace = new SingleKeyspace(key, await ReadStateAsync(entityKey, cancellation));
        var ctx = new CommandContext(keyspace, NowMs);
        return commands.Select(c => Engine.Execute(ctx, c)).ToArray();
    }

    Task<Reply[]> WriteAsync(string entityKey, byte[][][] commands, CancellationToken cancellation) =>
        WritePath == SingleKeyWritePath.Orchestration
            ? RunOrchestrationAsync(WriteOrchestration.Name,
                new WriteRequest { Key = entityKey, Commands = new CommandBatch(commands) }, cancellation)
            : SubmitAsync(entityKey, commands, cancellation);

    /// <summary>
    /// Signal + await: signals the key entity's <c>submit</c> with a fresh request id and waits
    /// until a stored state of the entity holds the reply under that id. The reply is only visible
    /// once the state holding it is stored, so the write is durable and every later read sees it.
    /// Waits for the host's commit notification when there is one, else polls the stored state
    /// (2, 4, 8... ms, at most 50 ms apart).
    /// </summary>
    async Task<Reply[]> SubmitAsync(string entityKey, byte[][][] commands, CancellationToken cancellation)
    {
        var id = SubmitRequest.NewId();
        var waiter = new TaskCompletionSource<Reply[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (CommitsNotified) replyWaiters[id] = waiter; // before the signal, so the commit cannot be missed
        try
        {
            await SignalAsync(entityKey, new Outgoing(new SubmitRequest { Id = id, Commands = new CommandBatch(commands) }));
            var started = time.GetTimestamp();
            var delay = CommitsNotified ? 250 : 2;
            var maxDelay = CommitsNotified ? 1000 : 50;
            while (true)
            {
                using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
                var poll = Task.Delay(delay, timer.Token);
                if (await Task.WhenAny(waiter.Task, poll) == waiter.Task)
                {
                    timer.Cancel();
                    return await waiter.Task;
                }
                cancellation.ThrowIfCancellationRequested();
                if ((await ReadRecordAsync(entityKey, cancellation))?.FindReply(id) is { } stored) return stored.Replies;
                if (time.GetElapsedTime(started) > ReplyTimeout)
                    throw new TimeoutException(
                        $"a write to key entity {entityKey} was sent but its reply did not come within {ReplyTimeout.TotalSeconds:F0} s; it may still be applied");
                delay = Math.Min(delay * 2, maxDelay);
            }
        }
        finally
        {
            if (CommitsNotified) replyWaiters.TryRemove(id, out _);
        }
    }

    /// <summary>
    /// Group send: the requests for one key that arrive while a signal to it is being sent go
    /// together in the next signal, so a hot key costs one queue message (and one delete) per
    /// group rather than per write. The entity still runs and answers each request on its own.
    /// </summary>
    Task SignalAsync(string entityKey, Outgoing request)
    {
        var box = outboxes.GetOrAdd(entityKey, _ => new Outbox());
        bool start;
        lock (box)
        {
            box.Pending.Add(request);
            start = !box.Sending;
            box.Sending = true;
        }
        if (start) _ = Task.Run(() => DrainAsync(entityKey, box));
        return request.Sent.Task;
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
                await client.Entities.SignalEntityAsync(KeyEntity.Id(entityKey), KeyEntity.Submit,
                    group.Select(o => o.Request).ToArray());
                foreach (var o in group) o.Sent.TrySetResult();
            }
            catch (Exception e)
            {
                foreach (var o in group) o.Sent.TrySetException(e);
            }
        }
    }

    /// <summary>Keeps a signal well under the queue's 64 KB message limit for small commands.</summary>
    const int MaxRequestsPerSignal = 64;

    readonly ConcurrentDictionary<string, Outbox> outboxes = new(StringComparer.Ordinal);

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

    /// <summary>
    /// Called by a host right after an entity batch was stored, with the entity's stored state as
    /// the backend serialized it: completes the signalled writes whose replies it holds.
    /// </summary>
    public void EntityCommitted(string instanceId, string? serializedState)
    {
        SignalCommit(instanceId);
        if (replyWaiters.IsEmpty || serializedState is null || !EntityKeys.IsKeyInstanceId(instanceId)) return;
        KeyRecord? record;
        try { record = JsonSerializer.Deserialize<KeyRecord>(serializedState); }
        catch (JsonException) { return; } // the slow poll still finds the reply
        if (record?.Replies is null) return;
        foreach (var reply in record.Replies)
            if (replyWaiters.TryGetValue(reply.Id, out var waiter)) waiter.TrySetResult(reply.Replies);
    }

    Task<Reply[]> LockedAsync(byte[][][] commands, CancellationToken cancellation) =>
        RunOrchestrationAsync(LockedOrchestration.Name, new CommandBatch(commands), cancellation);

    async Task<Reply[]> RunOrchestrationAsync(string name, object input, CancellationToken cancellation)
    {
        var id = await client.ScheduleNewOrchestrationInstanceAsync(name, input, cancellation);
        var done = await client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, cancellation);
        if (done.RuntimeStatus != OrchestrationRuntimeStatus.Completed)
            throw new InvalidOperationException(
                $"orchestration {name} {id} ended {done.RuntimeStatus}: {done.FailureDetails?.ErrorMessage}");
        var output = done.ReadOutputAs<ReplyBatch>() ?? throw new InvalidOperationException($"orchestration {id} returned nothing");
        if (PurgeCompletedOrchestrations) _ = PurgeAsync(id);
        if (output.Writes.Length > 0) await Task.WhenAll(output.Writes.Select(w => EnsureStoredAsync(w, cancellation)));
        return output.Replies;
    }

    /// <summary>
    /// The backend sends an entity's replies before it stores the entity's new state, so a read
    /// right after a reply could see the old state. Wait (briefly: this is milliseconds) until the
    /// stored state is no longer the one before the write. Bounded, because a later delete and
    /// re-create can bring the same version back.
    /// </summary>
    async Task EnsureStoredAsync(WriteStamp write, CancellationToken cancellation)
    {
        if (write.Before == write.After) return;
        var delay = 2;
        for (var waited = 0; waited < MaxVisibilityWaitMs; waited += delay, delay = Math.Min(delay * 2, 50))
        {
            if ((await ReadStateAsync(write.Key, cancellation))?.Version != write.Before) return;
            await Task.Delay(delay, cancellation);
        }
    }

    const int MaxVisibilityWaitMs = 2000;

    /// <summary>
    /// A key's stored state. A large state lives in a blob that the backend replaces on every
    /// write, so a read racing a write can fail once: it is retried.
    /// </summary>
    async Task<KeyState?> ReadStateAsync(string entityKey, CancellationToken cancellation) =>
        (await ReadRecordAsync(entityKey, cancellation))?.Key;

    async Task<KeyRecord?> ReadRecordAsync(string entityKey, CancellationToken cancellation)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var entity = await client.Entities.GetEntityAsync<KeyRecord>(KeyEntity.Id(entityKey), includeState: true, cancellation);
                return entity?.State;
            }
            catch (Exception) when (attempt < 4 && !cancellation.IsCancellationRequested)
            {
                await Task.Delay(10 * attempt, cancellation);
            }
        }
    }

    async Task PurgeAsync(string instanceId)
    {
        try { await client.PurgeInstanceAsync(instanceId); }
        catch (Exception) { /* history left behind costs storage only; a sweep can purge it later */ }
    }

    async Task<Reply> WholeKeyspaceAsync(CommandSpec spec, byte[][] args, CancellationToken cancellation)
    {
        byte[] prefix = [];
        try
        {
            if (spec.Name == "keys") prefix = EntityKeys.LiteralPrefix(args[1]);
            else if (spec.Name == "scan" && Scan.Parse(args, 1, allowType: true).Pattern is { } pattern)
                prefix = EntityKeys.LiteralPrefix(pattern);
        }
        catch (RedisException e)
        {
            return Reply.Error(e.Message);
        }

        var flush = spec.Name is "flushall" or "flushdb";
        var keyspace = new MemoryKeyspace();
        var entityKeys = new List<string>();
        var now = NowMs;
        var query = new EntityQuery
        {
            InstanceIdStartsWith = EntityKeys.InstanceIdPrefixFor(prefix),
            IncludeState = true,
            PageSize = 1000,
        };
        await foreach (var entity in client.Entities.GetAllEntitiesAsync<KeyRecord>(query).WithCancellation(cancellation))
        {
            if (entity.State?.Key is not { } state) continue; // no key, only replies to recent writes
            entityKeys.Add(entity.Id.Key);
            if (!state.IsExpired(now)) keyspace.Set(EntityKeys.FromEntityKey(entity.Id.Key), state);
        }

        var reply = Engine.Execute(new CommandContext(keyspace, now), spec, args);
        if (flush && reply is not ErrorReply && entityKeys.Count > 0)
            await RunFlushAsync(entityKeys.ToArray(), cancellation);
        return reply;
    }

    Task<Reply> ServiceAsync(CommandSpec spec, byte[][] args, CancellationToken cancellation)
    {
        foreach (var service in Services)
            if (service.Serves == spec.Service) return service.ExecuteAsync(args, cancellation);
        return Task.FromResult(Reply.Error($"ERR '{spec.Name}' is not available: this host has no service for it"));
    }

    async Task RunFlushAsync(string[] entityKeys, CancellationToken cancellation)
    {
        var id = await client.ScheduleNewOrchestrationInstanceAsync(FlushOrchestration.Name, entityKeys, cancellation);
        var done = await client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: false, cancellation);
        if (done.RuntimeStatus != OrchestrationRuntimeStatus.Completed)
            throw new InvalidOperationException($"FLUSHALL orchestration {id} ended {done.RuntimeStatus}");
        if (PurgeCompletedOrchestrations) _ = PurgeAsync(id);
    }

    enum RouteKind { Local, SingleKey, MultiKey, WholeKeyspace, Service }

    sealed record Route(RouteKind Kind, CommandSpec? Spec = null, byte[]? Key = null, string? EntityKey = null,
        bool IsWrite = false, Reply? Reply = null);

    sealed class KeyGroup(byte[] key, string entityKey)
    {
        public byte[] Key { get; } = key;
        public string EntityKey { get; } = entityKey;
        public List<int> Indexes { get; } = [];
        public bool IsWrite { get; set; }
    }

    /// <summary>Where a command runs, by its table entry and the distinct keys it names.</summary>
    static Route Classify(byte[][] args)
    {
        var spec = args.Length == 0 ? null : CommandTable.Find(args[0]);
        if (spec is null || !spec.ArityOk(args.Length)) return new Route(RouteKind.Local);
        if (spec.Flags.HasFlag(CommandFlags.WholeKeyspace)) return new Route(RouteKind.WholeKeyspace, spec);
        if (spec.Route == CommandRoute.Service) return new Route(RouteKind.Service, spec);
        var positions = spec.KeyPositions(args);
        if (positions.Count == 0) return new Route(RouteKind.Local, spec);
        byte[]? first = null;
        var single = true;
        foreach (var p in positions)
        {
            if (!EntityKeys.TryToEntityKey(args[p], out _))
                return new Route(RouteKind.Local, spec, Reply: Reply.Error(EntityKeys.TooLongError));
            first ??= args[p];
            single &= Bytes.Comparer.Equals(first, args[p]);
        }
        if (!single) return new Route(RouteKind.MultiKey, spec);
        return new Route(RouteKind.SingleKey, spec, first, EntityKeys.ToEntityKey(first!), spec.IsWrite);
    }
}

/// <summary>How a single-key write travels to its key entity and gets its reply back.</summary>
public enum SingleKeyWritePath
{
    /// <summary>Signal the entity, await the reply it stores in its state (the default: faster, batches on a hot key).</summary>
    SignalAndAwait,

    /// <summary>A <c>write</c> orchestration calls the entity and carries the reply (kept for comparison).</summary>
    Orchestration,
}
