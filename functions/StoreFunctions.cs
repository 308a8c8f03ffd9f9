using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Client.Entities;
using Microsoft.DurableTask.Entities;
using Microsoft.Extensions.Logging;
using Serverless.Store.Api;
using Serverless.Store.Commands;
using Serverless.Store.Durable;
using Serverless.Store.Http;
using Serverless.Store.PubSub;
using Serverless.Store.Persistence;

namespace Serverless.Store.Functions;

/// <summary>
/// The REST API: one HTTP trigger on the same route as the standalone host (<see cref="StoreRoutes"/>),
/// anonymous at the host (the store checks its own Bearer tokens), every method (the router answers
/// 405 itself). The request and the durable client go to the shared adapter and router.
/// </summary>
public sealed class RestFunctions(AccessPolicy access, ILogger<RestFunctions> logger, StoreServices? services = null, RestLimits? limits = null,
    EventStreams? streams = null)
{
    public const string Name = "rest";

    [Function(Name)]
    public Task<IActionResult> Rest(
        [HttpTrigger(AuthorizationLevel.Anonymous, Route = StoreRoutes.Route)] HttpRequest request,
        [DurableClient] DurableTaskClient client)
    {
        var instance = InstanceFor(client, services, logger);
        // The host's proxy re-escapes the path: HostProxyPath gives the router the path the client sent.
        return StoreHttp.ResultAsync(request, instance.Store, access, logger, instance.PubSub, instance.Endpoints, limits, HostProxyPath.ClientPath, streams: streams);
    }

    static readonly ConditionalWeakTable<DurableEntityClient, StoreInstance> Instances = new();

    /// <summary>
    /// One <see cref="DurableStore"/> per underlying durable client, so that concurrent writes to a
    /// hot key from different requests go to its entity together in one signal (the store's grouped
    /// send works within one instance). The worker binds a new per-invocation wrapper around one
    /// long-lived gRPC client, whose <see cref="DurableTaskClient.Entities"/> is that client's, so
    /// that is the cache key. No commit notification reaches the worker (the host stores entity
    /// batches), so the store polls for replies: <see cref="DurableStore.CommitsNotified"/> is false.
    /// </summary>
    internal static StoreInstance InstanceFor(DurableTaskClient client, StoreServices? services = null, ILogger? logger = null) =>
        Instances.GetValue(client.Entities, entities => StoreInstance.Create(entities, services, logger));

    internal static DurableStore StoreFor(DurableTaskClient client, StoreServices? services = null, ILogger? logger = null) =>
        InstanceFor(client, services, logger).Store;
}

/// <summary>
/// The store over one durable client with the host services made for it: pub/sub (null without
/// Azure SignalR Service), snapshots (null when they are off) and the REST routes they add.
/// </summary>
internal sealed record StoreInstance(DurableStore Store, PubSubService? PubSub, SnapshotService? Snapshots,
    IReadOnlyDictionary<string, RestEndpoint> Endpoints)
{
    public static StoreInstance Create(DurableEntityClient entities, StoreServices? services, ILogger? logger)
    {
        // No commit notification reaches the worker (the host stores entity batches): replies are polled.
        var store = new DurableStore(entities, commitsNotified: false);
        var pubsub = services?.PubSub is { } hub ? new PubSubService(hub, store) : null;
        var snapshots = services?.Snapshots?.For(store, logger);
        store.Services = [.. pubsub is null ? [] : new ICommandService[] { pubsub }, .. snapshots is null ? [] : new ICommandService[] { snapshots }];
        store.PersistenceStats = snapshots is null ? null : () => snapshots.Stats;
        var endpoints = SnapshotEndpoints.Routes(snapshots);
        return new StoreInstance(store, pubsub, snapshots, endpoints);
    }
}

