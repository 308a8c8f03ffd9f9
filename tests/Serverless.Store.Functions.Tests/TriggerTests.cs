using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Client.Entities;
using Microsoft.DurableTask.Entities;
using Microsoft.Extensions.Logging.Abstractions;
using Moq;
using Serverless.Store.Api;
using Serverless.Store.Durable;
using Serverless.Store.Http;
using Serverless.Store.Keyspace;
using Serverless.Store.Protocol;

namespace Serverless.Store.Functions.Tests;

/// <summary>
/// The HTTP trigger as the Functions worker calls it, with the bindings mocked: it hands its
/// request and its durable client to the router and returns the router's response.
/// </summary>
public class TriggerTests
{
    const string Token = "full-token", ReadOnly = "read-token";

    static RestFunctions Functions(AccessPolicy? access = null) =>
        new(access ?? new AccessPolicy(Token, ReadOnly), NullLogger<RestFunctions>.Instance);

    /// <summary>A request as the worker receives it from the host's proxy: <paramref name="pathAndQuery"/> is its raw target.</summary>
    internal static HttpRequest Request(string method, string pathAndQuery, string? body = null, string? token = Token, string remote = "203.0.113.7")
    {
        var http = new DefaultHttpContext();
        var parts = pathAndQuery.Split('?', 2);
        http.Request.Method = method;
        http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()!.RawTarget = pathAndQuery;
        http.Request.Path = PathString.FromUriComponent(parts[0]);
        if (parts.Length > 1) http.Request.QueryString = new QueryString("?" + parts[1]);
        if (token is not null) http.Request.Headers.Authorization = "Bearer " + token;
        http.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(body ?? ""));
        http.Connection.RemoteIpAddress = IPAddress.Parse(remote);
        http.Response.Body = new MemoryStream();
        return http.Request;
    }

    internal static (Mock<DurableTaskClient> Client, Mock<DurableEntityClient> Entities) Client()
    {
        // Convenience overloads are virtual and call the abstract members, as in the SDK.
        var client = new Mock<DurableTaskClient>("test") { CallBase = true };
        var entities = new Mock<DurableEntityClient>("test") { CallBase = true };
        client.SetupGet(c => c.Entities).Returns(entities.Object);
        return (client, entities);
    }

    /// <summary>Runs the action result the way the host does and reads what it wrote.</summary>
    static async Task<(int Status, string Body, IHeaderDictionary Headers)> Execute(IActionResult result, HttpRequest request)
    {
        await result.ExecuteResultAsync(new ActionContext(request.HttpContext, new RouteData(), new ActionDescriptor()));
        var response = request.HttpContext.Response;
        response.Body.Position = 0;
        return (response.StatusCode, await new StreamReader(response.Body).ReadToEndAsync(), response.Headers);
    }

    [Fact]
    public async Task A_path_style_read_goes_to_the_key_entity_through_the_bound_client()
    {
        var (client, entities) = Client();
        var id = KeyEntity.Id(Encoding.UTF8.GetBytes("greeting"));
        entities.Setup(e => e.GetEntityAsync<KeyRecord>(id, true, It.IsAny<CancellationToken>()))
            .ReturnsAsync(new EntityMetadata<KeyRecord>(id, new KeyRecord { State = KeyState.OfString(Encoding.UTF8.GetBytes("hello")) }));
        var request = Request("GET", "/api/get/greeting");

        var result = await Functions().Rest(request, client.Object);

        var rest = Assert.IsType<RestResult>(result);
        Assert.Equal(200, rest.Response.Status);
        var (status, body, headers) = await Execute(result, request);
        Assert.Equal(200, status);
        Assert.Equal("""{"result":"hello"}""", body);
        Assert.Equal("application/json", headers.ContentType.ToString());
        Assert.Equal("*", headers.AccessControlAllowOrigin.ToString());
        entities.Verify(e => e.GetEntityAsync<KeyRecord>(id, true, It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task A_write_at_the_base_signals_the_key_entity_and_answers_from_its_stored_record()
    {
        var (client, entities) = Client();
        var id = KeyEntity.Id(Encoding.UTF8.GetBytes("k"));
        SubmitRequest[]? signalled = null;
        entities.Setup(e => e.SignalEntityAsync(id, KeyEntity.Submit, It.IsAny<object?>(), It.IsAny<SignalEntityOptions?>(), It.IsAny<CancellationToken>()))
            .Callback((EntityInstanceId _, string _, object? input, SignalEntityOptions? _, CancellationToken _) => signalled = (SubmitRequest[])input!)
            .Returns(Task.CompletedTask);
        // The stored record, as the store's poll reads it: empty until the signal was sent, then it
        // holds the reply under the signalled request id.
        entities.Setup(e => e.GetEntityAsync(id, true, It.IsAny<CancellationToken>()))
            .ReturnsAsync(() => signalled is null
                ? null
                : new EntityMetadata(id, new SerializedData(JsonSerializer.Serialize(new KeyRecord
                {
                    State = KeyState.OfString(Encoding.UTF8.GetBytes("v")),
                    Replies = [new StoredReply(signalled[0].Id, 0, [Reply.Ok])],
                }))));
        var request = Request("POST", "/api", """["SET","k","v"]""");

        var result = await Functions().Rest(request, client.Object);

        Assert.Equal(200, Assert.IsType<RestResult>(result).Response.Status);
        var (status, body, _) = await Execute(result, request);
        Assert.True(status == 200, body);
        Assert.Equal("""{"result":"OK"}""", body);
        var submitted = Assert.Single(signalled!);
        Assert.False(string.IsNullOrEmpty(submitted.Id));
        var command = Assert.Single(submitted.Commands.Commands);
        Assert.Equal(["SET", "k", "v"], command.Select(Encoding.UTF8.GetString));
        entities.Verify(e => e.SignalEntityAsync(id, KeyEntity.Submit, It.IsAny<object?>(), It.IsAny<SignalEntityOptions?>(), It.IsAny<CancellationToken>()), Times.Once);
        client.Verify(c => c.ScheduleNewOrchestrationInstanceAsync(
            It.IsAny<TaskName>(), It.IsAny<object?>(), It.IsAny<StartOrchestrationOptions?>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public void Requests_bound_to_the_same_durable_client_share_one_store()
    {
        // The worker wraps its one gRPC client anew for every invocation; the wrappers share its Entities.
        var (first, entities) = Client();
        var second = new Mock<DurableTaskClient>("test") { CallBase = true };
        second.SetupGet(c => c.Entities).Returns(entities.Object);
        var (other, _) = Client();

        var store = RestFunctions.StoreFor(first.Object);

        Assert.Same(store, RestFunctions.StoreFor(second.Object));
        Assert.NotSame(store, RestFunctions.StoreFor(other.Object));
        Assert.False(store.Replies.CommitsNotified); // no commit notification in Functions: the store polls
    }

    [Fact]
    public async Task A_pipeline_below_the_base_reaches_the_router()
    {
        var (client, _) = Client();
        var request = Request("POST", "/api/pipeline", """[["PING"],["ECHO","x"]]""");

        var (status, body, _) = await Execute(await Functions().Rest(request, client.Object), request);

        Assert.Equal(200, status);
        Assert.Equal("""[{"result":"PONG"},{"result":"x"}]""", body);
    }

    [Fact]
    public async Task A_wrong_token_is_refused_before_the_client_is_used()
    {
        var (client, entities) = Client();
        var request = Request("GET", "/api/get/k", token: "wrong");

        var (status, body, _) = await Execute(await Functions().Rest(request, client.Object), request);

        client.VerifyGet(c => c.Entities, Times.AtMostOnce()); // finding the client's store only
        client.VerifyNoOtherCalls();
        entities.VerifyNoOtherCalls();
        Assert.Equal(401, status);
        Assert.Contains("unauthorized", body);
    }

    [Fact]
    public async Task In_azure_without_a_token_nothing_is_served()
    {
        var (client, entities) = Client();
        var access = AccessPolicy.FromSettings(name => name == AccessPolicy.AzureSiteSetting ? "my-store" : null);
        var request = Request("GET", "/api/get/k", token: null, remote: "127.0.0.1");

        var (status, body, _) = await Execute(await Functions(access).Rest(request, client.Object), request);

        client.VerifyGet(c => c.Entities, Times.AtMostOnce()); // finding the client's store only
        client.VerifyNoOtherCalls();
        entities.VerifyNoOtherCalls();
        Assert.Equal(403, status);
        Assert.Contains(AccessPolicy.TokenSetting, JsonDocument.Parse(body).RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Without_a_token_outside_azure_only_loopback_is_served()
    {
        var (client, _) = Client();
        var open = new AccessPolicy(null, null);
        var remote = Request("GET", "/api/ping", token: null, remote: "203.0.113.7");
        var local = Request("GET", "/api/ping", token: null, remote: "127.0.0.1");

        Assert.Equal(403, (await Execute(await Functions(open).Rest(remote, client.Object), remote)).Status);
        var (status, body, _) = await Execute(await Functions(open).Rest(local, client.Object), local);
        Assert.Equal(200, status);
        Assert.Equal("""{"result":"PONG"}""", body);
    }

    [Fact]
    public async Task Percent_encoded_key_bytes_reach_the_store_undecoded_by_the_host()
    {
        var (client, entities) = Client();
        var id = KeyEntity.Id(Encoding.UTF8.GetBytes("a/b"));
        entities.Setup(e => e.GetEntityAsync<KeyRecord>(id, true, It.IsAny<CancellationToken>()))
            .ReturnsAsync(new EntityMetadata<KeyRecord>(id, new KeyRecord { State = KeyState.OfString(Encoding.UTF8.GetBytes("slash")) }));
        var request = Request("GET", "/api/get/a%252Fb"); // a client's a%2Fb, as the host's proxy forwards it

        var (status, body, _) = await Execute(await Functions().Rest(request, client.Object), request);

        Assert.Equal(200, status);
        Assert.Equal("""{"result":"slash"}""", body);
    }

    [Fact]
    public async Task The_cleanup_timer_removes_empty_entities_and_orphaned_locks_through_the_bound_client()
    {
        var (client, entities) = Client();
        CleanEntityStorageRequest? asked = null;
        entities.Setup(e => e.CleanEntityStorageAsync(It.IsAny<CleanEntityStorageRequest?>(), true, It.IsAny<CancellationToken>()))
            .Callback((CleanEntityStorageRequest? r, bool _, CancellationToken _) => asked = r)
            .ReturnsAsync(new CleanEntityStorageResult { EmptyEntitiesRemoved = 3 });

        await new CleanupFunctions(NullLogger<CleanupFunctions>.Instance).Cleanup(new TimerInfo(), client.Object, CancellationToken.None);

        Assert.NotNull(asked);
        Assert.True(asked!.Value.RemoveEmptyEntities);
        Assert.True(asked.Value.ReleaseOrphanedLocks);
        entities.Verify(e => e.CleanEntityStorageAsync(It.IsAny<CleanEntityStorageRequest?>(), true, It.IsAny<CancellationToken>()), Times.Once);
    }
}

/// <summary>Azure SignalR Service's upstream call through the HTTP trigger: a disconnect drops the connection's subscriptions.</summary>
public class UpstreamTriggerTests
{
    const string Key = "upstream-tests-access-key-0123456789abcdef";

    static Serverless.Store.PubSub.PubSubHub Hub() => Serverless.Store.PubSub.PubSubHub.FromSettings(
        name => name == Serverless.Store.PubSub.SignalRConnectionString.Setting ? $"Endpoint=http://127.0.0.1;Port=9;AccessKey={Key};Version=1.0;" : null,
        inProcess: null)!;

    static HttpRequest Upstream(string connectionId, string signature)
    {
        var http = new DefaultHttpContext();
        http.Request.Method = "POST";
        http.Request.Path = "/api/_signalr/store/connections/disconnected";
        http.Request.Headers["X-ASRS-Connection-Id"] = connectionId;
        http.Request.Headers["X-ASRS-Signature"] = signature;
        http.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes("{}"));
        http.Connection.RemoteIpAddress = IPAddress.Parse("203.0.113.9");
        http.Response.Body = new MemoryStream();
        return http.Request;
    }

    [Fact]
    public async Task A_signed_disconnect_signals_the_registry_and_a_bad_signature_gets_401()
    {
        var client = new Mock<DurableTaskClient>("test") { CallBase = true };
        var entities = new Mock<DurableEntityClient>("test") { CallBase = true };
        client.SetupGet(c => c.Entities).Returns(entities.Object);
        entities.Setup(e => e.SignalEntityAsync(It.IsAny<EntityInstanceId>(), It.IsAny<string>(), It.IsAny<object?>(), It.IsAny<SignalEntityOptions?>(), It.IsAny<CancellationToken>()))
            .Returns(Task.CompletedTask);
        var functions = new RestFunctions(new AccessPolicy("full", null), NullLogger<RestFunctions>.Instance, new StoreServices(Hub(), null));

        var bad = await functions.Rest(Upstream("conn-1", Serverless.Store.PubSub.PubSubHub.UpstreamSignature("wrong-key", "conn-1")), client.Object);
        Assert.Equal(401, Assert.IsType<RestResult>(bad).Response.Status);
        entities.Verify(e => e.SignalEntityAsync(It.IsAny<EntityInstanceId>(), It.IsAny<string>(), It.IsAny<object?>(), It.IsAny<SignalEntityOptions?>(), It.IsAny<CancellationToken>()), Times.Never);

        var good = await functions.Rest(Upstream("conn-1", Serverless.Store.PubSub.PubSubHub.UpstreamSignature(Key, "conn-1")), client.Object);
        Assert.Equal(200, Assert.IsType<RestResult>(good).Response.Status);
        entities.Verify(e => e.SignalEntityAsync(Serverless.Store.PubSub.SubscriptionRegistry.Id, Serverless.Store.PubSub.SubscriptionRegistry.Disconnect,
            "conn-1", It.IsAny<SignalEntityOptions?>(), It.IsAny<CancellationToken>()), Times.Once);
    }
}

/// <summary>
/// Server-sent-event subscriptions through the Functions trigger, with the bindings mocked and a
/// transport that stands in for Azure SignalR Service (none runs here): the trigger hands back a
/// result that streams, the stream's held connection is subscribed through the registry, what the
/// service delivers to it is written as <c>data:</c> lines, the instance limit answers 503, and a
/// closed request unsubscribes and leaves the hub.
/// </summary>
public class EventStreamTriggerTests
{
    /// <summary>Held connections and group membership, as the service keeps them.</summary>
    sealed class ServiceStandIn : Serverless.Store.PubSub.IPubSubTransport
    {
        public readonly System.Collections.Concurrent.ConcurrentDictionary<string, Serverless.Store.PubSub.HeldConnection> Held = new();
        public readonly System.Collections.Concurrent.ConcurrentDictionary<(string Group, string Id), byte> Members = new();

        public Serverless.Store.PubSub.NegotiateResult Negotiate(string userId, Uri requestOrigin) => new("http://service/client/?hub=store", "t");

        public Task SendToGroupAsync(string group, Serverless.Store.PubSub.PubSubMessage message, CancellationToken cancellation)
        {
            foreach (var (id, held) in Held)
                if (Members.ContainsKey((group, id))) held.Deliver(message);
            return Task.CompletedTask;
        }

        public Task AddToGroupAsync(string group, string connectionId, CancellationToken cancellation)
        {
            Members[(group, connectionId)] = 0;
            return Task.CompletedTask;
        }

        public Task RemoveFromGroupAsync(string group, string connectionId, CancellationToken cancellation)
        {
            Members.TryRemove((group, connectionId), out _);
            return Task.CompletedTask;
        }

        public Task RemoveFromAllGroupsAsync(string connectionId, CancellationToken cancellation)
        {
            foreach (var key in Members.Keys.Where(k => k.Id == connectionId)) Members.TryRemove(key, out _);
            return Task.CompletedTask;
        }

        public Task<bool> ConnectionExistsAsync(string connectionId, CancellationToken cancellation) => Task.FromResult(Held.ContainsKey(connectionId));

        public Task<Serverless.Store.PubSub.HeldConnection> ConnectAsync(string userId, CancellationToken cancellation)
        {
            var id = "conn-" + Held.Count;
            var held = new Serverless.Store.PubSub.HeldConnection(id, () =>
            {
                Held.TryRemove(id, out _);
                return ValueTask.CompletedTask;
            });
            Held[id] = held;
            return Task.FromResult(held);
        }
    }

    /// <summary>The response body as the host would send it on, readable while the stream is still open.</summary>
    sealed class Capture : Stream
    {
        readonly StringBuilder text = new();
        public override string ToString() { lock (text) return text.ToString(); }
        public override void Write(byte[] buffer, int offset, int count) { lock (text) text.Append(Encoding.UTF8.GetString(buffer, offset, count)); }
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            lock (text) text.Append(Encoding.UTF8.GetString(buffer.Span));
            return ValueTask.CompletedTask;
        }
        public override void Flush() { }
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }

    static (HttpRequest Request, Capture Body, CancellationTokenSource Abort) StreamRequest(string path)
    {
        var request = TriggerTests.Request("POST", path, "[]", token: "full");
        request.Headers.Accept = "text/event-stream";
        var body = new Capture();
        var abort = new CancellationTokenSource();
        request.HttpContext.Response.Body = body;
        request.HttpContext.RequestAborted = abort.Token;
        return (request, body, abort);
    }

    static async Task UntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new Xunit.Sdk.XunitException("timed out waiting for " + what);
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task A_stream_is_subscribed_carries_what_the_service_delivers_and_leaves_when_closed()
    {
        var (client, entities) = TriggerTests.Client();
        // The registry as the store's poll reads it: every update signalled so far is applied.
        var updates = new System.Collections.Concurrent.ConcurrentQueue<Serverless.Store.PubSub.RegistryUpdate>();
        entities.Setup(e => e.SignalEntityAsync(Serverless.Store.PubSub.SubscriptionRegistry.Id, Serverless.Store.PubSub.SubscriptionRegistry.Update,
                It.IsAny<object?>(), It.IsAny<SignalEntityOptions?>(), It.IsAny<CancellationToken>()))
            .Callback((EntityInstanceId _, string _, object? input, SignalEntityOptions? _, CancellationToken _) => updates.Enqueue((Serverless.Store.PubSub.RegistryUpdate)input!))
            .Returns(Task.CompletedTask);
        entities.Setup(e => e.GetEntityAsync(Serverless.Store.PubSub.SubscriptionRegistry.Id, true, It.IsAny<CancellationToken>()))
            .ReturnsAsync(() =>
            {
                var state = new Serverless.Store.PubSub.Subscriptions();
                foreach (var update in updates) state.Apply(update);
                return new EntityMetadata(Serverless.Store.PubSub.SubscriptionRegistry.Id, new SerializedData(JsonSerializer.Serialize(state)));
            });
        var service = new ServiceStandIn();
        var hub = new Serverless.Store.PubSub.PubSubHub(service, "store", new Serverless.Store.PubSub.SubscribeTokens("full"));
        var functions = new RestFunctions(new AccessPolicy("full", null), NullLogger<RestFunctions>.Instance, new StoreServices(hub, null),
            streams: new EventStreams(maxStreams: 1));

        var (request, body, abort) = StreamRequest("/api/subscribe/news");
        var result = await functions.Rest(request, client.Object);
        Assert.IsType<EventStreamResult>(result);
        var streaming = result.ExecuteResultAsync(new ActionContext(request.HttpContext, new RouteData(), new ActionDescriptor()));
        await UntilAsync(() => body.ToString().Contains("data: subscribe,news,1\n\n"), "the subscribe confirmation");
        Assert.Equal(200, request.HttpContext.Response.StatusCode);
        Assert.Equal("text/event-stream; charset=utf-8", request.HttpContext.Response.ContentType);
        var id = Assert.Single(service.Held.Keys);
        Assert.True(service.Members.ContainsKey((Serverless.Store.PubSub.Groups.Channel("news"), id)));

        await service.SendToGroupAsync(Serverless.Store.PubSub.Groups.Channel("news"), Serverless.Store.PubSub.PubSubMessage.Message("news", "hello"), CancellationToken.None);
        await UntilAsync(() => body.ToString().Contains("data: message,news,hello\n\n"), "the message");

        // One stream per instance here: the next one is refused while this one is open.
        var (second, secondBody, _) = StreamRequest("/api/subscribe/other");
        await (await functions.Rest(second, client.Object)).ExecuteResultAsync(new ActionContext(second.HttpContext, new RouteData(), new ActionDescriptor()));
        Assert.Equal(503, second.HttpContext.Response.StatusCode);
        Assert.Contains("ERR max number of clients reached", secondBody.ToString());

        abort.Cancel(); // the client closes the stream
        await streaming.WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Contains(updates, u => !u.Subscribe && u.ConnectionId == id);
        Assert.Empty(service.Held);
        Assert.Empty(service.Members);
    }
}
