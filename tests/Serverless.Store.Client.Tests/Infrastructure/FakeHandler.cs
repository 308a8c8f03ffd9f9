using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Serverless.Store.Client.Tests.Infrastructure;

/// <summary>What the client sent: method, path below the host, headers, body.</summary>
public sealed record SentRequest(string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers, byte[] Body, string? ContentType)
{
    public string BodyText => Encoding.UTF8.GetString(Body);

    /// <summary>The JSON body's commands: one array, or a 2-D array for /pipeline and /multi-exec.</summary>
    public string[][] Commands()
    {
        var root = JsonDocument.Parse(Body).RootElement;
        return root[0].ValueKind == JsonValueKind.Array
            ? root.EnumerateArray().Select(c => c.EnumerateArray().Select(a => a.GetString()!).ToArray()).ToArray()
            : [root.EnumerateArray().Select(a => a.GetString()!).ToArray()];
    }
}

/// <summary>
/// An in-memory store endpoint for unit tests: records every request and answers with what
/// <see cref="Answer"/> returns (status, JSON body), or throws what it throws.
/// </summary>
public sealed class FakeHandler : HttpMessageHandler
{
    public ConcurrentQueue<SentRequest> Requests { get; } = new();

    public Func<SentRequest, (HttpStatusCode Status, string Json)> Answer { get; set; } = _ => (HttpStatusCode.OK, """{"result":"OK"}""");

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        var headers = request.Headers.ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase);
        var sent = new SentRequest(request.Method.Method, request.RequestUri!.PathAndQuery, headers, body, request.Content?.Headers.ContentType?.MediaType);
        Requests.Enqueue(sent);
        var (status, json) = Answer(sent);
        return new HttpResponseMessage(status) { Content = new StringContent(json, Encoding.UTF8, "application/json"), RequestMessage = request };
    }

    /// <summary>A client over this handler (retry delays shortened so tests stay quick).</summary>
    public StoreClient Client(Action<StoreClientOptions>? configure = null, Microsoft.Extensions.Logging.ILoggerFactory? loggers = null)
    {
        var options = new StoreClientOptions { Url = "http://store.test/api", Token = "unit-token", RetryDelay = TimeSpan.FromMilliseconds(1) };
        configure?.Invoke(options);
        return new StoreClient(options, this, loggers);
    }

    /// <summary>base64 of UTF-8 text, as the store answers strings under Upstash-Encoding: base64.</summary>
    public static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    /// <summary>{"result": "&lt;base64&gt;"}</summary>
    public static string StringResult(string text) => $$"""{"result":"{{B64(text)}}"}""";
}
