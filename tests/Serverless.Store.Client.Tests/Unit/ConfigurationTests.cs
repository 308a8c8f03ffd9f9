using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Serverless.Store.Client.Tests.Infrastructure;

namespace Serverless.Store.Client.Tests.Unit;

/// <summary>AddServerlessStore: configuration binding, start-up validation, the resilience handler, logs without the token, tracing.</summary>
public sealed class ConfigurationTests
{
    const string Secret = "s3cret-token-value";

    static IHost Host(Dictionary<string, string?> settings, FakeHandler endpoint, ILoggerProvider? logs = null)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();
        if (logs is not null) builder.Logging.AddProvider(logs).SetMinimumLevel(LogLevel.Trace);
        builder.Services.AddServerlessStore().ConfigurePrimaryHttpMessageHandler(() => endpoint);
        builder.Services.AddServerlessStoreDistributedCache(o => o.InstanceName = "app:");
        return builder.Build();
    }

    [Fact]
    public async Task Url_Token_and_AutoBatch_bind_from_the_ServerlessStore_section()
    {
        var endpoint = new FakeHandler { Answer = _ => (HttpStatusCode.OK, FakeHandler.StringResult("v")) };
        using var host = Host(new() { ["ServerlessStore:Url"] = "http://store.test/api/", ["ServerlessStore:Token"] = Secret, ["ServerlessStore:AutoBatch"] = "true" }, endpoint);
        await host.StartAsync();
        var client = host.Services.GetRequiredService<StoreClient>();
        Assert.Same(client, host.Services.GetRequiredService<StoreClient>());
        Assert.True(host.Services.GetRequiredService<IOptions<StoreClientOptions>>().Value.AutoBatch);
        Assert.Equal("v", await client.GetAsync("k"));
        Assert.Equal("/api", endpoint.Requests.Single().PathAndQuery);
        Assert.Equal("Bearer " + Secret, endpoint.Requests.Single().Headers["Authorization"]);
        Assert.IsType<StoreDistributedCache>(host.Services.GetRequiredService<IDistributedCache>());
        await host.StopAsync();
    }

    [Theory]
    [InlineData(null, "ServerlessStore:Url is not set")]
    [InlineData("store.test/api", "must be an absolute http(s) URL")]
    [InlineData("https://store.test/api?_token=abc", "put the token in ServerlessStore:Token instead")]
    public async Task A_bad_Url_stops_the_app_at_start_with_what_to_set(string? url, string expected)
    {
        using var host = Host(new() { ["ServerlessStore:Url"] = url }, new FakeHandler());
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public async Task The_resilience_handler_retries_a_read_through_the_factory_client()
    {
        var calls = 0;
        var endpoint = new FakeHandler { Answer = _ => ++calls == 1 ? (HttpStatusCode.ServiceUnavailable, "busy") : (HttpStatusCode.OK, """{"result":3}""") };
        using var host = Host(new() { ["ServerlessStore:Url"] = "http://store.test/api", ["ServerlessStore:RetryDelay"] = "00:00:00.001" }, endpoint);
        await host.StartAsync();
        Assert.Equal(3, await host.Services.GetRequiredService<StoreClient>().LLenAsync("l"));
        Assert.Equal(2, endpoint.Requests.Count);
        await host.StopAsync();
    }

    [Fact]
    public async Task Calling_AddServerlessStore_twice_keeps_one_retry_handler()
    {
        var endpoint = new FakeHandler { Answer = _ => (HttpStatusCode.ServiceUnavailable, "busy") };
        var services = new ServiceCollection();
        services.AddServerlessStore(o => { o.Url = "http://store.test/api"; o.MaxRetries = 1; o.RetryDelay = TimeSpan.FromMilliseconds(1); })
            .ConfigurePrimaryHttpMessageHandler(() => endpoint);
        services.AddServerlessStore(o => o.Token = Secret);
        await using var provider = services.BuildServiceProvider();
        await Assert.ThrowsAsync<HttpRequestException>(() => provider.GetRequiredService<StoreClient>().GetAsync("k"));
        Assert.Equal(2, endpoint.Requests.Count); // one try and one retry; nested handlers would make it four
        Assert.Equal("Bearer " + Secret, endpoint.Requests.First().Headers["Authorization"]);
    }

    [Fact]
    public async Task The_token_never_appears_in_the_logs_at_any_level()
    {
        var logs = new CollectingLogs();
        var endpoint = new FakeHandler { Answer = _ => (HttpStatusCode.BadRequest, """{"error":"ERR unauthorized: send the store's token"}""") };
        using var host = Host(new() { ["ServerlessStore:Url"] = "http://store.test/api", ["ServerlessStore:Token"] = Secret }, endpoint, logs);
        await host.StartAsync();
        await Assert.ThrowsAsync<StoreException>(() => host.Services.GetRequiredService<StoreClient>().GetAsync("k"));
        await host.StopAsync();

        Assert.Contains(logs.Lines, l => l.Contains("GET answered an error"));          // the client's own log
        Assert.Contains(logs.Lines, l => l.Contains("http://store.test/api"));           // the factory's request log
        Assert.DoesNotContain(logs.Lines, l => l.Contains(Secret));
    }

    [Fact]
    public async Task Every_request_is_an_activity_with_database_attributes_and_errors_are_marked()
    {
        var activities = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == StoreTelemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            // Other tests' clients run in parallel: keep only this test's (its own host name).
            ActivityStopped = a => { if (a.GetTagItem("server.address") as string == "telemetry.test") activities.Enqueue(a); },
        };
        ActivitySource.AddActivityListener(listener);
        var endpoint = new FakeHandler { Answer = r => r.Commands()[0][0] == "INCR"
            ? (HttpStatusCode.BadRequest, """{"error":"WRONGTYPE Operation against a key holding the wrong kind of value"}""")
            : (HttpStatusCode.OK, """[{"result":1},{"result":2}]""") };
        using var client = endpoint.Client(o => o.Url = "http://telemetry.test/api");

        await Assert.ThrowsAsync<StoreException>(() => client.IncrAsync("k"));
        var pipeline = client.CreatePipeline();
        _ = pipeline.LPushAsync("l", "a");
        _ = pipeline.LPushAsync("l", "b");
        await pipeline.ExecuteAsync();

        var incr = activities.Single(a => a.OperationName == "INCR");
        Assert.Equal(ActivityKind.Client, incr.Kind);
        Assert.Equal(ActivityStatusCode.Error, incr.Status);
        Assert.Equal("WRONGTYPE", incr.GetTagItem("error.type"));
        Assert.Equal("INCR", incr.GetTagItem("db.operation.name"));
        Assert.Equal(400, incr.GetTagItem("http.response.status_code"));
        var batch = activities.Single(a => a.OperationName == "PIPELINE");
        Assert.Equal(2, batch.GetTagItem("db.operation.batch.size"));
        Assert.DoesNotContain(activities.SelectMany(a => a.Tags), t => t.Value?.Contains("unit-token") == true);
    }

    sealed class CollectingLogs : ILoggerProvider
    {
        public ConcurrentQueue<string> Lines { get; } = new();
        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);
        public void Dispose() { }

        sealed class Logger(CollectingLogs owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
            public bool IsEnabled(LogLevel logLevel) => true;
            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                // The message and every structured value (a header logged at Trace arrives as one).
                var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(" ", pairs.Select(p => $"{p.Key}={p.Value}")) : "";
                owner.Lines.Enqueue($"{category} {logLevel}: {formatter(state, exception)} {values} {exception}");
            }
        }
    }
}
