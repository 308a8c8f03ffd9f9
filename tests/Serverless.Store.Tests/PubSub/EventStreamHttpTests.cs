using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Serverless.Store.PubSub;
using Serverless.Store.Tests.Http;

namespace Serverless.Store.Tests.PubSub;

/// <summary>
/// Upstash's pub/sub over server-sent events on the running standalone store, read as raw lines the
/// way @upstash/redis reads them: the subscribe confirmation, messages and pattern messages, PUBLISH
/// and PUBSUB counting the stream, keyspace events, tokens, a closed stream leaving the registry,
/// and the per-instance limit. The store is this class's own (keyspace events on, 3 streams at most).
/// </summary>
[Trait("Needs", "store")]
public sealed class EventStreamHttpTests(EventStreamStoreHost store) : IClassFixture<EventStreamStoreHost>
{
    readonly string run = Guid.NewGuid().ToString("N")[..8];

    /// <summary>An open stream and the data lines read from it so far.</summary>
    sealed class Stream : IAsyncDisposable
    {
        readonly HttpResponseMessage response;
        readonly StreamReader reader;

        Stream(HttpResponseMessage response, StreamReader reader) => (this.response, this.reader) = (response, reader);

        public static async Task<(int Status, Stream? Stream, string Body)> OpenAsync(StoreHost store, string path, string? token = StoreHost.FullToken)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, store.BaseUrl + path) { Content = new StringContent("[]", Encoding.UTF8, "application/json") };
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var response = await store.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            if (!response.IsSuccessStatusCode)
            {
                var body = await response.Content.ReadAsStringAsync();
                response.Dispose();
                return ((int)response.StatusCode, null, body);
            }
            Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
            return (200, new Stream(response, new StreamReader(await response.Content.ReadAsStreamAsync())), "");
        }

        /// <summary>The next <c>data:</c> line (comments skipped); a minute at most: a lost event, not a slow one.</summary>
        public async Task<string> NextAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            while (true)
            {
                var line = await reader.ReadLineAsync(timeout.Token) ?? throw new Xunit.Sdk.XunitException("the stream ended");
                if (line.StartsWith("data: ", StringComparison.Ordinal)) return line[6..];
            }
        }

        public ValueTask DisposeAsync()
        {
            reader.Dispose();
            response.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    async Task<JsonElement> Result(params string[] command) => await store.ResultAsync(command);

    /// <summary>PUBSUB NUMSUB of one channel, polled until it is <paramref name="expected"/> (a minute at most: the close is signalled, not awaited).</summary>
    async Task AssertNumSubBecomesAsync(string channel, int expected)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        string numsub;
        while ((numsub = (await Result("PUBSUB", "NUMSUB", channel)).GetRawText()) != $"""["{channel}",{expected}]""" && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        Assert.Equal($"""["{channel}",{expected}]""", numsub);
    }

    [Fact]
    public async Task A_stream_confirms_then_carries_messages_and_publish_and_pubsub_count_it()
    {
        string news = "news" + run, sports = "sports" + run;
        var (status, stream, body) = await Stream.OpenAsync(store, $"/subscribe/{news}/{sports}");
        Assert.True(status == 200, body);
        await using (stream)
        {
            // Redis's count: this connection's subscriptions so far.
            Assert.Equal($"subscribe,{news},1", await stream!.NextAsync());
            Assert.Equal($"subscribe,{sports},2", await stream.NextAsync());
            Assert.Equal($"""["{news}",1,"{sports}",1]""", (await Result("PUBSUB", "NUMSUB", news, sports)).GetRawText());
            Assert.Contains(news, (await Result("PUBSUB", "CHANNELS", $"*{run}")).EnumerateArray().Select(c => c.GetString()));

            Assert.Equal(1, (await Result("PUBLISH", news, "hello, world")).GetInt64());
            Assert.Equal($"message,{news},hello, world", await stream.NextAsync());
            Assert.Equal(1, (await Result("PUBLISH", sports, """{"score":[1,2]}""")).GetInt64());
            Assert.Equal($$"""message,{{sports}},{"score":[1,2]}""", await stream.NextAsync());
            // A payload with a line break is two data lines, as the event-stream format requires.
            Assert.Equal(1, (await Result("PUBLISH", news, "line one\nline two")).GetInt64());
            Assert.Equal($"message,{news},line one", await stream.NextAsync());
            Assert.Equal("line two", await stream.NextAsync());
        }
        // Closing the stream unsubscribes: PUBLISH and NUMSUB stop counting it.
        await AssertNumSubBecomesAsync(news, 0);
        await AssertNumSubBecomesAsync(sports, 0);
        Assert.Equal(0, (await Result("PUBLISH", news, "nobody")).GetInt64());
    }

    [Fact]
    public async Task A_pattern_stream_gets_pmessages_and_keyspace_events()
    {
        var key = "watched" + run;
        var (status, stream, body) = await Stream.OpenAsync(store, $"/psubscribe/__keyspace@0__:{key}*");
        Assert.True(status == 200, body);
        await using (stream)
        {
            Assert.Equal($"psubscribe,__keyspace@0__:{key}*,1", await stream!.NextAsync());
            Assert.True((await Result("PUBSUB", "NUMPAT")).GetInt64() >= 1);

            Assert.Equal("OK", (await Result("SET", key, "v")).GetString());
            Assert.Equal($"pmessage,__keyspace@0__:{key}*,__keyspace@0__:{key},set", await stream.NextAsync());
            Assert.Equal(1, (await Result("PUBLISH", $"__keyspace@0__:{key}.x", "by hand")).GetInt64());
            Assert.Equal($"pmessage,__keyspace@0__:{key}*,__keyspace@0__:{key}.x,by hand", await stream.NextAsync());
        }
    }

    [Fact]
    public async Task Tokens_are_checked_as_for_SignalR_subscriptions()
    {
        var scores = "scores" + run;
        Assert.Equal(401, (await Stream.OpenAsync(store, $"/subscribe/{scores}", token: null)).Status);
        Assert.Equal(401, (await Stream.OpenAsync(store, $"/subscribe/{scores}", "not-a-token")).Status);
        var (status, _, body) = await Stream.OpenAsync(store, $"/subscribe/{scores}", StoreHost.ReadOnlyToken);
        Assert.Equal(403, status);
        Assert.StartsWith("NOPERM", JsonDocument.Parse(body).RootElement.GetProperty("error").GetString());

        var (issued, answer) = await store.PostAsync("/subscribe-token", $$"""{"patterns":["{{scores}}.*"],"ttlSeconds":600}""");
        Assert.True(issued == 200, answer);
        var token = JsonDocument.Parse(answer).RootElement.GetProperty("result").GetProperty("token").GetString()!;
        Assert.Equal(403, (await Stream.OpenAsync(store, $"/subscribe/other{run}", token)).Status);
        Assert.Equal(403, (await Stream.OpenAsync(store, $"/psubscribe/*", token)).Status);
        (status, var stream, body) = await Stream.OpenAsync(store, $"/subscribe/{scores}.daily", token);
        Assert.True(status == 200, body);
        await using (stream)
        {
            Assert.Equal($"subscribe,{scores}.daily,1", await stream!.NextAsync());
            Assert.Equal(1, (await Result("PUBLISH", scores + ".daily", "42")).GetInt64());
            Assert.Equal($"message,{scores}.daily,42", await stream.NextAsync());
        }
        // The bare path is still the SignalR JSON endpoint.
        Assert.Equal(400, (await store.PostAsync("/subscribe", """{"channels":["a"]}""")).Status);
    }

    [Fact]
    public async Task Past_the_instance_limit_a_stream_gets_503_until_one_closes()
    {
        var streams = new List<Stream>();
        try
        {
            // Other tests of this class may hold streams now: open until the limit answers.
            for (var i = 0; i <= EventStreamStoreHost.MaxStreams; i++)
            {
                var (status, stream, body) = await Stream.OpenAsync(store, $"/subscribe/limit{run}.{i}");
                if (status == 503)
                {
                    Assert.StartsWith("ERR max number of clients reached", JsonDocument.Parse(body).RootElement.GetProperty("error").GetString());
                    break;
                }
                Assert.True(status == 200, body);
                streams.Add(stream!);
                Assert.Equal($"subscribe,limit{run}.{i},1", await stream!.NextAsync());
            }
            Assert.InRange(streams.Count, 1, EventStreamStoreHost.MaxStreams);
        }
        finally
        {
            foreach (var s in streams) await s.DisposeAsync();
        }
        // Closed streams free their places (once the store has seen them close).
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (true)
        {
            var (status, stream, body) = await Stream.OpenAsync(store, $"/subscribe/limit{run}.again");
            if (status == 200)
            {
                await using (stream) Assert.Equal($"subscribe,limit{run}.again,1", await stream!.NextAsync());
                break;
            }
            Assert.True(status == 503 && DateTime.UtcNow < deadline, $"{status} {body}");
            await Task.Delay(100);
        }
    }

    /// <summary>
    /// The client side of Azure SignalR Service's held connections (<see cref="SignalRClient"/>) against
    /// a real SignalR server, the standalone hub: it follows negotiate's answer, is subscribed by id,
    /// and receives what PUBLISH sends.
    /// </summary>
    [Fact]
    public async Task The_stores_own_SignalR_client_follows_negotiate_and_receives_messages()
    {
        var channel = "held" + run;
        var (status, body) = await store.PostAsync("/negotiate", "");
        Assert.True(status == 200, body);
        var negotiated = JsonSerializer.Deserialize<NegotiateResult>(body)!;
        await using var held = await SignalRClient.ConnectAsync(negotiated, CancellationToken.None);
        (status, body) = await store.PostAsync("/subscribe", JsonSerializer.Serialize(new { connectionId = held.ConnectionId, channels = new[] { channel } }));
        Assert.True(status == 200, body);

        Assert.Equal(1, (await Result("PUBLISH", channel, "through the hub")).GetInt64());
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        Assert.Equal(PubSubMessage.Message(channel, "through the hub"), await held.Messages.ReadAsync(timeout.Token));
    }
}
