using DurableTask.Core;
using DurableTask.Core.Entities;

namespace Serverless.Store.Durable;

/// <summary>
/// The Durable Task backend as the worker's dispatchers see it: every call goes to the backend, except
/// that a failed work item or fetch backs the dispatchers off for <see cref="DispatcherBackoff.Seconds"/>,
/// not the backend's 10 s. Both hosts compile this file in: the Functions host's extension
/// (entities/FunctionsHost) and the standalone host, whose view also reports commits.
/// </summary>
class ShortBackoffOrchestrationService(IEntityOrchestrationService inner) : IEntityOrchestrationService
{
    public int GetDelayInSecondsAfterOnProcessException(Exception exception) =>
        DispatcherBackoff.Shorten(inner.GetDelayInSecondsAfterOnProcessException(exception));
    public int GetDelayInSecondsAfterOnFetchException(Exception exception) =>
        DispatcherBackoff.Shorten(inner.GetDelayInSecondsAfterOnFetchException(exception));

    public virtual Task CompleteTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem,
        OrchestrationRuntimeState newOrchestrationRuntimeState, IList<TaskMessage> outboundMessages,
        IList<TaskMessage> orchestratorMessages, IList<TaskMessage> timerMessages, TaskMessage continuedAsNewMessage,
        OrchestrationState orchestrationState) =>
        inner.CompleteTaskOrchestrationWorkItemAsync(workItem, newOrchestrationRuntimeState, outboundMessages,
            orchestratorMessages, timerMessages, continuedAsNewMessage, orchestrationState);

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
    public override string? ToString() => inner.ToString();
}
