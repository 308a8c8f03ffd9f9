using DurableTask.Core;
using DurableTask.Core.Entities;
using Serverless.Store.Durable;

namespace Serverless.Store.Standalone;

/// <summary>
/// The worker's view of the orchestration service: everything goes to the real service; after an
/// orchestration's completion is committed, waiters in this process are told at once (the
/// backend's own wait polls the instances table every 2 seconds or more). Likewise after an entity
/// batch is committed, <paramref name="entityCommitted"/> gets the entity's stored state (the
/// signalled writes waiting for their replies). Failures back off as <see cref="ShortBackoffOrchestrationService"/> says.
/// </summary>
sealed class CompletionNotifyingService(
    IEntityOrchestrationService inner, CompletionHub completions, Action<string, string?> entityCommitted) : ShortBackoffOrchestrationService(inner)
{
    public override async Task CompleteTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem,
        OrchestrationRuntimeState newOrchestrationRuntimeState, IList<TaskMessage> outboundMessages,
        IList<TaskMessage> orchestratorMessages, IList<TaskMessage> timerMessages, TaskMessage continuedAsNewMessage,
        OrchestrationState orchestrationState)
    {
        await base.CompleteTaskOrchestrationWorkItemAsync(workItem, newOrchestrationRuntimeState, outboundMessages,
            orchestratorMessages, timerMessages, continuedAsNewMessage, orchestrationState);
        // Returning without an exception means the state is stored (history and instances table)
        // and the messages that triggered the batch are deleted.
        if (orchestrationState is null) return;
        if (orchestrationState.OrchestrationInstance?.InstanceId is { } id && id.StartsWith('@'))
            entityCommitted(id, ClientEntityHelpers.GetEntityState(orchestrationState.Input)); // an entity's input is its scheduler state
        else if (CompletionHub.IsTerminal(orchestrationState.OrchestrationStatus))
            completions.Completed(orchestrationState);
    }
}
