using Serverless.Store.Commands;
using Serverless.Store.Protocol;

namespace Serverless.Store.Durable;

/// <summary>How the durable store serves one command: one executor per route.</summary>
public enum StoreRoute
{
    /// <summary>No key, or a command that cannot run (its refusal): evaluated in process.</summary>
    Local,
    /// <summary>Reads one key: its entity's stored state, no queue hop (<see cref="KeyReads"/>).</summary>
    KeyRead,
    /// <summary>Writes one key: a request to its entity, the reply read from its stored state (<see cref="KeyWrites"/>).</summary>
    KeyWrite,
    /// <summary>Reads several keys: a consistent read of their stored states (<see cref="KeyReads"/>).</summary>
    MultiKeyRead,
    /// <summary>Writes several keys: a lock chain through their entities (<see cref="Chains"/>).</summary>
    MultiKeyWrite,
    /// <summary>The whole keyspace: an entity query (<see cref="KeyspaceQueries"/>).</summary>
    Keyspace,
    /// <summary>A host service (<see cref="ICommandService"/>).</summary>
    Service,
    /// <summary>
    /// Runs a script (EVAL, EVALSHA, FCALL...): with what it calls from the catalog, read or written
    /// like the commands above by the keys it names, and again with the keys it reached for
    /// (<see cref="DurableStore"/>'s RunOnKeysAsync).
    /// </summary>
    Script,
}

/// <summary>
/// One command as the durable store runs it, made once from its <see cref="CommandPlan"/>: the route
/// and the entity keys of the keys it names (distinct, sorted for multi-key routes). Every stage
/// after this takes the plan; nothing looks the command up again.
/// </summary>
public sealed class StorePlan
{
    StorePlan(CommandPlan command, StoreRoute route, string[] entityKeys, ErrorReply? refusal)
    {
        Command = command;
        Route = route;
        EntityKeys = entityKeys;
        Refusal = refusal;
    }

    public CommandPlan Command { get; }
    public StoreRoute Route { get; }

    /// <summary>The entities of the keys the command names (keys with one hash tag share one): one for the key routes, sorted for the multi-key ones.</summary>
    public string[] EntityKeys { get; }

    /// <summary>Why the command is answered without running: the engine's refusal, or a key too long for an entity id.</summary>
    public ErrorReply? Refusal { get; }

    public static StorePlan Of(CommandPlan command)
    {
        if (command.Refusal is { } refusal) return new(command, StoreRoute.Local, [], refusal);
        switch (command.Route)
        {
            case CommandRoute.Keyspace: return new(command, StoreRoute.Keyspace, [], null);
            case CommandRoute.Service: return new(command, StoreRoute.Service, [], null);
            case CommandRoute.Local: return new(command, StoreRoute.Local, [], null);
        }
        var script = command.Spec!.Flags.HasFlag(CommandFlags.RunsScript);
        if (command.Keys.Count == 0) return new(command, script ? StoreRoute.Script : StoreRoute.Local, [], null);
        var held = new string[command.Keys.Count];
        for (var i = 0; i < held.Length; i++) held[i] = Durable.EntityKeys.EntityOf(command.Keys[i]);
        // Keys with one hash tag share one entity: the command needs each entity once.
        var entityKeys = held.Length == 1 ? held : held.Distinct(StringComparer.Ordinal).ToArray();
        if (script) return new(command, StoreRoute.Script, [.. entityKeys.Order(StringComparer.Ordinal)], null);
        // PFCOUNT reads but may store the count it computed: its entity runs it.
        if (entityKeys.Length == 1)
            return new(command, command.IsWrite || command.Spec!.Flags.HasFlag(CommandFlags.Rewrites) ? StoreRoute.KeyWrite : StoreRoute.KeyRead,
                entityKeys, null);
        Array.Sort(entityKeys, StringComparer.Ordinal);
        return new(command, command.IsWrite ? StoreRoute.MultiKeyWrite : StoreRoute.MultiKeyRead, entityKeys, null);
    }

    public static StorePlan Of(byte[][] args) => Of(CommandPlan.Of(args));
}
