using Grpc.Core;
using Serverless.Store.Api;

namespace Serverless.Store.Functions.Tests;

/// <summary>
/// Under the Functions host the worker reaches storage through the host's gRPC listener, so a storage
/// outage reaches the router as an RpcException. Both forms the host sends count as storage failing (the
/// router then answers 503 and probes); before, a signal the host could not send answered 500.
/// </summary>
public class StorageFailureTests
{
    [Fact]
    public void A_gRPC_call_the_host_could_not_serve_counts_as_storage_failing()
    {
        // The host itself cannot be reached.
        Assert.True(StorageOutage.IsStorageFailure(new RpcException(new Status(StatusCode.Unavailable, "Error connecting to subchannel."))));
        // The host's handler threw, its cause not passed on: what SignalEntityAsync threw with Azurite down (outage-functions.sh).
        var handlerThrew = new RpcException(new Status(StatusCode.Unknown, "Exception was thrown by handler."));
        Assert.True(StorageOutage.IsStorageFailure(handlerThrew));
        Assert.True(StorageOutage.IsStorageFailure(new InvalidOperationException("a write failed", handlerThrew)));
    }

    [Fact]
    public void Other_gRPC_failures_do_not()
    {
        Assert.False(StorageOutage.IsStorageFailure(new RpcException(new Status(StatusCode.InvalidArgument, "Exception was thrown by handler."))));
        Assert.False(StorageOutage.IsStorageFailure(new RpcException(new Status(StatusCode.Unknown, "the entity's input could not be read"))));
        Assert.False(StorageOutage.IsStorageFailure(new RpcException(new Status(StatusCode.NotFound, "no such instance"))));
    }
}
