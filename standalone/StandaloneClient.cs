using System.Collections.Concurrent;
using DurableTask.AzureStorage;
using DurableTask.Core;
using DurableTask.Core.Entities;
using DurableTask.Core.History;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Client.Entities;
using Microsoft.DurableTask.Entities;
using Core = DurableTask.Core;
using PurgeResult = Microsoft.DurableTask.Client.PurgeResult;

namespace Serverless.Store.Standalone;

/// <summary>
/// Orchestration completions seen by this process's worker, so a wait here ends as soon as the
/// worker has committed the result instead of polling the instances table.
/// </summary>
public sealed class CompletionHub
{
    readonly ConcurrentDictionary<string, TaskCompletionSource<Core.OrchestrationState>> waiters = new();

    /// <summary>Called before an orchestration starts so its completion cannot be missed.</summary>
    public void Track(string instanceId) =>
        waiters.TryAdd(instanceId, new(TaskCreationOptions.RunContinuationsAsynchronously));

    public TaskCompletionSource<Core.OrchestrationState> Waiter(string instanceId) =>
        waiters.GetOrAdd(instanceId, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));

    public void Forget(string instanceId) => waiters.TryRemove(instanceId, out _);

    public void Completed(Core.OrchestrationState state)
    {
        if (waiters.TryGetValue(state.OrchestrationInstance.InstanceId, out var waiter)) waiter.TrySetResult(state);
    }

    public static bool IsTerminal(Core.OrchestrationStatus s) => s is Core.OrchestrationStatus.Completed
        or Core.OrchestrationStatus.Failed or Core.OrchestrationStatus.Terminated or Core.OrchestrationStatus.Canceled;
}

