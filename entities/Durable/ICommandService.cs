using Serverless.Store.Commands;
using Serverless.Store.Protocol;

namespace Serverless.Store.Durable;

/// <summary>
/// A host service that serves the commands whose table row names it (<see cref="CommandSpec.Service"/>):
/// they act on something outside the keyspace (the pub/sub transport, the snapshot blobs), so the
/// store hands them over instead of running them on keys.
/// </summary>
public interface ICommandService
{
    /// <summary>The table's name for this service: commands whose row says it come here.</summary>
    HostService Serves { get; }

    /// <summary>Runs the command; Redis errors come back as error replies.</summary>
    Task<Reply> ExecuteAsync(byte[][] args, CancellationToken cancellation);
}
