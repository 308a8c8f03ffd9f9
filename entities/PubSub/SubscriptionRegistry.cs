using Serverless.Store.Durable;
using System.Text;
using System.Text.Json.Serialization;
using Microsoft.DurableTask.Entities;
using Microsoft.Extensions.Logging;
using Serverless.Store.Commands;
using Serverless.Store.Keyspace;

namespace Serverless.Store.PubSub;

/// <summary>
/// Who is subscribed to what, shared by every instance of the app: one durable entity
/// (<c>pubsub</c>, key <c>registry</c>) whose state is a <see cref="Subscriptions"/>. SignalR
/// itself does not say who is in a group (Azure's REST API only answers "is anyone in it"), and
/// PUBLISH's count, PUBSUB and pattern delivery need it. Operations, all signalled:
/// <list type="bullet">
/// <item><c>update</c> (<see cref="RegistryUpdate"/>): subscribe or unsubscribe a connection; the
/// update's id is kept among the recent ones so the caller can wait until it is stored.</item>
/// <item><c>disconnect</c> (connection id): drops all its subscriptions (hub disconnect, or
/// SignalR Service's <c>connections/disconnected</c> upstream event).</item>
/// <item><c>notify</c> (<see cref="KeyspaceEventBatch"/>): keyspace events from key entities and
/// transactions, published here because this entity holds the subscriptions they go to (no extra
/// read) and receives them only once their write was committed (see <see cref="Durable.KeyEntity"/>).</item>
/// </list>
/// </summary>
public sealed class SubscriptionRegistry(PubSubHub? hub = null, ILogger<SubscriptionRegistry>? logger = null) : ITaskEntity
{
    public const string Name = KeyspaceEventSink.EntityName;
    public const string Update = "update", Disconnect = "disconnect", Notify = KeyspaceEventSink.Notify;

    public static readonly EntityInstanceId Id = KeyspaceEventSink.Id;

    public async ValueTask<object?> RunAsync(TaskEntityOperation operation)
    {
        var state = operation.State.GetState<Subscriptions>() ?? new Subscriptions();
        switch (operation.Name.ToLowerInvariant())
        {
            case Update:
                state.Apply(operation.GetInput<RegistryUpdate>()!);
                break;
            case Disconnect:
                state.Drop(operation.GetInput<string>()!);
                break;
            case Notify:
                await PublishAsync(state, operation.GetInput<KeyspaceEventBatch>()!);
                return null; // nothing changed
            default:
                throw new NotSupportedException($"pubsub entity has no operation '{operation.Name}'");
        }
        operation.State.SetState(state.IsEmpty ? null : state);
        return null;
    }

    /// <summary>Fire and forget, like Redis: a failed send is logged, it does not fail the batch.</summary>
    async Task PublishAsync(Subscriptions state, KeyspaceEventBatch batch)
    {
        if (hub is null || state.IsEmpty) return;
        var notifications = batch.Notifications;
        foreach (var e in batch.ToEvents())
        foreach (var (channel, data) in notifications.Messages(e))
        {
            try
            {
                await hub.DeliverAsync(state, channel, data, CancellationToken.None);
            }
            catch (PubSubTransportException ex)
            {
                logger?.LogWarning(ex, "Keyspace event {Event} on {Channel} was not published", e.Name, channel);
            }
        }
    }
}

/// <summary>
/// The registry's state: channel -> connection ids, pattern -> connection ids, and the ids of
/// recent updates. JSON {"c":{..},"p":{..},"d":[..]}. Its size grows with the subscriptions: past
/// ~45 KB the backend keeps it in a blob (docs/pubsub.md, "Limits").
/// </summary>
public sealed class Subscriptions
{
    const int RecentUpdates = 128;

    [JsonPropertyName("c")] public Dictionary<string, List<string>> Channels { get; set; } = new(StringComparer.Ordinal);
    [JsonPropertyName("p")] public Dictionary<string, List<string>> Patterns { get; set; } = new(StringComparer.Ordinal);
    [JsonPropertyName("d")] public List<string> Done { get; set; } = [];

