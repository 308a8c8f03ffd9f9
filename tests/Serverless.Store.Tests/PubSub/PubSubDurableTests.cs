using System.Text;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;
using Serverless.Store.PubSub;
using Serverless.Store.Tests.Durable;
using Serverless.Store.Tests.Oracle;

namespace Serverless.Store.Tests.PubSub;

/// <summary>
/// The subscription registry on the real Durable Task engine (Azurite): PUBLISH's count and
/// PUBSUB's replies against redis-server holding the same subscriptions (RESP clients there,
/// registry updates here), and keyspace events travelling from key entities and transactions
/// through the registry to the transport, expiry included.
/// </summary>
[Trait("Needs", "azurite")]
[Trait("Needs", "redis-server")]
[Collection(DurableCollection.Name)]
public sealed class PubSubDurableTests(DurableFixture fixture)
{
    PubSubService PubSub => fixture.Engine.PubSub!;
    RecordingTransport Transport => fixture.PubSubTransport;

    static byte[][] Args(string line) => Oracle.Differential.Parse(line);

    Task<Reply> Store(string line) => fixture.Store.ExecuteAsync(Args(line));

    [Fact]
    public async Task Publish_counts_and_pubsub_replies_match_redis_with_the_same_subscribers()
    {
        using var redis = new RedisServer();
        var run = Guid.NewGuid().ToString("N")[..6];
        string news = "news" + run, sports = "sports" + run;
        // (connection, channels, patterns), as three subscribers would hold them in Redis.
        (string Id, string[] Channels, string[] Patterns)[] subscribers =
        [
            ("a" + run, [news, sports], []),
            ("b" + run, [news], [$"news{run}*", $"s?orts{run}"]),
            ("c" + run, [], [$"news{run}*"]),
        ];
        var clients = new List<RespClient>();
        try
        {
            foreach (var (id, channels, patterns) in subscribers)
            {
                var client = new RespClient(redis.Port);
                clients.Add(client);
                if (channels.Length > 0) Confirmations(client, ["SUBSCRIBE", .. channels], channels.Length);
                if (patterns.Length > 0) Confirmations(client, ["PSUBSCRIBE", .. patterns], patterns.Length);
                Transport.Connect(id);
                await PubSub.SubscribeAsync(id, channels, patterns, default);
                foreach (var c in channels) Assert.True(Transport.IsMember(Groups.Channel(c), id));
            }

            await Compare(redis, news, sports);
            Assert.Contains(Transport.Sent, s => s.Group == Groups.Pattern($"news{run}*") && s.Message == PubSubMessage.PMessage($"news{run}*", news, "hello"));
            Assert.Contains(Transport.Sent, s => s.Group == Groups.Channel(news) && s.Message == PubSubMessage.Message(news, "hello"));

            // b leaves everything (UNSUBSCRIBE and PUNSUBSCRIBE without arguments), a leaves one channel.
            Confirmations(clients[1], ["UNSUBSCRIBE"], subscribers[1].Channels.Length);
            Confirmations(clients[1], ["PUNSUBSCRIBE"], subscribers[1].Patterns.Length);
            await PubSub.UnsubscribeAsync(subscribers[1].Id, [], [], default);
            Confirmations(clients[0], ["UNSUBSCRIBE", sports], 1);
            await PubSub.UnsubscribeAsync(subscribers[0].Id, [sports], [], default);
            Assert.False(Transport.IsMember(Groups.Channel(sports), subscribers[0].Id));
            await Compare(redis, news, sports);
        }
        finally
        {
            foreach (var c in clients) c.Dispose();
            foreach (var (id, _, _) in subscribers) await PubSub.DisconnectedAsync(id);
        }
    }

    /// <summary>
    /// Sends a (un)subscribe command on a subscribed connection and reads its <paramref name="count"/>
    /// confirmations, skipping the messages the connection received before them.
    /// </summary>
    static void Confirmations(RespClient client, string[] command, int count)
    {
        var kind = command[0].ToLowerInvariant();
        var reply = client.Call(command);
        for (var seen = 0; ; reply = client.Read())
        {
            if (Assert.IsType<ArrayReply>(reply).Items![0].ToString() == $"\"{kind}\"" && ++seen == count) return;
        }
    }

