using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Serverless.Store.Client;

namespace Serverless.Store.Benchmarks;

/// <summary>
/// The .NET client's own cost per call, outside the network: every call goes through the whole
/// client (argument encoding, the HttpClient pipeline with the retry handler, reading the base64
/// reply into .NET types) to an in-memory handler that answers a fixed body at once. The baseline
/// is what an app writes without the client: a JSON array by hand, HttpClient, JsonDocument.
/// </summary>
[MemoryDiagnoser]
public class ClientOverheadBenchmarks
{
    /// <summary>Answers every request with the same body, no I/O.</summary>
    sealed class FixedAnswer(string json) : HttpMessageHandler
    {
        readonly byte[] body = Encoding.UTF8.GetBytes(json);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(body), RequestMessage = request });
    }

    static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s));

    static StoreClient Client(string answer) =>
        new(new StoreClientOptions { Url = "http://store.bench/api", Token = "bench-token" }, new FixedAnswer(answer));

    readonly StoreClient getClient = Client($$"""{"result":"{{B64(new string('v', 32))}}"}""");
    readonly StoreClient okClient = Client("""{"result":"OK"}""");
    readonly StoreClient integerClient = Client("""{"result":42}""");
    readonly StoreClient hashClient = Client("{\"result\":[" + string.Join(",", Enumerable.Range(0, 10).SelectMany(i => new[] { $"\"{B64($"field{i}")}\"", $"\"{B64($"value{i}")}\"" })) + "]}");
    readonly StoreClient pipelineClient = Client("[" + string.Join(",", Enumerable.Repeat("""{"result":"OK"}""", 10)) + "]");
    readonly HttpClient handBuilt = new(new FixedAnswer($$"""{"result":"{{new string('v', 32)}}"}""")) { BaseAddress = new Uri("http://store.bench/api") };
    readonly string value = new('v', 32);

    [Benchmark(Baseline = true, Description = "GET by hand (HttpClient + JsonDocument)")]
    public async Task<string?> HandBuiltGet()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "")
        {
            Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(new[] { "GET", "key:1" })),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "bench-token");
        using var response = await handBuilt.SendAsync(request);
        using var json = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync());
        return json.RootElement.GetProperty("result").GetString();
    }

    [Benchmark(Description = "GetAsync (32-byte value)")]
    public Task<string?> Get() => getClient.GetAsync("key:1");

    [Benchmark(Description = "SetAsync (32-byte value)")]
    public Task<bool> Set() => okClient.SetAsync("key:1", value);

    [Benchmark(Description = "IncrAsync")]
    public Task<long> Incr() => integerClient.IncrAsync("counter");

    [Benchmark(Description = "HGetAllAsync (10 fields)")]
    public Task<Dictionary<string, string>> HGetAll() => hashClient.HGetAllAsync("hash");

    [Benchmark(Description = "pipeline of 10 SETs")]
    public async Task<int> Pipeline()
    {
        var pipeline = pipelineClient.CreatePipeline();
        for (var i = 0; i < 10; i++) _ = pipeline.SetAsync("key:" + i, value);
        return (await pipeline.ExecuteAsync()).Count;
    }
}
