using System.Text;
using Microsoft.DurableTask.Client;
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
/// per channel or pattern, one signal to the registry, and polls its state until the change is stored.
/// </summary>
public sealed class PubSubService(PubSubHub hub, DurableTaskClient client, TimeProvider? time = null) : ICommandService
{
    readonly TimeProvider time = time ?? TimeProvider.System;

    public PubSubHub Hub { get; } = hub;

    /// <summary>How long a subscription change waits to be stored in the registry.</summary>
    public TimeSpan UpdateTimeout { get; init; } = TimeSpan.FromSeconds(30);

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
        (await client.Entities.GetEntityAsync<Subscriptions>(SubscriptionRegistry.Id, includeState: true, cancellation))?.State;

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
    /// Subscribes a connection: checks that it exists, adds it to the groups, then records it in
    /// the registry and waits until that is stored (a PUBLISH right after counts it).
    /// </summary>
    public async Task SubscribeAsync(string connectionId, string[] channels, string[] patterns, CancellationToken cancellation)
    {
        if (!await Hub.Transport.ConnectionExistsAsync(connectionId, cancellation))
            throw new UnknownConnectionException(connectionId);
        await Task.WhenAll(channels.Select(c => Hub.Transport.AddToGroupAsync(Groups.Channel(c), connectionId, cancellation))
            .Concat(patterns.Select(p => Hub.Transport.AddToGroupAsync(Groups.Pattern(p), connectionId, cancellation))));
        await UpdateAsync(new RegistryUpdate { ConnectionId = connectionId, Subscribe = true, Channels = channels, Patterns = patterns }, cancellation);
    }

    /// <summary>Unsubscribes; with no channels and no patterns, from everything (Redis's UNSUBSCRIBE + PUNSUBSCRIBE without arguments).</summary>
    public async Task UnsubscribeAsync(string connectionId, string[] channels, string[] patterns, CancellationToken cancellation)
    {
        if (channels.Length == 0 && patterns.Length == 0)
            await Hub.Transport.RemoveFromAllGroupsAsync(connectionId, cancellation);
        else
            await Task.WhenAll(channels.Select(c => Hub.Transport.RemoveFromGroupAsync(Groups.Channel(c), connectionId, cancellation))
                .Concat(patterns.Select(p => Hub.Transport.RemoveFromGroupAsync(Groups.Pattern(p), connectionId, cancellation))));
        await UpdateAsync(new RegistryUpdate { ConnectionId = connectionId, Subscribe = false, Channels = channels, Patterns = patterns }, cancellation);
    }

    /// <summary>A connection is gone: the transport dropped it from its groups; drop its subscriptions (not awaited further).</summary>
    public Task DisconnectedAsync(string connectionId, CancellationToken cancellation = default) =>
        client.Entities.SignalEntityAsync(SubscriptionRegistry.Id, SubscriptionRegistry.Disconnect, connectionId, cancellation: cancellation);

    async Task UpdateAsync(RegistryUpdate update, CancellationToken cancellation)
    {
        update.Id = SubmitRequest.NewId();
        await client.Entities.SignalEntityAsync(SubscriptionRegistry.Id, SubscriptionRegistry.Update, update, cancellation: cancellation);
        var started = time.GetTimestamp();
        for (var delay = 2; ; delay = Math.Min(delay * 2, 50))
        {
            await Task.Delay(delay, cancellation);
            if ((await ReadAsync(cancellation))?.Applied(update.Id) == true) return;
            if (time.GetElapsedTime(started) > UpdateTimeout)
                throw new TimeoutException($"the subscription change was sent to the registry but not stored within {UpdateTimeout.TotalSeconds:F0} s; it may still be applied");
        }
    }

    static string Text(byte[] b) => Encoding.UTF8.GetString(b);
    static string Lower(byte[] b) => Encoding.ASCII.GetString(b).ToLowerInvariant();
}

public sealed class UnknownConnectionException(string connectionId)
    : Exception($"no SignalR connection '{connectionId}' is connected to the hub: connect first, then subscribe with the connection's id");
