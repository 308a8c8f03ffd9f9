using System.Text;
using Microsoft.DurableTask.Client.Entities;
using Serverless.Store.Commands;
using Serverless.Store.Durable;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;

namespace Serverless.Store.PubSub;

/// <summary>
/// PUBLISH and PUBSUB for the store (a <see cref="CommandFlags.Service"/> command service), and the
/// subscription changes behind <c>subscribe</c>, <c>unsubscribe</c> and disconnects, over the
/// durable <see cref="SubscriptionRegistry"/> (pubsub.c's role). Costs: PUBLISH reads the
/// registry's state once (one table read) and makes one transport call per group that has
/// subscribers; PUBSUB reads the state once; a subscribe or unsubscribe makes one transport call
/// per channel or pattern, one signal to the registry, and waits (the store's <see cref="ReplyChannel"/>)
/// until the change is stored.
/// </summary>
public sealed class PubSubService(PubSubHub hub, DurableStore store) : ICommandService
{
    readonly DurableEntityClient entities = store.Entities;

    public PubSubHub Hub { get; } = hub;

    public HostService Serves => HostService.PubSub;

    public async Task<Reply> ExecuteAsync(byte[][] args, CancellationToken cancellation)
    {
        try
        {
            return Lower(args[0]) == "publish"
                ? Reply.Integer(await PublishAsync(Text(args[1]), Text(args[2]), cancellation))
                : await PubSubCommandAsync(args, cancellation);
        }
        catch (RedisException e)
        {
            return Reply.Error(e.Message);
        }
        catch (PubSubTransportException e)
        {
            return Reply.Error("ERR the message was not published: " + e.Message);
        }
    }

    /// <summary>PUBLISH: the number of receivers, from the registry as it is stored now (docs/pubsub.md on exactness).</summary>
    public async Task<long> PublishAsync(string channel, string data, CancellationToken cancellation) =>
        await Hub.DeliverAsync(await ReadAsync(cancellation), channel, data, cancellation);

    public async Task<Subscriptions?> ReadAsync(CancellationToken cancellation) =>
        (await entities.GetEntityAsync<Subscriptions>(SubscriptionRegistry.Id, includeState: true, cancellation))?.State;

    static readonly string[] HelpLines =
    [
        "CHANNELS [<pattern>]",
        "    Return the currently active channels matching a <pattern> (default: '*').",
        "NUMPAT",
        "    Return number of subscriptions to patterns.",
        "NUMSUB [<channel> ...]",
        "    Return the number of subscribers for the specified channels, excluding",
        "    pattern subscriptions(default: no channels).",
        "SHARDCHANNELS [<pattern>]",
        "    Return the currently active shard level channels matching a <pattern> (default: '*').",
        "SHARDNUMSUB [<shardchannel> ...]",
        "    Return the number of subscribers for the specified shard level channel(s)",
    ];

    /// <summary>PUBSUB's subcommands are the table's (Redis 7.0's arities); shard channels exist in name only (there are never any).</summary>
    static readonly CommandSpec PubSubSpec = CommandTable.Find("pubsub")!;

    async Task<Reply> PubSubCommandAsync(byte[][] args, CancellationToken cancellation)
    {
        if (PubSubSpec.DispatchError(args) is { } refused) return Reply.Error(refused);
        var sub = Lower(args[1]);
        if (sub is "channels" or "shardchannels" && args.Length > 3) // checked by pubsubCommand itself, hence its own text
            return Reply.Error(Errors.SubcommandSyntax(args).Message);
        switch (sub)
        {
            case "help":
                return Reply.Help("PUBSUB", HelpLines);
            case "shardchannels":
                return Reply.EmptyArray;
            case "shardnumsub":
                return Reply.Array(args.Skip(2).SelectMany(c => new[] { Reply.Bulk(c), Reply.Zero }).ToArray());
        }
        var registry = await ReadAsync(cancellation) ?? new Subscriptions();
        switch (sub)
        {
            case "channels":
                var pattern = args.Length == 3 ? args[2] : null;
                return Reply.Array(registry.Channels
                    .Where(c => c.Value.Count > 0 && (pattern is null || Glob.Match(pattern, Encoding.UTF8.GetBytes(c.Key))))
                    .Select(c => Reply.Bulk(c.Key)).ToArray());
            case "numsub":
                return Reply.Array(args.Skip(2).SelectMany(c => new[] { Reply.Bulk(c), Reply.Integer(registry.NumSub(Text(c))) }).ToArray());
            default: // numpat: patterns with at least one subscriber (Redis 7.0 counts distinct patterns)
                return Reply.Integer(registry.Patterns.Count(p => p.Value.Count > 0));
        }
    }

