using System.Diagnostics;
using System.Reflection;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using Microsoft.Azure.WebJobs.Host;
using Microsoft.Azure.WebJobs.Extensions.DurableTask;
using Microsoft.Azure.WebJobs.Host.Config;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Moq;
using Serverless.Store.FunctionsHost;

namespace Serverless.Store.Functions.Tests;

/// <summary>
/// The store's extension inside the Functions host (entities/FunctionsHost), which lets the host ride out a
/// storage outage: after a failure the Durable Functions extension's worker waits 1 s, not the Azure Storage
/// backend's 10 s (writes came back about 50 s after an outage), and a singleton lock renewal that storage
/// did not answer is tried again instead of stopping the host. The host here is a WebJobs host with the
/// Durable Functions extension, built the way the Functions host builds it from extensions.json; nothing
/// touches storage.
/// </summary>
#pragma warning disable CS0618 // IDistributedLockManager: "not ready for public consumption", and what the host's singletons use
public class HostExtensionTests
{
    static IHost WebJobsHost(bool withStoreExtension) => new HostBuilder()
        .ConfigureAppConfiguration(c => c.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true",
            ["AzureWebJobs:Extensions:DurableTask:HubName"] = "backoff",
        }))
        .ConfigureWebJobs(builder =>
        {
            builder.AddDurableTask(); // what the extension's own startup does
            if (withStoreExtension) new StoreHostStartup().Configure(builder);
        })
        .Build();

    /// <summary>The provider the Durable Functions extension runs its worker on (an internal property of the extension).</summary>
    static DurabilityProvider WorkerProvider(IHost host)
    {
        var extension = host.Services.GetServices<IExtensionConfigProvider>().OfType<DurableTaskExtension>().Single();
        var property = typeof(DurableTaskExtension).GetProperty("DefaultDurabilityProvider", BindingFlags.Instance | BindingFlags.NonPublic)
            ?? throw new Xunit.Sdk.XunitException("DurableTaskExtension.DefaultDurabilityProvider is gone: see how this extension version builds its worker");
        return (DurabilityProvider)property.GetValue(extension)!;
    }

    static readonly Exception StorageFailure = new Azure.RequestFailedException(503, "storage is unavailable");

    [Fact]
    public void Without_the_store_extension_the_worker_waits_the_backends_10_seconds_after_a_failure()
    {
        using var host = WebJobsHost(withStoreExtension: false);
        var provider = WorkerProvider(host);
        Assert.Equal(10, provider.GetDelayInSecondsAfterOnProcessException(StorageFailure));
        Assert.Equal(10, provider.GetDelayInSecondsAfterOnFetchException(StorageFailure));
    }

    [Fact]
    public void With_it_the_extensions_worker_waits_1_second_and_keeps_the_azure_storage_providers_settings()
    {
        using var bare = WebJobsHost(withStoreExtension: false);
        using var host = WebJobsHost(withStoreExtension: true);
        var provider = WorkerProvider(host);
        Assert.IsType<ShortBackoffProvider>(provider);
        Assert.Equal(1, provider.GetDelayInSecondsAfterOnProcessException(StorageFailure));
        Assert.Equal(1, provider.GetDelayInSecondsAfterOnFetchException(StorageFailure));

        var original = WorkerProvider(bare);
        Assert.Equal(original.ConnectionName, provider.ConnectionName);
        Assert.Equal(original.SupportsEntities, provider.SupportsEntities);
        Assert.True(provider.SupportsEntities);
        Assert.Equal(original.CheckStatusBeforeRaiseEvent, provider.CheckStatusBeforeRaiseEvent);
        Assert.Equal(original.MaximumDelayTime, provider.MaximumDelayTime);
        Assert.Equal(original.EventSourceName, provider.EventSourceName);
        Assert.Equal(original.ConfigurationJson.ToString(), provider.ConfigurationJson.ToString());
        Assert.Equal(original.TaskOrchestrationDispatcherCount, provider.TaskOrchestrationDispatcherCount);
        Assert.Equal(original.MaxConcurrentTaskOrchestrationWorkItems, provider.MaxConcurrentTaskOrchestrationWorkItems);

        // One factory serves the configured type, and clients get the extension's own provider.
        var factory = Assert.Single(host.Services.GetServices<IDurabilityProviderFactory>());
        Assert.Equal("AzureStorage", factory.Name);
        Assert.Same(provider, factory.GetDurabilityProvider());
    }

    [Fact]
    public void Before_the_durable_task_extensions_and_the_sdks_services_are_registered_there_is_nothing_to_wrap_and_nothing_changes()
    {
        var services = new ServiceCollection();
        Assert.False(ShortBackoffProviderFactory.WrapAzureStorageFactory(services));
        Assert.False(OutageTolerantLockManager.WrapSingletonLocks(services));
        Assert.Empty(services);
    }

    /// <summary>
    /// The provider passes on every member a subclass can override; a newer extension that adds one fails
    /// here until it is passed on too (else the worker would get the base class's answer, not Azure Storage's).
    /// </summary>
    [Fact]
    public void The_provider_passes_on_every_member_the_extensions_provider_can_override()
    {
        var overridable = typeof(DurabilityProvider).GetMethods(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
            .Where(m => m.DeclaringType == typeof(DurabilityProvider) && m.IsVirtual && !m.IsFinal && (m.IsPublic || m.IsFamily || m.IsFamilyOrAssembly))
            .ToList();
        Assert.NotEmpty(overridable);
        var missing = overridable
            .Where(m => typeof(ShortBackoffProvider).GetMethod(m.Name, BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic,
                m.GetParameters().Select(p => p.ParameterType).ToArray())?.DeclaringType != typeof(ShortBackoffProvider))
            .Select(m => m.ToString());
        Assert.Empty(missing);
    }

    /// <summary>The extension is compiled against the Durable Functions extension the worker's build puts beside it in the host.</summary>
    [Fact]
    public void The_store_extension_is_built_against_the_durable_task_extension_in_the_apps_output()
    {
        static string? VersionOf(string path) => FileVersionInfo.GetVersionInfo(path).FileVersion;
        var compiledAgainst = typeof(DurabilityProvider).Assembly.Location;
        var inOutput = Path.Combine(Repo.FunctionsOutput, ".azurefunctions", "Microsoft.Azure.WebJobs.Extensions.DurableTask.dll");
        Assert.Equal(VersionOf(inOutput), VersionOf(compiledAgainst));
    }

    /// <summary>The lock manager the host's singleton manager renews its leases through (a private field of the SDK's type).</summary>
    static IDistributedLockManager SingletonLocks(IHost host)
    {
        var manager = host.Services.GetRequiredService<IHostSingletonManager>();
        var field = manager.GetType().GetFields(BindingFlags.Instance | BindingFlags.NonPublic)
            .SingleOrDefault(f => f.FieldType == typeof(IDistributedLockManager))
            ?? throw new Xunit.Sdk.XunitException(manager.GetType() + " holds no lock manager: see how this SDK version renews its leases");
        return (IDistributedLockManager)field.GetValue(manager)!;
    }

    [Fact]
    public void The_hosts_singleton_manager_renews_through_the_outage_tolerant_lock_manager()
    {
        using var host = WebJobsHost(withStoreExtension: true);
        Assert.IsType<OutageTolerantLockManager>(SingletonLocks(host));
        using var bare = WebJobsHost(withStoreExtension: false);
        Assert.IsNotType<OutageTolerantLockManager>(SingletonLocks(bare));
        Assert.IsNotType<OutageTolerantLockManager>(host.Services.GetRequiredService<IDistributedLockManager>()); // nothing else changes
    }

    /// <summary>What the Azure SDK throws when storage does not answer: a lease renewal against a port nobody listens on.</summary>
    static async Task<Exception> NoAnswerFromStorageAsync()
    {
        var options = new BlobClientOptions { Retry = { MaxRetries = 1, Delay = TimeSpan.FromMilliseconds(10) } };
        var blob = new BlobClient(new Uri("http://127.0.0.1:9/devstoreaccount1/locks/lock"), options);
        return await Assert.ThrowsAnyAsync<Exception>(() => blob.GetBlobLeaseClient(Guid.NewGuid().ToString()).RenewAsync());
    }

    static (OutageTolerantLockManager Manager, IDistributedLock Lock) ManagerWhoseRenewal(Func<Task<bool>> renew)
    {
        var inner = new Mock<IDistributedLockManager>();
        inner.Setup(m => m.RenewAsync(It.IsAny<IDistributedLock>(), It.IsAny<CancellationToken>())).Returns(renew);
        var held = new Mock<IDistributedLock>();
        held.Setup(l => l.LockId).Returns("serverlessstore/ttlsweep.Listener");
        return (new OutageTolerantLockManager(inner.Object, NullLogger.Instance), held.Object);
    }

    [Fact]
    public async Task A_renewal_storage_did_not_answer_is_tried_again_soon_instead_of_stopping_the_host()
    {
        var noAnswer = await NoAnswerFromStorageAsync();
        Assert.IsType<AggregateException>(noAnswer); // "Retry failed after 2 tries", as the host logged it with 6
        var (manager, held) = ManagerWhoseRenewal(() => Task.FromException<bool>(noAnswer));
        Assert.False(await manager.RenewAsync(held, CancellationToken.None)); // false: the SDK renews again sooner
    }

    [Fact]
    public async Task A_lease_another_instance_took_still_stops_the_host_and_answers_pass_through()
    {
        var taken = new RequestFailedException(409, "There is already a lease present.", "LeaseIdMismatchWithLeaseOperation", null);
        var (lost, held) = ManagerWhoseRenewal(() => Task.FromException<bool>(taken));
        Assert.Same(taken, await Assert.ThrowsAsync<RequestFailedException>(() => lost.RenewAsync(held, CancellationToken.None)));

        var (renewed, _) = ManagerWhoseRenewal(() => Task.FromResult(true));
        Assert.True(await renewed.RenewAsync(held, CancellationToken.None));
        var (serverError, _) = ManagerWhoseRenewal(() => Task.FromResult(false)); // the SDK's own answer to a 5xx
        Assert.False(await serverError.RenewAsync(held, CancellationToken.None));

        // A renewal cancelled because the host stops is the host's, not an outage.
        using var stopping = new CancellationTokenSource();
        stopping.Cancel();
        var (cancelled, _) = ManagerWhoseRenewal(() => Task.FromCanceled<bool>(stopping.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.RenewAsync(held, stopping.Token));
    }
}