/// <summary>
/// A <see cref="DurableTaskClient"/> written over the Azure Storage orchestration service, for the
/// standalone host (in Functions the client comes from [DurableClient]). Implements what the store
/// uses: start/wait/read/purge orchestrations and the entity client; the rest is not supported.
/// </summary>
public sealed class StandaloneClient(
    AzureStorageOrchestrationService service, CompletionHub completions, DataConverter converter, TimeSpan fallbackPoll)
    : DurableTaskClient("standalone")
{
    readonly StandaloneEntityClient entities = new(service, converter);

    public override DurableEntityClient Entities => entities;

    public override ValueTask DisposeAsync() => default;

    public override async Task<string> ScheduleNewOrchestrationInstanceAsync(
        TaskName orchestratorName, object? input = null, StartOrchestrationOptions? options = null,
        CancellationToken cancellation = default)
    {
        cancellation.ThrowIfCancellationRequested();
        var instance = new OrchestrationInstance
        {
            InstanceId = options?.InstanceId ?? Guid.NewGuid().ToString("N"),
            ExecutionId = Guid.NewGuid().ToString("N"),
        };
        var message = new TaskMessage
        {
            OrchestrationInstance = instance,
            Event = new ExecutionStartedEvent(-1, converter.Serialize(input))
            {
                Name = orchestratorName.Name,
                Version = options?.Version ?? string.Empty,
                OrchestrationInstance = instance,
                ScheduledStartTime = options?.StartAt?.UtcDateTime,
            },
        };
        completions.Track(instance.InstanceId);
        try
        {
            await service.CreateTaskOrchestrationAsync(message);
        }
        catch
        {
            completions.Forget(instance.InstanceId);
            throw;
        }
        return instance.InstanceId;
    }

    public override async Task<OrchestrationMetadata> WaitForInstanceCompletionAsync(
        string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default)
    {
        var waiter = completions.Waiter(instanceId);
        try
        {
            while (true)
            {
                // The worker in this process completes the waiter; the slow poll covers an
                // orchestration that another process's worker ran.
                var delay = Task.Delay(fallbackPoll, cancellation);
                if (await Task.WhenAny(waiter.Task, delay) == waiter.Task)
                    return ToMetadata(await waiter.Task, getInputsAndOutputs);
                cancellation.ThrowIfCancellationRequested();
                var state = (await service.GetOrchestrationStateAsync(instanceId, false))?.FirstOrDefault();
                if (state is not null && CompletionHub.IsTerminal(state.OrchestrationStatus))
                    return ToMetadata(state, getInputsAndOutputs);
            }
        }
        finally
        {
            completions.Forget(instanceId);
        }
    }

    public override async Task<OrchestrationMetadata> WaitForInstanceStartAsync(
        string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default)
    {
        while (true)
        {
            var metadata = await GetInstancesAsync(instanceId, getInputsAndOutputs, cancellation)
                ?? throw new InvalidOperationException($"orchestration {instanceId} does not exist");
            if (metadata.RuntimeStatus != OrchestrationRuntimeStatus.Pending) return metadata;
            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellation);
        }
    }

    public override async Task<OrchestrationMetadata?> GetInstancesAsync(
        string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default)
    {
        var state = (await service.GetOrchestrationStateAsync(instanceId, false))?.FirstOrDefault();
        return state is null ? null : ToMetadata(state, getInputsAndOutputs);
    }

    public override async Task<PurgeResult> PurgeInstanceAsync(
        string instanceId, PurgeInstanceOptions? options = null, CancellationToken cancellation = default)
    {
        var result = await ((IOrchestrationServicePurgeClient)service).PurgeInstanceStateAsync(instanceId);
        return new PurgeResult(result.DeletedInstanceCount);
    }

    public override async Task<PurgeResult> PurgeAllInstancesAsync(
        PurgeInstancesFilter filter, PurgeInstanceOptions? options = null, CancellationToken cancellation = default)
    {
        var result = await ((IOrchestrationServicePurgeClient)service).PurgeInstanceStateAsync(new Core.PurgeInstanceFilter(
            filter.CreatedFrom?.UtcDateTime ?? DateTime.MinValue, filter.CreatedTo?.UtcDateTime,
            filter.Statuses?.Select(s => (Core.OrchestrationStatus)(int)s)));
        return new PurgeResult(result.DeletedInstanceCount);
    }

    public override Task TerminateInstanceAsync(
        string instanceId, TerminateInstanceOptions? options = null, CancellationToken cancellation = default) =>
        service.ForceTerminateTaskOrchestrationAsync(instanceId, converter.Serialize(options?.Output));

    public override Task RaiseEventAsync(
        string instanceId, string eventName, object? eventPayload = null, CancellationToken cancellation = default) =>
        service.SendTaskOrchestrationMessageAsync(new TaskMessage
        {
            OrchestrationInstance = new OrchestrationInstance { InstanceId = instanceId },
            Event = new EventRaisedEvent(-1, converter.Serialize(eventPayload)) { Name = eventName },
        });

    public override AsyncPageable<OrchestrationMetadata> GetAllInstancesAsync(OrchestrationQuery? filter = null) =>
        throw new NotSupportedException("instance queries are not used by the store");

    public override Task SuspendInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default) =>
        throw new NotSupportedException();

    public override Task ResumeInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default) =>
        throw new NotSupportedException();

    OrchestrationMetadata ToMetadata(Core.OrchestrationState state, bool getInputsAndOutputs) =>
        new(state.Name, state.OrchestrationInstance.InstanceId)
        {
            DataConverter = getInputsAndOutputs ? converter : null,
            RuntimeStatus = (OrchestrationRuntimeStatus)(int)state.OrchestrationStatus,
            CreatedAt = state.CreatedTime,
            LastUpdatedAt = state.LastUpdatedTime,
            SerializedInput = getInputsAndOutputs ? state.Input : null,
            SerializedOutput = getInputsAndOutputs ? state.Output : null,
            SerializedCustomStatus = state.Status,
            FailureDetails = state.FailureDetails is { } f
                ? new TaskFailureDetails(f.ErrorType, f.ErrorMessage, f.StackTrace, null, null)
                : null,
        };
}