    async Task Compare(RedisServer redis, string news, string sports)
    {
        var commands = new[]
        {
            $"PUBLISH {news} hello", $"PUBLISH {sports} score", $"PUBLISH {news}.eu world", "PUBLISH nobody-listens x",
            $"PUBSUB NUMSUB {news} {sports} nobody", "PUBSUB NUMSUB", "PUBSUB NUMPAT", "PUBSUB HELP",
            "PUBSUB SHARDCHANNELS", "PUBSUB SHARDNUMSUB a b", "PUBSUB nope", "PUBSUB NUMPAT extra", "PUBSUB CHANNELS a b", "PUBSUB channels a b", "PUBSUB SHARDCHANNELS a b", "PUBSUB HELP x", "PUBSUB",
        };
        foreach (var line in commands)
            Assert.Equal((line, redis.Client.Call(Args(line)).ToString()), (line, (await Store(line)).ToString()));
        // Channel lists come in no defined order: compared as sets (only this test's channels).
        foreach (var line in new[] { "PUBSUB CHANNELS", $"PUBSUB CHANNELS {news[..4]}*", "PUBSUB CHANNELS nomatch*" })
        {
            var run = news[4..];
            IEnumerable<string> Ours(Reply r) => Assert.IsType<ArrayReply>(r).Items!.Select(i => i.ToString()).Where(n => n.Contains(run)).Order();
            Assert.Equal(Ours(redis.Client.Call(Args(line))), Ours(await Store(line)));
        }
    }

    [Fact]
    public async Task Keyspace_events_reach_subscribers_from_entities_transactions_and_expiry()
    {
        var previous = KeyspaceNotifications.Current;
        KeyspaceNotifications.Current = KeyspaceNotifications.Parse("KEA");
        var run = Guid.NewGuid().ToString("N")[..6];
        var id = "ks" + run;
        var pattern = $"__keyspace@0__:board{run}*";
        try
        {
            Transport.Connect(id);
            await PubSub.SubscribeAsync(id, ["__keyevent@0__:expired"], [pattern], default);

            // A single-key write: its entity publishes after its batch is stored.
            Assert.Equal(Reply.One, await Store($"ZADD board{run} 10 ada"));
            Assert.Equal("10", Encoding.UTF8.GetString(((BulkReply)await Store($"ZSCORE board{run} ada")).Value!));
            await Transport.WaitForAsync((g, m) => g == Groups.Pattern(pattern) && m == PubSubMessage.PMessage(pattern, $"__keyspace@0__:board{run}", "zadd"));

            // A multi-key command: the locked orchestration publishes once the keys are written.
            Assert.Equal(Reply.Ok, await Store($"RENAME board{run} board{run}:old"));
            await Transport.WaitForAsync((_, m) => m == PubSubMessage.PMessage(pattern, $"__keyspace@0__:board{run}", "rename_from"));
            await Transport.WaitForAsync((_, m) => m == PubSubMessage.PMessage(pattern, $"__keyspace@0__:board{run}:old", "rename_to"));

            // Expiry by the key's own entity: "expired" on __keyevent@0__:expired, with the key as data.
            Assert.Equal(Reply.Ok, await Store($"SET temp{run} v PX 300"));
            await Transport.WaitForAsync((g, m) => g == Groups.Channel("__keyevent@0__:expired") && m == PubSubMessage.Message("__keyevent@0__:expired", $"temp{run}"));

            // Order per key: events of one key arrive in the order of its writes.
            foreach (var n in Enumerable.Range(1, 5)) await Store($"HSET board{run}h f{n} {n}");
            await Store($"DEL board{run}h");
            var last = await Transport.WaitForAsync((_, m) => m.Channel == $"__keyspace@0__:board{run}h" && m.Data == "del");
            var ofHash = Transport.Sent.Where(s => s.Message.Channel == $"__keyspace@0__:board{run}h").Select(s => s.Message.Data).ToList();
            Assert.Equal(["hset", "hset", "hset", "hset", "hset", "del"], ofHash);
        }
        finally
        {
            KeyspaceNotifications.Current = previous;
            await PubSub.DisconnectedAsync(id);
        }
    }