    [JsonIgnore] public bool IsEmpty => Channels.Count == 0 && Patterns.Count == 0 && Done.Count == 0;

    public bool Applied(string updateId) => Done.Contains(updateId);

    public void Apply(RegistryUpdate update)
    {
        if (Applied(update.Id)) return; // a redelivered signal
        if (update.Subscribe)
        {
            foreach (var c in update.Channels) Add(Channels, c, update.ConnectionId);
            foreach (var p in update.Patterns) Add(Patterns, p, update.ConnectionId);
        }
        else
        {
            // Redis: UNSUBSCRIBE / PUNSUBSCRIBE without arguments leave every channel / pattern.
            var all = update.Channels.Length == 0 && update.Patterns.Length == 0;
            foreach (var c in all ? Channels.Keys.ToArray() : update.Channels) Remove(Channels, c, update.ConnectionId);
            foreach (var p in all ? Patterns.Keys.ToArray() : update.Patterns) Remove(Patterns, p, update.ConnectionId);
        }
        Done.Add(update.Id);
        if (Done.Count > RecentUpdates) Done.RemoveRange(0, Done.Count - RecentUpdates);
    }

    public void Drop(string connectionId)
    {
        foreach (var c in Channels.Keys.ToArray()) Remove(Channels, c, connectionId);
        foreach (var p in Patterns.Keys.ToArray()) Remove(Patterns, p, connectionId);
    }

    /// <summary>What a connection is subscribed to (channels, patterns).</summary>
    public (string[] Channels, string[] Patterns) Of(string connectionId) =>
        (Channels.Where(e => e.Value.Contains(connectionId)).Select(e => e.Key).ToArray(),
         Patterns.Where(e => e.Value.Contains(connectionId)).Select(e => e.Key).ToArray());

    public int NumSub(string channel) => Channels.TryGetValue(channel, out var ids) ? ids.Count : 0;

    /// <summary>
    /// Where a message on <paramref name="channel"/> goes, as Redis's pubsubPublishMessage counts it:
    /// the channel's group (one receiver per subscribed connection), then every pattern that
    /// matches the channel (one per connection subscribed to it). A connection subscribed to the
    /// channel and to a matching pattern gets both, and counts twice, as in Redis.
    /// </summary>
    public IEnumerable<(string Group, PubSubMessage Message, int Receivers)> Route(string channel, string data)
    {
        if (Channels.TryGetValue(channel, out var ids) && ids.Count > 0)
            yield return (Groups.Channel(channel), PubSubMessage.Message(channel, data), ids.Count);
        if (Patterns.Count == 0) yield break;
        var bytes = Encoding.UTF8.GetBytes(channel);
        foreach (var (pattern, subscribers) in Patterns.OrderBy(p => p.Key, StringComparer.Ordinal))
            if (subscribers.Count > 0 && Glob.Match(Encoding.UTF8.GetBytes(pattern), bytes))
                yield return (Groups.Pattern(pattern), PubSubMessage.PMessage(pattern, channel, data), subscribers.Count);
    }

    static void Add(Dictionary<string, List<string>> map, string name, string connectionId)
    {
        if (!map.TryGetValue(name, out var ids)) map[name] = ids = [];
        if (!ids.Contains(connectionId)) ids.Add(connectionId);
    }

    static void Remove(Dictionary<string, List<string>> map, string name, string connectionId)
    {
        if (!map.TryGetValue(name, out var ids)) return;
        ids.Remove(connectionId);
        if (ids.Count == 0) map.Remove(name);
    }
}

/// <summary>One subscribe or unsubscribe of a connection, with an id to find it applied.</summary>
public sealed class RegistryUpdate
{
    [JsonPropertyName("i")] public string Id { get; set; } = "";
    [JsonPropertyName("n")] public string ConnectionId { get; set; } = "";
    [JsonPropertyName("s")] public bool Subscribe { get; set; }
    [JsonPropertyName("c")] public string[] Channels { get; set; } = [];
    [JsonPropertyName("p")] public string[] Patterns { get; set; } = [];
}
