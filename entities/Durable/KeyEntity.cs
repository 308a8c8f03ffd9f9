using Microsoft.DurableTask.Entities;
using Serverless.Store.Commands;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;

namespace Serverless.Store.Durable;

/// <summary>
/// One Redis key as a durable entity; its state is the key's <see cref="KeyState"/> (no state =
/// the key does not exist). Operations:
/// <list type="bullet">
/// <item><c>run</c> (<see cref="CommandBatch"/> -> <see cref="ReplyBatch"/>): runs commands on this key in
/// order with <see cref="Engine.Execute(CommandContext, byte[][])"/> (a pipeline's same-key commands
/// come as one batch).</item>
/// <item><c>get</c> (-> KeyState or null) and <c>put</c> (KeyState or null to delete): used by the
/// locked orchestration inside its critical section.</item>
/// <item><c>expire</c> (version): a self-scheduled signal that deletes the key at its expiry
/// time, unless the key was written since (then the version differs).</item>
/// <item><c>delete</c>: removes the key (FLUSHALL).</item>
/// </list>
/// Implemented on ITaskEntity rather than TaskEntity&lt;KeyState&gt; to avoid reflection dispatch
/// and to keep a missing key as "no state" instead of an empty KeyState.
/// </summary>
public sealed class KeyEntity : ITaskEntity
{
    public const string Name = EntityKeys.EntityName;

    public static EntityInstanceId Id(byte[] key) => new(Name, EntityKeys.ToEntityKey(key));

    public static EntityInstanceId Id(string entityKey) => new(Name, entityKey);

    public ValueTask<object?> RunAsync(TaskEntityOperation operation)
    {
        var state = operation.State.GetState<KeyState>();
        switch (operation.Name.ToLowerInvariant())
        {
            case "run":
                return new(Run(operation, state));
            case "get":
                return new(state);
            case "put":
                var next = operation.HasInput ? operation.GetInput<KeyState>() : null;
                operation.State.SetState(next);
                ScheduleExpiry(operation, state, next);
                return default;
            case "expire":
                var version = operation.GetInput<long>();
                var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                if (state is not null && state.Version == version && state.ExpiresAt is { } at)
                {
                    if (at <= now) operation.State.SetState(null);
                    else ScheduleExpiry(operation, null, state); // delivered early: try again then
                }
                return default;
            case "delete":
                operation.State.SetState(null);
                return default;
            default:
                throw new NotSupportedException($"key entity has no operation '{operation.Name}'");
        }
    }

    static ReplyBatch Run(TaskEntityOperation operation, KeyState? state)
    {
        var batch = operation.GetInput<CommandBatch>() ?? CommandBatch.Of();
        var key = EntityKeys.FromEntityKey(operation.Context.Id.Key);
        var before = state?.Version;
        var expiresBefore = state?.ExpiresAt;
        var keyspace = new SingleKeyspace(key, state);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var replies = new Reply[batch.Commands.Length];
        for (var i = 0; i < replies.Length; i++)
        {
            var args = batch.Commands[i];
            replies[i] = keyspace.Accepts(args)
                ? Engine.Execute(new CommandContext(keyspace, now), args)
                : Reply.Error("ERR internal: command sent to the entity of another key");
        }
        if (!keyspace.Changed) return new ReplyBatch(replies);
        operation.State.SetState(keyspace.State);
        if (keyspace.State?.ExpiresAt is { } at && (at != expiresBefore || before != keyspace.State.Version))
            ScheduleExpiry(operation, null, keyspace.State);
        return new ReplyBatch(replies, [new WriteStamp(operation.Context.Id.Key, before, keyspace.State?.Version)]);
    }

    /// <summary>
    /// Lazy expiry makes an expired key read as missing; this signal also frees its storage. It
    /// carries the version, so an older schedule never deletes a key written again since.
    /// </summary>
    static void ScheduleExpiry(TaskEntityOperation operation, KeyState? before, KeyState? after)
    {
        if (after?.ExpiresAt is not { } at) return;
        if (before is not null && before.ExpiresAt == at && before.Version == after.Version) return;
        operation.Context.SignalEntity(operation.Context.Id, "expire", after.Version,
            new SignalEntityOptions { SignalTime = DateTimeOffset.FromUnixTimeMilliseconds(at) });
    }
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
