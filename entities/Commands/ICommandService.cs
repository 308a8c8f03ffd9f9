using Serverless.Store.Protocol;

namespace Serverless.Store.Commands;

/// <summary>
/// A host service that serves commands flagged <see cref="CommandFlags.Service"/>: they act on
/// something outside the keyspace (the pub/sub transport, the snapshot blobs), so the store hands
/// them over instead of running them on keys.
/// </summary>
public interface ICommandService
{
    bool Handles(CommandSpec spec);

    /// <summary>Runs the command; Redis errors come back as error replies.</summary>
    Task<Reply> ExecuteAsync(byte[][] args, CancellationToken cancellation);
}

/// <summary>A store with host services, reachable beyond commands (the REST router's restore finds the snapshot service here).</summary>
public interface IServiceHost
{
    IReadOnlyList<ICommandService> Services { get; }
}
