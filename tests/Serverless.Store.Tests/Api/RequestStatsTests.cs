using System.Text.Json;
using Serverless.Store.Api;

namespace Serverless.Store.Tests.Api;

/// <summary>The per-second stats behind GET &lt;base&gt;/stats (the console's overview).</summary>
public sealed class RequestStatsTests
{
    long now = 1_000_000;

    static JsonElement Result(RequestStats stats) => JsonDocument.Parse(stats.ToJson()).RootElement.GetProperty("result");

    static JsonElement At(JsonElement result, long t) =>
        result.GetProperty("seconds").EnumerateArray().Single(s => s.GetProperty("t").GetInt64() == t);

    [Fact]
    public void Seconds_hold_their_requests_commands_errors_percentiles_and_storage_requests_and_age_out_after_five_minutes()
    {
        var stats = new RequestStats(() => now);
        long storage = 100;
        stats.CountStorageRequests(() => storage);
        stats.SampleStorage(); // second 1,000,000: 100 so far
        for (var i = 1; i <= 100; i++) stats.RequestServed(i, i <= 3 ? 400 : 200);
        stats.CommandsRun(["get", "get", "set"]);
        now++;
        storage = 130;
        stats.SampleStorage();
        stats.CommandsRun(["get"]);

        var result = Result(stats);
        Assert.Equal(RequestStats.WindowSeconds, result.GetProperty("seconds").GetArrayLength());
        var first = At(result, 1_000_000);
        Assert.Equal((100, 3, 3), (first.GetProperty("requests").GetInt32(), first.GetProperty("commands").GetInt32(), first.GetProperty("errors").GetInt32()));
        Assert.Equal((50.0, 99.0), (first.GetProperty("p50Ms").GetDouble(), first.GetProperty("p99Ms").GetDouble()));
        Assert.Equal(JsonValueKind.Null, first.GetProperty("storageRequests").ValueKind); // no sample the second before
        var second = At(result, 1_000_001);
        Assert.Equal(30, second.GetProperty("storageRequests").GetInt64());
        Assert.Equal(JsonValueKind.Null, second.GetProperty("p50Ms").ValueKind); // no request that second
        Assert.Equal(3, result.GetProperty("commands").GetProperty("get").GetInt32());
        Assert.Equal(1, result.GetProperty("commands").GetProperty("set").GetInt32());
        Assert.True(result.GetProperty("storageRequestsCounted").GetBoolean());

        now += RequestStats.WindowSeconds; // both seconds leave the window; their slots are reused
        stats.RequestServed(5, 200);
        result = Result(stats);
        Assert.Equal(1, result.GetProperty("seconds").EnumerateArray().Sum(s => s.GetProperty("requests").GetInt32()));
        Assert.Empty(result.GetProperty("commands").EnumerateObject());
    }

    [Fact]
    public void Without_a_storage_counter_storage_requests_are_null_and_not_counted()
    {
        var result = Result(new RequestStats(() => now));
        Assert.False(result.GetProperty("storageRequestsCounted").GetBoolean());
        Assert.All(result.GetProperty("seconds").EnumerateArray(), s => Assert.Equal(JsonValueKind.Null, s.GetProperty("storageRequests").ValueKind));
    }

    [Fact]
    public async Task The_router_serves_the_process_stats_to_any_token_with_the_commands_it_ran()
    {
        var router = new RestRouter(new MemoryStore(), new AccessPolicy("full", "read"));
        for (var i = 0; i < 3; i++)
            Assert.Equal(200, (await router.HandleAsync(RestRouterTests.Request("POST", "", """["ECHO","stats-test"]""", "full"))).Status);
        var response = await router.HandleAsync(RestRouterTests.Request("GET", "stats", token: "read"));
        Assert.Equal(200, response.Status);
        var result = JsonDocument.Parse(response.Body).RootElement.GetProperty("result");
        Assert.True(result.GetProperty("commands").GetProperty("echo").GetInt32() >= 3);
        Assert.True(result.GetProperty("seconds").EnumerateArray().Sum(s => s.GetProperty("requests").GetInt32()) >= 3);
        Assert.Equal(401, (await router.HandleAsync(RestRouterTests.Request("GET", "stats", token: "wrong"))).Status);
        Assert.Equal(405, (await router.HandleAsync(RestRouterTests.Request("POST", "stats", token: "full"))).Status);
    }
}