    /// <summary>
    /// Subscribes a connection: checks that it exists, adds it to the groups, then records in the
    /// registry the groups it joined and waits until that is stored (a PUBLISH right after counts
    /// it); a group it could not join is reported after that, and not counted.
    /// </summary>
    public async Task SubscribeAsync(string connectionId, string[] channels, string[] patterns, CancellationToken cancellation)
    {
        if (!await Hub.Transport.ConnectionExistsAsync(connectionId, cancellation))
            throw new UnknownConnectionException(connectionId);
        var joined = await Task.WhenAll(
            channels.Select(c => JoinAsync(Groups.Channel(c), c))
            .Concat(patterns.Select(p => JoinAsync(Groups.Pattern(p), p))));
        var (joinedChannels, joinedPatterns) = (joined[..channels.Length], joined[channels.Length..]);
        await UpdateAsync(new RegistryUpdate
        {
            ConnectionId = connectionId, Subscribe = true,
            Channels = joinedChannels.Where(j => j.Failure is null).Select(j => j.Name).ToArray(),
            Patterns = joinedPatterns.Where(j => j.Failure is null).Select(j => j.Name).ToArray(),
        }, cancellation);
        if (joined.FirstOrDefault(j => j.Failure is not null).Failure is { } failure) throw failure;

        async Task<(string Name, PubSubTransportException? Failure)> JoinAsync(string group, string name)
        {
            try
            {
                await Hub.Transport.AddToGroupAsync(group, connectionId, cancellation);
                return (name, null);
            }
            catch (PubSubTransportException e)
            {
                return (name, e);
            }
        }
    }

    /// <summary>
    /// Unsubscribes; with no channels and no patterns, from everything (Redis's UNSUBSCRIBE +
    /// PUNSUBSCRIBE without arguments). Every group removal is tried, then the registry drops what was
    /// asked whatever failed (so NUMSUB and PUBLISH stop counting it), then a failure is reported: the
    /// caller may retry, and a removal of what is already gone succeeds.
    /// </summary>
    public async Task UnsubscribeAsync(string connectionId, string[] channels, string[] patterns, CancellationToken cancellation)
    {
        Func<Task>[] removals = channels.Length == 0 && patterns.Length == 0
            ? [() => Hub.Transport.RemoveFromAllGroupsAsync(connectionId, cancellation)]
            : channels.Select(c => (Func<Task>)(() => Hub.Transport.RemoveFromGroupAsync(Groups.Channel(c), connectionId, cancellation)))
                .Concat(patterns.Select(p => (Func<Task>)(() => Hub.Transport.RemoveFromGroupAsync(Groups.Pattern(p), connectionId, cancellation)))).ToArray();
        var removed = Task.WhenAll(removals.Select(async remove => await remove())); // a throw becomes a failed task, like the others
        try { await removed; }
        catch (PubSubTransportException) { } // reported below, once the registry is right
        await UpdateAsync(new RegistryUpdate { ConnectionId = connectionId, Subscribe = false, Channels = channels, Patterns = patterns }, cancellation);
        await removed;
    }

    /// <summary>A connection is gone: the transport dropped it from its groups; drop its subscriptions (not awaited further).</summary>
    public Task DisconnectedAsync(string connectionId, CancellationToken cancellation = default) =>
        entities.SignalEntityAsync(SubscriptionRegistry.Id, SubscriptionRegistry.Disconnect, connectionId, cancellation: cancellation);

    /// <summary>
    /// The registry's sweep: asks the transport about every connection the registry holds and drops
    /// the subscriptions of those it no longer has (their disconnect never reached the store: Azure
    /// SignalR Service restarted, an upstream call failed, the standalone host was killed), so PUBLISH
    /// and PUBSUB stop counting them. Cost: one registry read, one existence check per subscribed
    /// connection, one signal per connection dropped. The hosts run it on the TTL sweep's timer.
    /// Returns the number of connections dropped.
    /// </summary>
    public async Task<int> SweepAsync(CancellationToken cancellation = default)
    {
        if (await ReadAsync(cancellation) is not { IsEmpty: false } registry) return 0;
        var connections = registry.Channels.Values.Concat(registry.Patterns.Values).SelectMany(ids => ids).Distinct(StringComparer.Ordinal).ToList();
        var gone = new List<string>();
        await Parallel.ForEachAsync(connections, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellation }, async (id, ct) =>
        {
            if (!await Hub.Transport.ConnectionExistsAsync(id, ct)) lock (gone) gone.Add(id);
        });
        foreach (var id in gone) await DisconnectedAsync(id, cancellation);
        return gone.Count;
    }

    async Task UpdateAsync(RegistryUpdate update, CancellationToken cancellation)
    {
        update.Id = SubmitRequest.NewId();
        await store.Replies.AwaitAsync<Subscriptions, RegistryUpdate>(SubscriptionRegistry.Id,
            registry => registry?.Applied(update.Id) == true ? update : null,
            () => entities.SignalEntityAsync(SubscriptionRegistry.Id, SubscriptionRegistry.Update, update, cancellation: cancellation),
            "a subscription change", cancellation);
    }

    static string Text(byte[] b) => Encoding.UTF8.GetString(b);
    static string Lower(byte[] b) => Encoding.ASCII.GetString(b).ToLowerInvariant();
}

public sealed class UnknownConnectionException(string connectionId)
    : Exception($"no SignalR connection '{connectionId}' is connected to the hub: connect first, then subscribe with the connection's id");
