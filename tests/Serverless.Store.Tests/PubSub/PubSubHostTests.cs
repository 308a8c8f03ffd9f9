using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Serverless.Store.PubSub;
using Serverless.Store.Tests.Http;

namespace Serverless.Store.Tests.PubSub;

/// <summary>
/// Pub/sub on the running standalone store through the .NET SignalR client, the way a service
/// subscribes (the guide's subscriber loop): negotiate at the REST base, subscribe over REST,
/// PUBLISH through the REST API, messages arrive as <c>message</c> invocations in Redis's shape.
/// </summary>
[Trait("Needs", "store")]
[Collection(StoreHostCollection.Name)]
public sealed class PubSubHostTests(StoreHost store)
{
    /// <summary>A subscriber: a hub connection made the way any SignalR client makes it, and what it received.</summary>
    sealed class Subscriber : IAsyncDisposable
    {
        public HubConnection Connection { get; }
        public ConcurrentQueue<PubSubMessage> Received { get; } = new();
        readonly SemaphoreSlim arrived = new(0);

        Subscriber(HubConnection connection)
        {
            Connection = connection;
            connection.On<PubSubMessage>(IPubSubTransport.Target, m =>
            {
                Received.Enqueue(m);
                arrived.Release();
            });
        }

        public static async Task<Subscriber> ConnectAsync(StoreHost store, string token)
        {
            var connection = new HubConnectionBuilder()
                .WithUrl(store.BaseUrl, o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
                .Build();
            var subscriber = new Subscriber(connection);
            await connection.StartAsync();
            return subscriber;
        }

        /// <summary>The next message (fails after a minute: a lost message, not a slow one).</summary>
        public async Task<PubSubMessage> NextAsync()
        {
            Assert.True(await arrived.WaitAsync(TimeSpan.FromMinutes(1)), "no message arrived");
            Assert.True(Received.TryDequeue(out var m));
            return m!;
        }

        public async ValueTask DisposeAsync() => await Connection.DisposeAsync();
    }

    Task<(int Status, string Body)> Subscribe(string path, string connectionId, string[] channels, string[] patterns, string? token = StoreHost.FullToken) =>
        store.PostAsync(path, JsonSerializer.Serialize(new { connectionId, channels, patterns }), token);

    static string? Error((int Status, string Body) answer) =>
        answer.Status == 400 ? JsonDocument.Parse(answer.Body).RootElement.GetProperty("error").GetString() : $"HTTP {answer.Status}";

    async Task<JsonElement> Result(params string[] command) => await store.ResultAsync(command);

    /// <summary>Channel names of this run: the registry is the host's, shared with every other test.</summary>
    readonly string run = Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task A_dotnet_subscriber_gets_message_and_pmessage_and_publish_counts_both()
    {
        string orders = "orders" + run, other = "other" + run;
        await using var subscriber = await Subscriber.ConnectAsync(store, StoreHost.FullToken);
        var id = subscriber.Connection.ConnectionId!;
        var (status, body) = await Subscribe("/subscribe", id, [orders], [orders + ".*"]);
        Assert.True(status == 200, body);

        // PUBLISH counts one channel subscription and one matching pattern, as Redis does.
        Assert.Equal(1, (await Result("PUBLISH", orders, "first")).GetInt64());
        Assert.Equal(PubSubMessage.Message(orders, "first"), await subscriber.NextAsync());
        Assert.Equal(1, (await Result("PUBLISH", orders + ".eu", "second")).GetInt64());
        Assert.Equal(PubSubMessage.PMessage(orders + ".*", orders + ".eu", "second"), await subscriber.NextAsync());
        Assert.Equal(0, (await Result("PUBLISH", other, "nobody")).GetInt64());

        Assert.Equal($"""["{orders}",1,"{other}",0]""", (await Result("PUBSUB", "NUMSUB", orders, other)).GetRawText());
        Assert.Equal($"""["{orders}"]""", (await Result("PUBSUB", "CHANNELS", $"ord*{run}")).GetRawText());
        Assert.True((await Result("PUBSUB", "NUMPAT")).GetInt64() >= 1); // NUMPAT counts every pattern of the host: at least ours

        (status, body) = await Subscribe("/unsubscribe", id, [orders], []);
        Assert.True(status == 200, body);
        Assert.Equal($"""["{orders}",0]""", (await Result("PUBSUB", "NUMSUB", orders)).GetRawText());
        Assert.Equal(1, (await Result("PUBLISH", orders + ".us", "still by pattern")).GetInt64());
        Assert.Equal("pmessage", (await subscriber.NextAsync()).Type);
        Assert.Empty(subscriber.Received); // the channel message after unsubscribing did not come
    }

