using DurableTask.Core;
using DurableTask.Core.Entities;

namespace Serverless.Store.Standalone;

/// <summary>
/// The worker's view of the orchestration service: everything goes to the real service; after an
/// orchestration's completion is committed, waiters in this process are told at once (the
/// backend's own wait polls the instances table every 2 seconds or more). Likewise after an entity
/// batch is committed, <paramref name="entityCommitted"/> gets the entity's stored state (the
/// signalled writes waiting for their replies). And a failed work item or fetch backs the worker's
/// dispatchers off for <see cref="FailureBackoffSeconds"/>, not the backend's 10 s.
/// </summary>
sealed class CompletionNotifyingService(
    IEntityOrchestrationService inner, CompletionHub completions, Action<string, string?> entityCommitted) : IEntityOrchestrationService
{
    public async Task CompleteTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem,
        OrchestrationRuntimeState newOrchestrationRuntimeState, IList<TaskMessage> outboundMessages,
        IList<TaskMessage> orchestratorMessages, IList<TaskMessage> timerMessages, TaskMessage continuedAsNewMessage,
        OrchestrationState orchestrationState)
    {
        await inner.CompleteTaskOrchestrationWorkItemAsync(workItem, newOrchestrationRuntimeState, outboundMessages,
            orchestratorMessages, timerMessages, continuedAsNewMessage, orchestrationState);
        // Returning without an exception means the state is stored (history and instances table)
        // and the messages that triggered the batch are deleted.
        if (orchestrationState is null) return;
        if (orchestrationState.OrchestrationInstance?.InstanceId is { } id && id.StartsWith('@'))
            entityCommitted(id, ClientEntityHelpers.GetEntityState(orchestrationState.Input)); // an entity's input is its scheduler state
        else if (CompletionHub.IsTerminal(orchestrationState.OrchestrationStatus))
            completions.Completed(orchestrationState);
    }

    public EntityBackendProperties? EntityBackendProperties => inner.EntityBackendProperties;
    public EntityBackendQueries? EntityBackendQueries => inner.EntityBackendQueries;
    public Task<TaskOrchestrationWorkItem> LockNextOrchestrationWorkItemAsync(TimeSpan receiveTimeout, CancellationToken cancellationToken) =>
        inner.LockNextOrchestrationWorkItemAsync(receiveTimeout, cancellationToken);
    public Task<TaskOrchestrationWorkItem> LockNextEntityWorkItemAsync(TimeSpan receiveTimeout, CancellationToken cancellationToken) =>
        inner.LockNextEntityWorkItemAsync(receiveTimeout, cancellationToken);
    public Task StartAsync() => inner.StartAsync();
    public Task StopAsync() => inner.StopAsync();
    public Task StopAsync(bool isForced) => inner.StopAsync(isForced);
    public Task CreateAsync() => inner.CreateAsync();
    public Task CreateAsync(bool recreateInstanceStore) => inner.CreateAsync(recreateInstanceStore);
    public Task CreateIfNotExistsAsync() => inner.CreateIfNotExistsAsync();
    public Task DeleteAsync() => inner.DeleteAsync();
    public Task DeleteAsync(bool deleteInstanceStore) => inner.DeleteAsync(deleteInstanceStore);
    public bool IsMaxMessageCountExceeded(int currentMessageCount, OrchestrationRuntimeState runtimeState) =>
        inner.IsMaxMessageCountExceeded(currentMessageCount, runtimeState);
    /// <summary>
    /// The backend answers 10 s for every failure, and DurableTask.Core's dispatcher then waits that
    /// long after each of its next 5 fetches (until 5 work items succeed): a storage outage of 5 s kept
    /// every write waiting about 50 s after storage was back. 1 s still keeps a failing loop from spinning.
    /// </summary>
    public const int FailureBackoffSeconds = 1;
    public int GetDelayInSecondsAfterOnProcessException(Exception exception) =>
        Math.Min(FailureBackoffSeconds, inner.GetDelayInSecondsAfterOnProcessException(exception));
    public int GetDelayInSecondsAfterOnFetchException(Exception exception) =>
        Math.Min(FailureBackoffSeconds, inner.GetDelayInSecondsAfterOnFetchException(exception));
    public int TaskOrchestrationDispatcherCount => inner.TaskOrchestrationDispatcherCount;
    public int MaxConcurrentTaskOrchestrationWorkItems => inner.MaxConcurrentTaskOrchestrationWorkItems;
    public BehaviorOnContinueAsNew EventBehaviourForContinueAsNew => inner.EventBehaviourForContinueAsNew;
    public Task<TaskOrchestrationWorkItem> LockNextTaskOrchestrationWorkItemAsync(TimeSpan receiveTimeout, CancellationToken cancellationToken) =>
        inner.LockNextTaskOrchestrationWorkItemAsync(receiveTimeout, cancellationToken);
    public Task RenewTaskOrchestrationWorkItemLockAsync(TaskOrchestrationWorkItem workItem) => inner.RenewTaskOrchestrationWorkItemLockAsync(workItem);
    public Task AbandonTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem) => inner.AbandonTaskOrchestrationWorkItemAsync(workItem);
    public Task ReleaseTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem) => inner.ReleaseTaskOrchestrationWorkItemAsync(workItem);
    public int TaskActivityDispatcherCount => inner.TaskActivityDispatcherCount;
    public int MaxConcurrentTaskActivityWorkItems => inner.MaxConcurrentTaskActivityWorkItems;
    public Task<TaskActivityWorkItem> LockNextTaskActivityWorkItem(TimeSpan receiveTimeout, CancellationToken cancellationToken) =>
        inner.LockNextTaskActivityWorkItem(receiveTimeout, cancellationToken);
    public Task<TaskActivityWorkItem> RenewTaskActivityWorkItemLockAsync(TaskActivityWorkItem workItem) => inner.RenewTaskActivityWorkItemLockAsync(workItem);
    public Task CompleteTaskActivityWorkItemAsync(TaskActivityWorkItem workItem, TaskMessage responseMessage) =>
        inner.CompleteTaskActivityWorkItemAsync(workItem, responseMessage);
    public Task AbandonTaskActivityWorkItemAsync(TaskActivityWorkItem workItem) => inner.AbandonTaskActivityWorkItemAsync(workItem);
}
