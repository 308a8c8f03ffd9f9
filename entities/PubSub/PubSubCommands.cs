using Serverless.Store.Commands;
using Serverless.Store.Protocol;

namespace Serverless.Store.PubSub;

/// <summary>
/// The command table's handler for PUBLISH and PUBSUB. They are <see cref="CommandFlags.Service"/>
/// commands, which the store hands to <see cref="PubSubService"/>; the engine only reaches this
/// where no service runs them: inside MULTI/EXEC (a transaction runs in an orchestration, which
/// must not call out) or on a bare keyspace.
/// </summary>
public static class PubSubCommands
{
    public const string NotHere =
        "ERR PUBLISH and PUBSUB are not available inside a transaction or without the pub/sub service: send them as single commands or in a pipeline";

    public static Reply Unavailable(CommandContext ctx, byte[][] args) => Reply.Error(NotHere);
}