/// <summary>The entity half of <see cref="StandaloneClient"/>: signals, reads and queries entities.</summary>
public sealed class StandaloneEntityClient(AzureStorageOrchestrationService service, DataConverter converter)
    : DurableEntityClient("standalone")
{
    EntityBackendQueries Queries => ((IEntityOrchestrationService)service).EntityBackendQueries
        ?? throw new NotSupportedException("the orchestration service has no entity support");

    static readonly TimeSpan MaxSignalDelay = TimeSpan.FromDays(3);

    public override Task SignalEntityAsync(EntityInstanceId id, string operationName, object? input = null,
        SignalEntityOptions? options = null, CancellationToken cancellation = default)
    {
        var signal = ClientEntityHelpers.EmitOperationSignal(
            new OrchestrationInstance { InstanceId = id.ToString() },
            Guid.NewGuid(),
            operationName,
            converter.Serialize(input),
            EntityMessageEvent.GetCappedScheduledTime(DateTime.UtcNow, MaxSignalDelay, options?.SignalTime?.UtcDateTime));
        return service.SendTaskOrchestrationMessageAsync(signal.AsTaskMessage());
    }

    public override async Task<EntityMetadata?> GetEntityAsync(
        EntityInstanceId id, bool includeState = true, CancellationToken cancellation = default)
    {
        var m = await Queries.GetEntityAsync(new EntityId(id.Name, id.Key), includeState, false, cancellation);
        return m is { } e ? Untyped(e) : null;
    }

    public override async Task<EntityMetadata<T>?> GetEntityAsync<T>(
        EntityInstanceId id, bool includeState = true, CancellationToken cancellation = default)
    {
        var m = await Queries.GetEntityAsync(new EntityId(id.Name, id.Key), includeState, false, cancellation);
        return m is { } e ? Typed<T>(e) : null;
    }

    public override AsyncPageable<EntityMetadata> GetAllEntitiesAsync(EntityQuery? filter = null) => Query(Untyped, filter);

    public override AsyncPageable<EntityMetadata<T>> GetAllEntitiesAsync<T>(EntityQuery? filter = null) => Query(Typed<T>, filter);

    public override async Task<CleanEntityStorageResult> CleanEntityStorageAsync(
        CleanEntityStorageRequest? request = null, bool continueUntilComplete = true, CancellationToken cancellation = default)
    {
        var r = request ?? CleanEntityStorageRequest.Default;
        int removed = 0, released = 0;
        string? continuation = r.ContinuationToken;
        do
        {
            var result = await Queries.CleanEntityStorageAsync(new EntityBackendQueries.CleanEntityStorageRequest
            {
                RemoveEmptyEntities = r.RemoveEmptyEntities,
                ReleaseOrphanedLocks = r.ReleaseOrphanedLocks,
                ContinuationToken = continuation,
            }, cancellation);
            removed += result.EmptyEntitiesRemoved;
            released += result.OrphanedLocksReleased;
            continuation = result.ContinuationToken;
        } while (continueUntilComplete && continuation is not null);
        return new CleanEntityStorageResult
        {
            EmptyEntitiesRemoved = removed,
            OrphanedLocksReleased = released,
            ContinuationToken = continuation,
        };
    }

    AsyncPageable<TMetadata> Query<TMetadata>(Func<EntityBackendQueries.EntityMetadata, TMetadata> select, EntityQuery? filter)
        where TMetadata : notnull =>
        Pageable.Create(async (string? continuation, int? size, CancellationToken cancellation) =>
        {
            var result = await Queries.QueryEntitiesAsync(new EntityBackendQueries.EntityQuery
            {
                InstanceIdStartsWith = filter?.InstanceIdStartsWith ?? string.Empty,
                LastModifiedFrom = filter?.LastModifiedFrom?.UtcDateTime,
                LastModifiedTo = filter?.LastModifiedTo?.UtcDateTime,
                IncludeTransient = filter?.IncludeTransient ?? false,
                IncludeState = filter?.IncludeState ?? true,
                ContinuationToken = continuation ?? filter?.ContinuationToken,
                PageSize = size ?? filter?.PageSize,
            }, cancellation);
            return new Page<TMetadata>(result.Results.Select(select).ToList(), result.ContinuationToken);
        });

    EntityMetadata<T> Typed<T>(EntityBackendQueries.EntityMetadata m) =>
        new(new EntityInstanceId(m.EntityId.Name, m.EntityId.Key), converter.Deserialize<T>(m.SerializedState))
        {
            LastModifiedTime = m.LastModifiedTime,
            BacklogQueueSize = m.BacklogQueueSize,
            LockedBy = m.LockedBy,
        };

    EntityMetadata Untyped(EntityBackendQueries.EntityMetadata m) =>
        new(new EntityInstanceId(m.EntityId.Name, m.EntityId.Key),
            m.SerializedState is null ? null : new SerializedData(m.SerializedState, converter))
        {
            LastModifiedTime = m.LastModifiedTime,
            BacklogQueueSize = m.BacklogQueueSize,
            LockedBy = m.LockedBy,
        };
}
