using System.Net;
using System.Net.Sockets;
using Serverless.Store.Client.Tests.Infrastructure;

namespace Serverless.Store.Client.Tests.Unit;

/// <summary>What the resilience handler retries: reads and repeatable writes on transient failures; other writes only when nothing was sent.</summary>
public sealed class RetryTests
{
    readonly FakeHandler store = new();

    /// <summary>Answers 503 the first <paramref name="failures"/> times, then <paramref name="json"/>.</summary>
    void FailFirst(int failures, string json)
    {
        var count = 0;
        store.Answer = _ => Interlocked.Increment(ref count) <= failures ? (HttpStatusCode.ServiceUnavailable, "busy") : (HttpStatusCode.OK, json);
    }

    [Fact]
    public async Task A_read_is_retried_after_a_503()
    {
        FailFirst(2, FakeHandler.StringResult("v"));
        using var client = store.Client();
        Assert.Equal("v", await client.GetAsync("k"));
        Assert.Equal(3, store.Requests.Count);
    }

    [Fact]
    public async Task A_write_that_may_have_run_is_not_retried()
    {
        FailFirst(1, """{"result":1}""");
        using var client = store.Client();
        var error = await Assert.ThrowsAsync<HttpRequestException>(() => client.IncrAsync("k"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, error.StatusCode);
        Assert.Single(store.Requests);
    }

    [Fact]
    public async Task A_plain_SET_is_retried_but_SET_NX_is_not()
    {
        FailFirst(1, """{"result":"OK"}""");
        using var client = store.Client();
        Assert.True(await client.SetAsync("k", "v"));
        Assert.Equal(2, store.Requests.Count);

        FailFirst(1, """{"result":"OK"}""");
        await Assert.ThrowsAsync<HttpRequestException>(() => client.SetAsync("k", "v", condition: SetCondition.NotExists));
        Assert.Equal(3, store.Requests.Count);
    }

    [Fact]
    public async Task A_pipeline_is_retried_only_when_every_command_is_safe_to_repeat()
    {
        FailFirst(1, """[{"result":null},{"result":0}]""");
        using var client = store.Client();
        var reads = client.CreatePipeline();
        _ = reads.GetAsync("a");
        _ = reads.ExistsAsync("b");
        await reads.ExecuteAsync();
        Assert.Equal(2, store.Requests.Count);

        FailFirst(1, """[{"result":null},{"result":1}]""");
        var mixed = client.CreatePipeline();
        _ = mixed.GetAsync("a");
        _ = mixed.IncrAsync("b");
        await Assert.ThrowsAsync<HttpRequestException>(() => mixed.ExecuteAsync());
        Assert.Equal(3, store.Requests.Count);
    }

    [Fact]
    public async Task An_error_answer_is_never_retried()
    {
        store.Answer = _ => (HttpStatusCode.BadRequest, """{"error":"ERR syntax error"}""");
        using var client = store.Client();
        await Assert.ThrowsAsync<StoreException>(() => client.GetAsync("k"));
        Assert.Single(store.Requests);
    }

    [Fact]
    public async Task Any_write_is_retried_when_the_connection_was_refused_since_nothing_reached_the_store()
    {
        var refused = new RefusingHandler(refusals: 2, inner: store);
        store.Answer = _ => (HttpStatusCode.OK, """{"result":1}""");
        using var client = new StoreClient(new StoreClientOptions { Url = "http://store.test/api", RetryDelay = TimeSpan.FromMilliseconds(1) }, refused);
        Assert.Equal(1, await client.IncrAsync("k"));
        Assert.Equal(3, refused.Attempts);
        Assert.Single(store.Requests);
    }

    [Fact]
    public async Task MaxRetries_zero_turns_retries_off()
    {
        FailFirst(1, FakeHandler.StringResult("v"));
        using var client = store.Client(o => o.MaxRetries = 0);
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("k"));
        Assert.Single(store.Requests);
    }

    /// <summary>Fails the first attempts the way SocketsHttpHandler does when nothing listens.</summary>
    sealed class RefusingHandler(int refusals, HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        public int Attempts;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Interlocked.Increment(ref Attempts) <= refusals
                ? throw new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused (store.test:80)", new SocketException((int)SocketError.ConnectionRefused))
                : base.SendAsync(request, cancellationToken);
    }
}
