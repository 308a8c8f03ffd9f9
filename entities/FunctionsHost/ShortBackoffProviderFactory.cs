using Microsoft.Azure.WebJobs.Extensions.DurableTask;
using Microsoft.Azure.WebJobs.Host.Scale;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Serverless.Store.Durable;

namespace Serverless.Store.FunctionsHost;

/// <summary>
/// The Durable Functions extension's Azure Storage factory, with one change: the provider its worker
/// runs on (<see cref="GetDurabilityProvider()"/>) backs off as <see cref="ShortBackoffProvider"/> says.
/// Clients (the other overloads) get the extension's own providers.
/// </summary>
sealed class ShortBackoffProviderFactory(IDurabilityProviderFactory inner, ILogger logger) : IDurabilityProviderFactory
{
    readonly Lazy<DurabilityProvider> workerProvider = new(() =>
    {
        logger.LogInformation("The Durable Task worker backs off {Seconds} s after a failed work item or fetch instead of the {Provider} backend's own",
            DispatcherBackoff.Seconds, inner.Name);
        return new ShortBackoffProvider(inner.GetDurabilityProvider());
    });

    /// <summary>The extension's own factory type, internal to it: it is found by name.</summary>
    internal const string AzureStorageFactoryTypeName = "AzureStorageDurabilityProviderFactory";

    /// <summary>
    /// Replaces the extension's registration of its Azure Storage factory with the same factory, built
    /// the same way, wrapped. Returns false (and changes nothing) when there is none to wrap: the
    /// extension's startup has not run, or another storage provider's factory is the only one.
    /// </summary>
    internal static bool WrapAzureStorageFactory(IServiceCollection services)
    {
        var registration = services.LastOrDefault(d => d.ServiceType == typeof(IDurabilityProviderFactory)
            && d.ImplementationType?.Name == AzureStorageFactoryTypeName);
        if (registration?.ImplementationType is not { } factoryType) return false;
        services.Remove(registration);
        services.AddSingleton<IDurabilityProviderFactory>(provider => new ShortBackoffProviderFactory(
            (IDurabilityProviderFactory)ActivatorUtilities.CreateInstance(provider, factoryType),
            provider.GetRequiredService<ILoggerFactory>().CreateLogger(StoreHostStartup.LogCategory)));
        return true;
    }

    public string Name => inner.Name;

    public DurabilityProvider GetDurabilityProvider() => workerProvider.Value;

    public DurabilityProvider GetDurabilityProvider(DurableClientAttribute attribute) => inner.GetDurabilityProvider(attribute);

    public DurabilityProvider GetDurabilityProvider(DurableClientAttribute attribute, TriggerMetadata triggerMetadata) =>
        inner.GetDurabilityProvider(attribute, triggerMetadata);

    public void SetUseSeparateQueueForEntityWorkItems(bool newValue) => inner.SetUseSeparateQueueForEntityWorkItems(newValue);

    public void SetRegisteredFunctions(IReadOnlyCollection<string> orchestratorNames, IReadOnlyCollection<string> activityNames,
        IReadOnlyCollection<string> entityNames) => inner.SetRegisteredFunctions(orchestratorNames, activityNames, entityNames);
}