/// <summary>
/// The host services the store hands <c>Service</c> commands to, made once from the app settings and
/// shared by every trigger (the first trigger to run creates the store, so they must all pass the same).
/// </summary>
public sealed record StoreServices(PubSubHub? PubSub, SnapshotStorage? Snapshots)
{
    public static StoreServices FromSettings(Func<string, string?> setting) =>
        new(PubSubHub.FromSettings(setting, inProcess: null), SnapshotStorage.FromSettings(setting));
}

/// <summary>
/// The entities: the same classes the standalone host runs, dispatched by class (the store runs no
/// orchestration: multi-key work goes through the key entities themselves, see KeyEntity).
/// </summary>
public static class DurableFunctions
{
    [Function(KeyEntity.Name)]
    public static Task Key([EntityTrigger] TaskEntityDispatcher dispatcher) => dispatcher.DispatchAsync<KeyEntity>();

    [Function(ExpiryIndex.Name)]
    public static Task Expiry([EntityTrigger] TaskEntityDispatcher dispatcher) => dispatcher.DispatchAsync<ExpiryIndex>();

    /// <summary>The script catalog (SCRIPT LOAD, FUNCTION LOAD...): one entity the whole store shares.</summary>
    [Function(CatalogEntity.Name)]
    public static Task Scripts([EntityTrigger] TaskEntityDispatcher dispatcher) => dispatcher.DispatchAsync<CatalogEntity>();

    /// <summary>The subscription registry; its PubSubHub (to publish keyspace events) comes from the app's services.</summary>
    [Function(SubscriptionRegistry.Name)]
    public static Task PubSub([EntityTrigger] TaskEntityDispatcher dispatcher) => dispatcher.DispatchAsync<SubscriptionRegistry>();

}

/// <summary>
/// The TTL sweep (<see cref="ExpirySweep"/>) on a timer; the schedule is the app setting
/// <c>TtlSweepSchedule</c> (NCRONTAB, e.g. <c>0 */1 * * * *</c> = every minute).
/// </summary>
public sealed class SweepFunctions(ILogger<SweepFunctions> logger)
{
    public const string Name = "ttlsweep";
    public const string ScheduleSetting = "TtlSweepSchedule";

    [Function(Name)]
    public Task<SweepResult> Sweep(
        [TimerTrigger("%" + ScheduleSetting + "%")] TimerInfo timer,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellation) =>
        new ExpirySweep(client.Entities, logger).RunAsync(cancellation);
}

/// <summary>
/// The subscription registry's sweep (<see cref="PubSubService.SweepAsync"/>) on the TTL sweep's timer
/// (<c>TtlSweepSchedule</c>): drops the subscriptions of connections Azure SignalR Service no longer
/// has, whose disconnect never reached the app (the service restarted, an upstream call failed).
/// </summary>
public sealed class SubscriptionSweepFunctions(StoreServices services, ILogger<SubscriptionSweepFunctions> logger)
{
    public const string Name = "pubsubsweep";

    [Function(Name)]
    public async Task<int> Sweep(
        [TimerTrigger("%" + SweepFunctions.ScheduleSetting + "%")] TimerInfo timer,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellation)
    {
        if (RestFunctions.InstanceFor(client, services, logger).PubSub is not { } pubsub) return 0;
        var dropped = await pubsub.SweepAsync(cancellation);
        if (dropped > 0) logger.LogInformation("Dropped the subscriptions of {Connections} connections SignalR Service no longer has", dropped);
        return dropped;
    }
}

/// <summary>
/// <see cref="EntityStorageCleanup"/> on a timer (app setting <c>EntityCleanupSchedule</c>, NCRONTAB;
/// every 30 minutes in the sample): removes the rows deleted and expired keys leave behind once the
/// backend's 30-minute message-reorder window has passed, so storage does not grow forever.
/// </summary>
public sealed class CleanupFunctions(ILogger<CleanupFunctions> logger)
{
    public const string Name = "entitycleanup";
    public const string ScheduleSetting = "EntityCleanupSchedule";

    [Function(Name)]
    public Task Cleanup(
        [TimerTrigger("%" + ScheduleSetting + "%")] TimerInfo timer,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellation) =>
        EntityStorageCleanup.RunAsync(client, logger, cancellation);
}

