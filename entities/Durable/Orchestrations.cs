using Microsoft.DurableTask;
using Microsoft.DurableTask.Entities;
using Serverless.Store.Commands;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;

namespace Serverless.Store.Durable;

/// <summary>
/// A single-key write whose reply the caller awaits: calls the key entity's <c>run</c> and
/// returns its replies. The entity applies the commands; the orchestration only carries the reply.
/// </summary>
public sealed class WriteOrchestration : TaskOrchestrator<WriteRequest, ReplyBatch>
{
    public const string Name = "write";

    public override Task<ReplyBatch> RunAsync(TaskOrchestrationContext context, WriteRequest input) =>
        context.Entities.CallEntityAsync<ReplyBatch>(KeyEntity.Id(input.Key), "run", input.Commands);
}

/// <summary>
/// Multi-key commands and MULTI/EXEC: locks every key the commands name, reads their states,
/// runs the commands in order on those states with the engine (a runtime error fails only its
/// own command, as in Redis), writes back the keys that changed, releases the locks.
/// Atomic and isolated: no other operation reaches a locked key in between.
/// </summary>
public sealed class LockedOrchestration : TaskOrchestrator<CommandBatch, ReplyBatch>
{
    public const string Name = "locked";

    public override async Task<ReplyBatch> RunAsync(TaskOrchestrationContext context, CommandBatch input)
    {
        var keys = KeysOf(input.Commands);
        var ids = keys.Select(KeyEntity.Id).ToArray();
        var replies = new Reply[input.Commands.Length];
        var stamps = new List<WriteStamp>();
        await using (await context.Entities.LockEntitiesAsync(ids))
        {
            var states = await Task.WhenAll(ids.Select(id => context.Entities.CallEntityAsync<KeyState?>(id, "get")));
            var versionsBefore = states.Select(s => s?.Version).ToArray(); // the engine bumps versions in place
            var keyspace = new LockedKeyspace();
            for (var i = 0; i < keys.Count; i++) keyspace.Load(keys[i], states[i]);

            // Replays must compute the same thing: time and randomness come from the orchestration.
            var now = new DateTimeOffset(context.CurrentUtcDateTime).ToUnixTimeMilliseconds();
            var random = new Random(context.NewGuid().GetHashCode());
            var notifications = KeyspaceNotifications.Current;
            var events = new List<KeyspaceEvent>();
            for (var i = 0; i < replies.Length; i++)
            {
                var ctx = new CommandContext(keyspace, now, random) { RecordEvents = notifications.Enabled };
                replies[i] = Engine.Execute(ctx, input.Commands[i]);
                events.AddRange(notifications.Filter(ctx.Events));
            }

            var writes = new List<Task>();
            foreach (var (key, state) in keyspace.Changes())
            {
                writes.Add(context.Entities.CallEntityAsync(KeyEntity.Id(key), "put", state));
                stamps.Add(new WriteStamp(key, versionsBefore[keys.IndexOf(key)], state?.Version));
            }
            await Task.WhenAll(writes);
            // After the puts were answered: the keys' entities have applied them (docs/pubsub.md).
            if (events.Count > 0)
                await context.Entities.SignalEntityAsync(KeyspaceEventSink.Id, KeyspaceEventSink.Notify, KeyspaceEventBatch.Of(events));
        }
        return new ReplyBatch(replies, stamps.ToArray());
    }

    /// <summary>Every distinct key the commands name (per the command table), as entity keys.</summary>
    public static List<string> KeysOf(byte[][][] commands)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var keys = new List<string>();
        foreach (var args in commands)
        {
            if (args.Length == 0) continue;
            var spec = CommandTable.Find(args[0]);
            if (spec is null || !spec.ArityOk(args.Length)) continue;
            foreach (var i in spec.KeyPositions(args))
            {
                var key = EntityKeys.ToEntityKey(args[i]);
                if (seen.Add(key)) keys.Add(key);
            }
        }
        return keys;
    }
}

/// <summary>FLUSHALL: deletes every listed key entity.</summary>
public sealed class FlushOrchestration : TaskOrchestrator<string[], int>
{
    public const string Name = "flush";

    public override async Task<int> RunAsync(TaskOrchestrationContext context, string[] input)
    {
        await Task.WhenAll(input.Select(k => context.Entities.CallEntityAsync(KeyEntity.Id(k), "delete")));
        return input.Length;
    }
}

/// <summary>The locked keys of a transaction; remembers which ones changed.</summary>
sealed class LockedKeyspace : IKeyspace
{
    readonly Dictionary<byte[], KeyState?> states = new(Bytes.Comparer);
    readonly HashSet<byte[]> changed = new(Bytes.Comparer);
    readonly List<byte[]> changeOrder = []; // a HashSet's order varies by process; replays need the same order

    public void Load(string entityKey, KeyState? state) => states[EntityKeys.FromEntityKey(entityKey)] = state;

    public KeyState? Get(byte[] key) =>
        states.TryGetValue(key, out var state) ? state
        : throw new RedisException("ERR internal: a transaction touched a key it did not lock");

    public void Set(byte[] key, KeyState state)
    {
        Get(key);
        states[key] = state;
        if (changed.Add(key)) changeOrder.Add(key);
    }

    public void Remove(byte[] key)
    {
        if (Get(key) is null) return;
        states[key] = null;
        if (changed.Add(key)) changeOrder.Add(key);
    }

    public IEnumerable<(string Key, KeyState? State)> Changes() =>
        changeOrder.Select(k => (EntityKeys.ToEntityKey(k), states[k]));
}