    [Fact]
    public async Task Config_set_notify_keyspace_events_publishes_from_entities_then_back_at_the_default_stops()
    {
        Assert.False(KeyspaceNotifications.Current.Enabled); // the app setting: off
        var run = Guid.NewGuid().ToString("N")[..6];
        var id = "cfg" + run;
        var channel = $"__keyspace@0__:cfg{run}";
        try
        {
            Transport.Connect(id);
            await PubSub.SubscribeAsync(id, [channel], [], default);
            Assert.Equal(Reply.Ok, await Store("CONFIG SET notify-keyspace-events Kh"));
            Assert.Equal(Reply.Array([Reply.Bulk("notify-keyspace-events"), Reply.Bulk("hK")]), await Store("CONFIG GET notify-keyspace-events"));
            await Store($"SET cfg{run} x"); // a string event: not in "h"
            await Store($"DEL cfg{run}");
            await Store($"HSET cfg{run} f 1");
            await Transport.WaitForAsync((g, m) => g == Groups.Channel(channel) && m == PubSubMessage.Message(channel, "hset"));
            Assert.Equal(["hset"], Transport.Sent.Where(s => s.Message.Channel == channel).Select(s => s.Message.Data));

            // Back at the default (off): no event. A key's events arrive in the order of its writes, so
            // once an event of a later write (with events on again) is in, an event of this one would be too.
            Assert.Equal(Reply.Ok, await Store("CONFIG SET notify-keyspace-events \"\""));
            await Store($"HINCRBY cfg{run} f 1");
            Assert.Equal(Reply.Ok, await Store("CONFIG SET notify-keyspace-events Kh"));
            await Store($"HDEL cfg{run} f");
            await Transport.WaitForAsync((_, m) => m == PubSubMessage.Message(channel, "hdel"));
            Assert.Equal(["hset", "hdel"], Transport.Sent.Where(s => s.Message.Channel == channel).Select(s => s.Message.Data));
        }
        finally
        {
            await Store("CONFIG SET notify-keyspace-events \"\"");
            await PubSub.DisconnectedAsync(id);
        }
    }

    async Task<long> NumSub(string channel) =>
        ((IntegerReply)((ArrayReply)await Store($"PUBSUB NUMSUB {channel}")).Items![1]).Value;

    [Fact]
    public async Task A_partly_failed_unsubscribe_still_leaves_the_registry_right_and_reports_the_failure()
    {
        var run = Guid.NewGuid().ToString("N")[..6];
        string id = "u" + run, stale = "stale" + run, never = "never" + run;
        try
        {
            Transport.Connect(id);
            await PubSub.SubscribeAsync(id, [stale], [], default);
            Assert.Equal(1, await NumSub(stale));
            Transport.FailRemovalsFrom(Groups.Channel(never));

            await Assert.ThrowsAsync<PubSubTransportException>(() => PubSub.UnsubscribeAsync(id, [stale, never], [], default));

            // The registry dropped what was asked although one removal failed: nothing counts it any more.
            Assert.Equal(0, await NumSub(stale));
            Assert.Equal(Reply.Zero, await Store($"PUBLISH {stale} hello"));
            Assert.False(Transport.IsMember(Groups.Channel(stale), id));
        }
        finally
        {
            await PubSub.DisconnectedAsync(id);
        }
    }

    [Fact]
    public async Task The_registry_sweep_drops_connections_the_transport_no_longer_has()
    {
        var run = Guid.NewGuid().ToString("N")[..6];
        string kept = "k" + run, lost = "l" + run, channel = "swept" + run;
        try
        {
            Transport.Connect(kept);
            Transport.Connect(lost);
            await PubSub.SubscribeAsync(kept, [channel], [], default);
            await PubSub.SubscribeAsync(lost, [channel], [$"{channel}*"], default);
            Assert.Equal(Reply.Integer(3), await Store($"PUBLISH {channel} before"));

            Transport.Vanish(lost); // gone from the service; its disconnect never reached the store
            Assert.True(await PubSub.SweepAsync() >= 1);

            // The sweep's disconnect is a signal: wait (bounded) until the registry has applied it.
            var until = DateTime.UtcNow.AddSeconds(30);
            while (await NumSub(channel) != 1 && DateTime.UtcNow < until) await Task.Delay(100);
            Assert.Equal(1, await NumSub(channel));
            Assert.Equal(Reply.One, await Store($"PUBLISH {channel} after"));
        }
        finally
        {
            await PubSub.DisconnectedAsync(kept);
            await PubSub.DisconnectedAsync(lost);
        }
    }
}