/// <summary>
/// The scheduled snapshot (<see cref="SnapshotService.RunScheduledAsync"/>) on a timer; the schedule
/// is the app setting <c>SnapshotSchedule</c> (NCRONTAB, e.g. <c>0 0 * * * *</c> = hourly). It runs on
/// the same snapshot service as SAVE/BGSAVE from the REST route, so they take turns.
/// </summary>
public sealed class SnapshotFunctions(StoreServices services, ILogger<SnapshotFunctions> logger)
{
    public const string Name = "snapshot";

    [Function(Name)]
    public async Task<SnapshotInfo?> Snapshot(
        [TimerTrigger("%" + SnapshotOptions.ScheduleSetting + "%")] TimerInfo timer,
        [DurableClient] DurableTaskClient client,
        CancellationToken cancellation)
    {
        if (RestFunctions.InstanceFor(client, services, logger).Snapshots is not { } snapshots)
        {
            logger.LogWarning("Snapshots are off: set {Setting} or {IdentitySetting} (the storage account)", SnapshotStorage.ConnectionSetting, SnapshotStorage.BlobServiceUriSetting);
            return null;
        }
        return await snapshots.RunScheduledAsync(cancellation);
    }
}

/// <summary>
/// Where snapshots go: the <c>snapshots</c> container of the app's storage account, and how many are
/// kept (<c>SnapshotRetention</c>). The account is the runtime's own <c>AzureWebJobsStorage</c>
/// connection: a connection string (Azurite when it is unset outside Azure), or, as <c>infra/</c>
/// deploys it, identity-based settings (<c>AzureWebJobsStorage__blobServiceUri</c> with
/// <c>__credential</c> = managedidentity and <c>__clientId</c>, the Functions convention). With
/// neither, in Azure, snapshots are off: SAVE answers that the host has no service for it.
/// </summary>
public sealed class SnapshotStorage(Azure.Storage.Blobs.BlobContainerClient? container, SnapshotOptions options)
{
    public const string ConnectionSetting = "AzureWebJobsStorage";
    public const string BlobServiceUriSetting = ConnectionSetting + "__blobServiceUri";
    public const string CredentialSetting = ConnectionSetting + "__credential";
    public const string ClientIdSetting = ConnectionSetting + "__clientId";

    public static SnapshotStorage FromSettings(Func<string, string?> setting) =>
        new(Container(setting), SnapshotOptions.FromSettings(setting));

    static Azure.Storage.Blobs.BlobContainerClient? Container(Func<string, string?> setting)
    {
        if (setting(ConnectionSetting) is { Length: > 0 } connection)
            return new(connection, SnapshotOptions.ContainerName);
        if (setting(BlobServiceUriSetting) is { Length: > 0 } blobService)
        {
            Azure.Core.TokenCredential credential =
                string.Equals(setting(CredentialSetting), "managedidentity", StringComparison.OrdinalIgnoreCase)
                    ? setting(ClientIdSetting) is { Length: > 0 } clientId
                        ? new Azure.Identity.ManagedIdentityCredential(Azure.Identity.ManagedIdentityId.FromUserAssignedClientId(clientId))
                        : new Azure.Identity.ManagedIdentityCredential(Azure.Identity.ManagedIdentityId.SystemAssigned)
                    : new Azure.Identity.DefaultAzureCredential();
            return new(new Uri(blobService.TrimEnd('/') + "/" + SnapshotOptions.ContainerName), credential);
        }
        return string.IsNullOrEmpty(setting(AccessPolicy.AzureSiteSetting))
            ? new("UseDevelopmentStorage=true", SnapshotOptions.ContainerName)
            : null;
    }

    /// <summary>The snapshots container's address, null when snapshots are off.</summary>
    public Uri? ContainerUri => container?.Uri;

    public SnapshotService? For(DurableStore store, ILogger? logger) =>
        container is null ? null : new(store, container, options, logger);
}
