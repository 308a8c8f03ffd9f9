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
using Serverless.Store.Durable;
using Serverless.Store.Http;
using Serverless.Store.PubSub;

namespace Serverless.Store.Functions;

/// <summary>
/// The REST API: one HTTP trigger on the same route as the standalone host (<see cref="StoreRoutes"/>),
/// anonymous at the host (the store checks its own Bearer tokens), every method (the router answers
/// 405 itself). The request and the durable client go to the shared adapter and router.
/// </summary>
public sealed class RestFunctions(AccessPolicy access, ILogger<RestFunctions> logger, PubSubHub? pubsub = null)
{
    public const string Name = "rest";

    [Function(Name)]
    public Task<IActionResult> Rest(
        [HttpTrigger(AuthorizationLevel.Anonymous, Route = StoreRoutes.Route)] HttpRequest request,
        [DurableClient] DurableTaskClient client) =>
        StoreHttp.ResultAsync(request, StoreFor(client, pubsub), access, logger, PubSubFor(client, pubsub));

    static readonly ConditionalWeakTable<DurableEntityClient, DurableStore> Stores = new();

    /// <summary>
    /// One <see cref="DurableStore"/> per underlying durable client, so that concurrent writes to a
    /// hot key from different requests go to its entity together in one signal (the store's grouped
    /// send works within one instance). The worker binds a new per-invocation wrapper around one
    /// long-lived gRPC client, whose <see cref="DurableTaskClient.Entities"/> is that client's, so
    /// that is the cache key. No commit notification reaches the worker (the host stores entity
    /// batches), so the store polls for replies: <see cref="DurableStore.CommitsNotified"/> is false.
    /// </summary>
    internal static DurableStore StoreFor(DurableTaskClient client, PubSubHub? pubsub = null) =>
        Stores.GetValue(client.Entities, _ => new DurableStore(client)
        {
            CommitsNotified = false,
            Services = pubsub is null ? [] : [new PubSubService(pubsub, client)],
        });

    /// <summary>The store's pub/sub service (PUBLISH, subscriptions), null without Azure SignalR Service.</summary>
    internal static PubSubService? PubSubFor(DurableTaskClient client, PubSubHub? pubsub) =>
        pubsub is null ? null : StoreFor(client, pubsub).Services.OfType<PubSubService>().FirstOrDefault();
}

/// <summary>
/// The key entity and the orchestrations: the same classes the standalone host runs, dispatched
/// by class. A new orchestration is one more line here.
/// </summary>
public static class DurableFunctions
{
    [Function(KeyEntity.Name)]
    public static Task Key([EntityTrigger] TaskEntityDispatcher dispatcher) => dispatcher.DispatchAsync<KeyEntity>();

    [Function(ExpiryIndex.Name)]
    public static Task Expiry([EntityTrigger] TaskEntityDispatcher dispatcher) => dispatcher.DispatchAsync<ExpiryIndex>();

    /// <summary>The subscription registry; its PubSubHub (to publish keyspace events) comes from the app's services.</summary>
    [Function(SubscriptionRegistry.Name)]
    public static Task PubSub([EntityTrigger] TaskEntityDispatcher dispatcher) => dispatcher.DispatchAsync<SubscriptionRegistry>();

    [Function(WriteOrchestration.Name)]
    public static Task<ReplyBatch> Write([OrchestrationTrigger] TaskOrchestrationContext context) => Run<WriteOrchestration, WriteRequest, ReplyBatch>(context);

    [Function(LockedOrchestration.Name)]
    public static Task<ReplyBatch> Locked([OrchestrationTrigger] TaskOrchestrationContext context) => Run<LockedOrchestration, CommandBatch, ReplyBatch>(context);

    [Function(FlushOrchestration.Name)]
    public static Task<int> Flush([OrchestrationTrigger] TaskOrchestrationContext context) => Run<FlushOrchestration, string[], int>(context);

    /// <summary>Runs an orchestrator class on the trigger's context with the orchestration's input.</summary>
    public static Task<TOutput> Run<TOrchestrator, TInput, TOutput>(TaskOrchestrationContext context)
        where TOrchestrator : TaskOrchestrator<TInput, TOutput>, new() =>
        new TOrchestrator().RunAsync(context, context.GetInput<TInput>()!);
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
