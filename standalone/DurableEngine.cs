using DurableTask.AzureStorage;
using DurableTask.Core;
using DurableTask.Core.Entities;
using DurableTask.Core.Entities.OperationFormat;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Converters;
using Microsoft.DurableTask.Entities;
using Microsoft.DurableTask.Worker;
using Microsoft.DurableTask.Worker.Shims;
using Serverless.Store.Api;
using Serverless.Store.Durable;
using Serverless.Store.PubSub;
using Serverless.Store.Persistence;
using CoreEntity = DurableTask.Core.Entities.TaskEntity;

namespace Serverless.Store.Standalone;

public sealed class DurableEngineOptions
{
    /// <summary>Azure Storage connection string ("UseDevelopmentStorage=true" = Azurite on its default ports).</summary>
    public string StorageConnection { get; set; } = "UseDevelopmentStorage=true";
    public string TaskHub { get; set; } = "serverlessstore";
    /// <summary>How long an idle queue waits at most before polling again (the backend's default is 30 s).</summary>
    public TimeSpan MaxQueuePollingInterval { get; set; } = TimeSpan.FromMilliseconds(100);
    public int PartitionCount { get; set; } = 4;
    /// <summary>
    /// Most operations an entity runs between two state writes. Signals queued for one key while
    /// its previous batch runs are delivered together and run as one batch with one state write:
    /// the batching that lets a hot key take hundreds of writes per second.
    /// </summary>
    public int MaxEntityOperationBatchSize { get; set; } = 1000;
    /// <summary>
    /// Messages a partition holds dequeued but not yet processed before its dequeue loop pauses
    /// for a second (the backend's default, 64, stalls a hot key as soon as 64 writes wait for it).
    /// </summary>
    public int ControlQueueBufferThreshold { get; set; } = 1000;
    /// <summary>When set, every storage request the backend makes is counted here (benchmarks, tests).</summary>
    public StorageRequestCounter? StorageRequests { get; set; }
    /// <summary>
    /// How long the backend holds entity messages to reorder and deduplicate them, and so how long a
    /// deleted key's row must stay idle before <see cref="EntityStorageCleanup"/> may remove it. The
    /// backend's default, 30 minutes, is kept in production; tests shorten it to see cleanup at once.
    /// </summary>
    public int EntityMessageReorderWindowMinutes { get; set; } = 30;
    /// <summary>Snapshots kept in the <c>snapshots</c> container (setting <c>SnapshotRetention</c>).</summary>
    public SnapshotOptions Snapshots { get; set; } = new();
    /// <summary>How long a request waits for its reply in an entity's state (setting <c>ReplyTimeoutSeconds</c>; null = 60 s).</summary>
    public TimeSpan? ReplyTimeout { get; set; }
}

/// <summary>
/// The Durable Task engine in this process: a TaskHubWorker over Azure Storage running the store's
/// entities (the same classes Functions runs, made through DurableTaskShimFactory), and a
/// <see cref="StandaloneClient"/> sharing the service object, so the worker wakes at once. The worker
/// reports every stored entity batch to the store's <see cref="ReplyChannel"/>, so callers waiting for
/// a reply are answered without polling.
/// </summary>
public sealed class DurableEngine : IAsyncDisposable
{
    readonly TaskHubWorker worker;
    readonly ILogger logger;
    readonly string taskHub;

    long entityBatches;

    /// <summary>Entity batches this process's worker has stored (a benchmark divides operations by it).</summary>
    public long EntityBatchesCommitted => Interlocked.Read(ref entityBatches);

    public string TaskHub => taskHub;
    public AzureStorageOrchestrationService Service { get; }
    public StandaloneClient Client { get; }
    public DurableStore Store { get; }
    /// <summary>SAVE/BGSAVE/LASTSAVE, the scheduled snapshot and restore, on the same storage account.</summary>
    public SnapshotService Snapshots { get; }

    /// <summary>The REST routes this host adds below the base path (restore).</summary>
    public IReadOnlyDictionary<string, RestEndpoint> Endpoints { get; }

    /// <summary>PUBLISH, PUBSUB and subscriptions, when the host has pub/sub (a <see cref="PubSubHub"/>).</summary>
    public PubSubService? PubSub { get; }