    [Fact]
    public async Task Disconnecting_removes_the_subscriptions_from_the_registry()
    {
        var subscriber = await Subscriber.ConnectAsync(store, StoreHost.FullToken);
        var channel = "leaving-" + Guid.NewGuid().ToString("N")[..8];
        var (status, body) = await Subscribe("/subscribe", subscriber.Connection.ConnectionId!, [channel], []);
        Assert.True(status == 200, body);
        Assert.Equal($"""["{channel}",1]""", (await Result("PUBSUB", "NUMSUB", channel)).GetRawText());

        await subscriber.DisposeAsync(); // the hub sees the disconnect; the registry drops the connection (a signal: soon, not at once)
        var deadline = DateTime.UtcNow.AddMinutes(1);
        string numsub;
        while ((numsub = (await Result("PUBSUB", "NUMSUB", channel)).GetRawText()) != $"""["{channel}",0]""" && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        Assert.Equal($"""["{channel}",0]""", numsub);
        Assert.Equal(0, (await Result("PUBLISH", channel, "gone")).GetInt64());
    }

    [Fact]
    public async Task Subscribe_tokens_limit_channels_and_patterns_and_bad_tokens_get_401()
    {
        var scores = "scores" + run;
        var (status, body) = await store.PostAsync("/subscribe-token", $$"""{"patterns":["{{scores}}","{{scores}}.*"],"ttlSeconds":600,"user":"browser-1"}""");
        Assert.True(status == 200, body);
        var token = JsonDocument.Parse(body).RootElement.GetProperty("result").GetProperty("token").GetString()!;

        // The subscribe token is not a command token, and the read-only token cannot issue one.
        Assert.Equal(401, (await store.SendAsync(["GET", "k"], token)).Status);
        Assert.Equal(403, (await store.PostAsync("/subscribe-token", """{"patterns":["*"]}""", StoreHost.ReadOnlyToken)).Status);
        Assert.Equal(400, (await store.PostAsync("/subscribe-token", """{"patterns":[]}""")).Status);

        await using var subscriber = await Subscriber.ConnectAsync(store, token);
        var id = subscriber.Connection.ConnectionId!;
        Assert.Equal(403, (await Subscribe("/subscribe", id, ["orders" + run], [], token)).Status);
        Assert.Equal(403, (await Subscribe("/subscribe", id, [], [$"score*{run}"], token)).Status); // wider than scores<run>.*
        Assert.Equal(401, (await Subscribe("/subscribe", id, [scores], [], "not-a-token")).Status);
        Assert.Equal(401, (await Subscribe("/subscribe", id, [scores], [], token[..^4] + "AAAA")).Status); // signature altered
        Assert.Equal(403, (await Subscribe("/subscribe", id, [scores], [], StoreHost.ReadOnlyToken)).Status);
        Assert.Equal(404, (await Subscribe("/subscribe", "no-such-connection", [scores], [], token)).Status);
        (status, body) = await Subscribe("/subscribe", id, [scores, scores + ".daily"], [scores + ".weekly.*"], token);
        Assert.True(status == 200, body);

        Assert.Equal(1, (await Result("PUBLISH", scores + ".weekly.eu", "42")).GetInt64());
        Assert.Equal(PubSubMessage.PMessage(scores + ".weekly.*", scores + ".weekly.eu", "42"), await subscriber.NextAsync());
    }

    [Fact]
    public async Task Negotiate_and_bad_requests_answer_with_clear_statuses()
    {
        using var negotiate = new HttpRequestMessage(HttpMethod.Post, store.BaseUrl + "/negotiate?negotiateVersion=1");
        var (status, body) = await store.SendRequestAsync(negotiate);
        Assert.Equal(200, status);
        var answer = JsonDocument.Parse(body).RootElement;
        Assert.EndsWith("/signalr/store", answer.GetProperty("url").GetString());
        Assert.Equal(3, answer.GetProperty("accessToken").GetString()!.Split('.').Length);

        using var noToken = new HttpRequestMessage(HttpMethod.Post, store.BaseUrl + "/negotiate");
        Assert.Equal(401, (await store.SendRequestAsync(noToken, token: null)).Status);
        // The hub itself only takes the token negotiate handed out.
        using var hub = new HttpRequestMessage(HttpMethod.Post, answer.GetProperty("url").GetString() + "/negotiate?negotiateVersion=1");
        Assert.Equal(401, (await store.SendRequestAsync(hub, StoreHost.FullToken)).Status);

        Assert.Equal(400, (await store.PostAsync("/subscribe", "not json")).Status);
        Assert.Equal(400, (await store.PostAsync("/subscribe", """{"channels":["a"]}""")).Status);
        Assert.Equal(400, (await store.PostAsync("/subscribe", """{"connectionId":"x","channels":[1]}""")).Status);
        Assert.Equal(400, (await store.PostAsync("/subscribe", """{"connectionId":"x"}""")).Status);
        using var get = new HttpRequestMessage(HttpMethod.Get, store.BaseUrl + "/subscribe");
        Assert.Equal(405, (await store.SendRequestAsync(get)).Status);
        // No SignalR Service here: the upstream endpoint says so.
        Assert.Equal(404, (await store.PostAsync("/_signalr/store/connections/disconnected", "")).Status);

        Assert.Equal("ERR wrong number of arguments for 'publish' command", Error(await store.SendAsync(["PUBLISH", "x"])));
        Assert.Equal("ERR unknown subcommand 'nope'. Try PUBSUB HELP.", Error(await store.SendAsync(["PUBSUB", "nope"])));
        Assert.Equal(403, (await store.SendAsync(["PUBLISH", "x", "y"], StoreHost.ReadOnlyToken)).Status);
        Assert.Equal(200, (await store.SendAsync(["PUBSUB", "NUMPAT"], StoreHost.ReadOnlyToken)).Status);
    }
}
