using DurableTask.AzureStorage;
using DurableTask.Core;
using Serverless.Store.Durable;
using Serverless.Store.Standalone;

namespace Serverless.Store.Tests.Durable;

/// <summary>
/// After a failed work item DurableTask.Core's dispatcher waits the service's delay after each of its
/// next 5 fetches; the Azure Storage backend asks 10 s, which kept writes waiting about 50 s after a
/// 5-second storage outage. The standalone worker's view of the service asks 1 s (the Functions host's
/// extension does the same: Functions.Tests' HostExtensionTests). (Constructing the backend touches no storage.)
/// </summary>
public sealed class DispatcherBackoffTests
{
    [Fact]
    public void A_failure_backs_the_standalone_worker_off_1_second_not_the_backends_10()
    {
        var backend = new AzureStorageOrchestrationService(new AzureStorageOrchestrationServiceSettings
        {
            StorageAccountClientProvider = new StorageAccountClientProvider("UseDevelopmentStorage=true"),
            TaskHubName = "backoff",
        });
        var failure = new Azure.RequestFailedException(503, "storage is unavailable");
        Assert.Equal(10, backend.GetDelayInSecondsAfterOnProcessException(failure));
        Assert.Equal(10, backend.GetDelayInSecondsAfterOnFetchException(failure));

        IOrchestrationService worker = new CompletionNotifyingService(backend, new CompletionHub(), (_, _) => { });
        Assert.Equal(DispatcherBackoff.Seconds, worker.GetDelayInSecondsAfterOnProcessException(failure));
        Assert.Equal(DispatcherBackoff.Seconds, worker.GetDelayInSecondsAfterOnFetchException(failure));
        Assert.Equal(1, DispatcherBackoff.Seconds);
    }
}
