using DurableTask.Core;
using DurableTask.Core.History;
using Microsoft.Azure.WebJobs.Extensions.DurableTask;
using Microsoft.Azure.WebJobs.Host.Scale;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using Serverless.Store.Durable;

namespace Serverless.Store.FunctionsHost;

/// <summary>
/// The extension's Azure Storage provider with the store's back-off. The extension's worker asks the
/// provider for its delays after a failure, and <see cref="DurabilityProvider"/> passes that question to
/// the service it was built on, without letting a subclass answer. So this provider is built on the
/// extension's own provider seen through <see cref="ShortBackoffOrchestrationService"/>, and passes every
/// member a subclass can override to the extension's provider (the Azure Storage provider is internal to
/// the extension, so it cannot be subclassed). A test checks that every overridable member is passed on.
/// </summary>
sealed class ShortBackoffProvider(DurabilityProvider inner)
    : DurabilityProvider(inner.GetType().Name, new ShortBackoffOrchestrationService(inner), inner, inner.ConnectionName)
{
    public override string ConnectionName => inner.ConnectionName;
    public override bool SupportsEntities => inner.SupportsEntities;
    public override bool AllowsExternalActivityScheduling => inner.AllowsExternalActivityScheduling;
    public override bool SupportsPollFreeWait => inner.SupportsPollFreeWait;
    public override bool GuaranteesOrderedDelivery => inner.GuaranteesOrderedDelivery;
    public override bool SupportsImplicitEntityDeletion => inner.SupportsImplicitEntityDeletion;
    public override bool CheckStatusBeforeRaiseEvent => inner.CheckStatusBeforeRaiseEvent;
    public override JObject ConfigurationJson => inner.ConfigurationJson;
    public override TimeSpan MaximumDelayTime { get => inner.MaximumDelayTime; set => inner.MaximumDelayTime = value; }
    public override TimeSpan LongRunningTimerIntervalLength
    {
        get => inner.LongRunningTimerIntervalLength;
        set => inner.LongRunningTimerIntervalLength = value;
    }
    public override string EventSourceName { get => inner.EventSourceName; set => inner.EventSourceName = value; }

    public override Task<IList<OrchestrationState>> GetAllOrchestrationStates(CancellationToken cancellationToken) =>
        inner.GetAllOrchestrationStates(cancellationToken);
    [Obsolete("As the extension's DurabilityProvider says.")]
    public override Task<IList<OrchestrationState>> GetAllOrchestrationStatesWithFilters(DateTime createdTimeFrom, DateTime? createdTimeTo,
        IEnumerable<OrchestrationRuntimeStatus> runtimeStatus, CancellationToken cancellationToken) =>
        inner.GetAllOrchestrationStatesWithFilters(createdTimeFrom, createdTimeTo, runtimeStatus, cancellationToken);
    public override Task<IList<OrchestrationState>> GetOrchestrationStateWithInputsAsync(string instanceId, bool showInput = true) =>
        inner.GetOrchestrationStateWithInputsAsync(instanceId, showInput);
    public override Task<OrchestrationStatusQueryResult> GetOrchestrationStateWithPagination(OrchestrationStatusQueryCondition condition,
        CancellationToken cancellationToken) => inner.GetOrchestrationStateWithPagination(condition, cancellationToken);
    public override Task<int> PurgeHistoryByFilters(DateTime createdTimeFrom, DateTime? createdTimeTo, IEnumerable<OrchestrationStatus> runtimeStatus) =>
        inner.PurgeHistoryByFilters(createdTimeFrom, createdTimeTo, runtimeStatus);
    public override Task<PurgeHistoryResult> PurgeInstanceHistoryByInstanceId(string instanceId) => inner.PurgeInstanceHistoryByInstanceId(instanceId);
    public override Task<string> RetrieveSerializedEntityState(EntityId entityId, JsonSerializerSettings serializierSettings) =>
        inner.RetrieveSerializedEntityState(entityId, serializierSettings);
    public override Task RewindAsync(string instanceId, string reason) => inner.RewindAsync(instanceId, reason);
    public override Task MakeCurrentAppPrimaryAsync() => inner.MakeCurrentAppPrimaryAsync();
    public override Task CreateTaskOrchestrationAsync(TaskMessage creationMessage, OrchestrationStatus[] dedupeStatuses,
        CancellationToken cancellationToken) => inner.CreateTaskOrchestrationAsync(creationMessage, dedupeStatuses, cancellationToken);
    public override bool ValidateDelayTime(TimeSpan timespan, out string errorMessage) => inner.ValidateDelayTime(timespan, out errorMessage);
    // The extension passes no connection name when its factory is not its own type (this one wraps it).
    public override bool TryGetScaleMonitor(string functionId, string functionName, string hubName, string connectionName,
        out IScaleMonitor scaleMonitor) =>
        inner.TryGetScaleMonitor(functionId, functionName, hubName, connectionName ?? inner.ConnectionName, out scaleMonitor);
    public override bool TryGetTargetScaler(string functionId, string functionName, string hubName, string connectionName,
        out ITargetScaler targetScaler) =>
        inner.TryGetTargetScaler(functionId, functionName, hubName, connectionName ?? inner.ConnectionName, out targetScaler);
    public override Task<IAsyncEnumerable<HistoryEvent>> StreamOrchestrationHistoryAsync(string instanceId, CancellationToken cancellationToken) =>
        inner.StreamOrchestrationHistoryAsync(instanceId, cancellationToken);
    public override void SetUseSeparateQueueForEntityWorkItems(bool newValue) => inner.SetUseSeparateQueueForEntityWorkItems(newValue);
}