    public DurableEngine(DurableEngineOptions options, ILoggerFactory loggerFactory, PubSubHub? pubsub = null)
    {
        logger = loggerFactory.CreateLogger<DurableEngine>();
        taskHub = options.TaskHub;
        Service = new AzureStorageOrchestrationService(new AzureStorageOrchestrationServiceSettings
        {
            StorageAccountClientProvider = options.StorageRequests?.ClientProvider(options.StorageConnection)
                ?? new StorageAccountClientProvider(options.StorageConnection),
            TaskHubName = options.TaskHub,
            UseSeparateQueueForEntityWorkItems = true, // required: entity messages loop without it
            ExtendedSessionsEnabled = false, // stalled under load in the trial
            MaxQueuePollingInterval = options.MaxQueuePollingInterval,
            PartitionCount = options.PartitionCount,
            MaxEntityOperationBatchSize = options.MaxEntityOperationBatchSize,
            ControlQueueBufferThreshold = options.ControlQueueBufferThreshold,
            EntityMessageReorderWindowInMinutes = options.EntityMessageReorderWindowMinutes,
            LoggerFactory = loggerFactory,
        });

        var converter = JsonDataConverter.Default;
        var shims = new DurableTaskShimFactory(
            new DurableTaskWorkerOptions { EnableEntitySupport = true, DataConverter = converter }, loggerFactory);
        var completions = new CompletionHub();

        var orchestrations = new ObjectManager<TaskOrchestration>(); // the store runs no orchestration
        var entities = new ObjectManager<CoreEntity>();
        entities.Add(KeyEntity.Name, () => new EntityDispatcher(shims, KeyEntity.Name, () => new KeyEntity()));
        entities.Add(ExpiryIndex.Name, () => new EntityDispatcher(shims, ExpiryIndex.Name, () => new ExpiryIndex()));
        entities.Add(CatalogEntity.Name, () => new EntityDispatcher(shims, CatalogEntity.Name, () => new CatalogEntity()));
        var registryLogger = loggerFactory.CreateLogger<SubscriptionRegistry>();
        entities.Add(SubscriptionRegistry.Name, () => new EntityDispatcher(shims, SubscriptionRegistry.Name, () => new SubscriptionRegistry(pubsub, registryLogger)));

        worker = new TaskHubWorker(
            new CompletionNotifyingService(Service, completions, (id, state) =>
            {
                Interlocked.Increment(ref entityBatches);
                Store?.Replies.Committed(id, state);
            }), orchestrations, new ObjectManager<TaskActivity>(), entities, loggerFactory)
        {
            ErrorPropagationMode = ErrorPropagationMode.UseFailureDetails,
        };
        Client = new StandaloneClient(Service, completions, converter, fallbackPoll: TimeSpan.FromSeconds(1));
        Store = new DurableStore(Client.Entities, commitsNotified: true, replyTimeout: options.ReplyTimeout);
        Store.Outage.Logger = logger;
        PubSub = pubsub is null ? null : new PubSubService(pubsub, Store);
        Snapshots = new SnapshotService(Store, new Azure.Storage.Blobs.BlobContainerClient(options.StorageConnection, SnapshotOptions.ContainerName),
            options.Snapshots, loggerFactory.CreateLogger<SnapshotService>());
        Store.Services = PubSub is null ? [Snapshots] : [PubSub, Snapshots];
        Store.PersistenceStats = () => Snapshots.Stats;
        Endpoints = SnapshotEndpoints.Routes(Snapshots);
    }

    public async Task StartAsync()
    {
        try
        {
            await Service.CreateIfNotExistsAsync();
        }
        catch (Exception e)
        {
            logger.LogCritical(
                "Azure Storage is not reachable ({Message}). For local runs start Azurite first, e.g.: " +
                "npx azurite --silent --location /tmp/azurite --skipApiVersionCheck --loose", e.Message);
            throw;
        }
        await worker.StartAsync();
        logger.LogInformation("Durable Task engine started (task hub {Hub})", taskHub);
    }

    /// <summary>How long a stop waits for the worker to finish its work items and release its partitions.</summary>
    public static readonly TimeSpan StopWithin = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Stops the worker: it finishes the work items it holds and releases its partition leases. With
    /// storage unreachable that cannot finish (the backend retries for minutes): after
    /// <see cref="StopWithin"/> the stop goes on without it and says what was left. Nothing
    /// acknowledged is lost: unfinished work items are messages still in their queues, taken up by
    /// the next worker once the leases it could not release expire.
    /// </summary>
    public Task StopAsync()
    {
        lock (worker) return stop ??= StopWorkerAsync(); // the host's stop and DisposeAsync share one
    }

    Task? stop;

    async Task StopWorkerAsync()
    {
        var stopping = worker.StopAsync(isForced: false);
        if (await Task.WhenAny(stopping, Task.Delay(StopWithin)) == stopping)
        {
            await stopping;
            return;
        }
        _ = stopping.ContinueWith(t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted);
        logger.LogWarning("The Durable Task worker did not stop within {Seconds} s (is storage reachable?): stopping without finishing its " +
            "work items or releasing its partition leases; their messages stay queued and the next worker takes them once the leases expire",
            StopWithin.TotalSeconds);
    }

    public async ValueTask DisposeAsync()
    {
        try { await StopAsync(); } catch (Exception e) { logger.LogWarning(e, "stopping the engine"); }
        worker.Dispose();
    }

    /// <summary>
    /// The entity dispatcher asks for an entity by lower-cased name only (no key): this builds the
    /// shim for the entity instance named in each batch request.
    /// </summary>
    sealed class EntityDispatcher(DurableTaskShimFactory shims, string name, Func<ITaskEntity> create) : CoreEntity
    {
        public override Task<EntityBatchResult> ExecuteOperationBatchAsync(EntityBatchRequest request) =>
            shims.CreateEntity(name, create(), EntityId.FromString(request.InstanceId!)).ExecuteOperationBatchAsync(request);
    }

    /// <summary>Name -> instance factory, ignoring case (the entity dispatcher lower-cases names).</summary>
    sealed class ObjectManager<T> : INameVersionObjectManager<T>
    {
        readonly Dictionary<string, Func<T>> creators = new(StringComparer.OrdinalIgnoreCase);

        public void Add(string name, Func<T> create) => creators[name] = create;

        public void Add(ObjectCreator<T> creator) => creators[creator.Name] = creator.Create;

        public T GetObject(string name, string? version) =>
            creators.TryGetValue(name, out var create) ? create() : default!;
    }
}
