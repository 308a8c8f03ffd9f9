using Microsoft.Azure.WebJobs;
using Microsoft.Azure.WebJobs.Hosting;
using Serverless.Store.FunctionsHost;

[assembly: WebJobsStartup(typeof(StoreHostStartup), "ServerlessStore")]

namespace Serverless.Store.FunctionsHost;

/// <summary>
/// The store's extension of the Functions host, so that it rides out a storage outage as the standalone
/// host does. It runs after the host's own services and the Durable Functions extension's startup are
/// registered (the app's build lists it after the extensions in extensions.json) and wraps two of them:
/// the Durable Task worker backs off 1 s after a failure, not 10 s (<see cref="ShortBackoffProviderFactory"/>),
/// and a singleton lock renewal that cannot reach storage is tried again soon instead of stopping the host
/// (<see cref="OutageTolerantLockManager"/>).
/// </summary>
sealed class StoreHostStartup : IWebJobsStartup
{
    internal const string LogCategory = "Serverless.Store.FunctionsHost";

    public void Configure(IWebJobsBuilder builder)
    {
        ShortBackoffProviderFactory.WrapAzureStorageFactory(builder.Services);
        OutageTolerantLockManager.WrapSingletonLocks(builder.Services);
    }
}
