using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Serverless.Store.Commands;
using Serverless.Store.Api;
using Serverless.Store.Protocol;

namespace Serverless.Store.LoadGen;

/// <summary>Where the load goes: the REST endpoint, or the store object in this process.</summary>
interface ITarget
{
    /// <summary>One command; true when it answered without an error.</summary>
    Task<bool> CommandAsync(string[] command);
    Task<bool> PipelineAsync(string[][] commands);
    Task<bool> MultiExecAsync(string[][] commands);
    /// <summary>One command's reply as text (null for nil), for the scenarios' consistency checks.</summary>
    Task<string?> ReadAsync(string[] command);
    /// <summary>The backend's storage request counts so far ("total" and per kind), or null when not counted.</summary>
    Task<IReadOnlyDictionary<string, long>?> StorageRequestsAsync();
}

/// <summary>The REST protocol over one shared HttpClient (a connection per concurrent client).</summary>
sealed class HttpTarget : ITarget, IDisposable
{
    readonly HttpClient http;
    readonly Uri baseUri, counterUri;

    public HttpTarget(string baseUrl, string? token)
    {
        http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = 1024,
            PooledConnectionLifetime = TimeSpan.FromMinutes(10),
            UseProxy = false,
        })
        { Timeout = TimeSpan.FromSeconds(30) };
        if (!string.IsNullOrEmpty(token)) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        baseUri = new Uri(baseUrl.TrimEnd('/'));
        // The standalone host serves its storage request count beside /api when CountStorageRequests is on.
        counterUri = new Uri(baseUri, "/_bench/storage-requests");
    }

    public Task<bool> CommandAsync(string[] command) => PostAsync(baseUri, command, single: true);
    public Task<bool> PipelineAsync(string[][] commands) => PostAsync(new Uri(baseUri + "/pipeline"), commands, single: false);
    public Task<bool> MultiExecAsync(string[][] commands) => PostAsync(new Uri(baseUri + "/multi-exec"), commands, single: false);

    async Task<bool> PostAsync(Uri uri, object body, bool single)
    {
        using var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await http.PostAsync(uri, content);
        var text = await response.Content.ReadAsByteArrayAsync();
        if (response.StatusCode != HttpStatusCode.OK) return false;
        // The values the scenarios write never contain the word, so a plain search is enough.
        return single ? text.AsSpan().StartsWith("{\"result\""u8) : text.AsSpan().IndexOf("\"error\""u8) < 0;
    }

    public async Task<string?> ReadAsync(string[] command)
    {
        using var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(command));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await http.PostAsync(baseUri, content);
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"{string.Join(' ', command)}: HTTP {(int)response.StatusCode} {text}");
        var result = JsonDocument.Parse(text).RootElement.GetProperty("result");
        return result.ValueKind == JsonValueKind.Null ? null : result.ToString();
    }

    public async Task<IReadOnlyDictionary<string, long>?> StorageRequestsAsync()
    {
        using var response = await http.GetAsync(counterUri);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        response.EnsureSuccessStatusCode();
        return JsonSerializer.Deserialize<Dictionary<string, long>>(await response.Content.ReadAsStringAsync());
    }

    public void Dispose() => http.Dispose();
}

/// <summary>The store called directly, in this process: the raw engine without HTTP.</summary>
sealed class StoreTarget(IStore store, Func<IReadOnlyDictionary<string, long>?> storageRequests) : ITarget
{
    static CommandPlan Args(string[] command) => CommandPlan.Of(Array.ConvertAll(command, Encoding.UTF8.GetBytes));

    public async Task<bool> CommandAsync(string[] command) => await store.ExecuteAsync(Args(command)) is not ErrorReply;

    public async Task<bool> PipelineAsync(string[][] commands)
    {
        var replies = await store.PipelineAsync(Array.ConvertAll(commands, Args));
        foreach (var r in replies) if (r is ErrorReply) return false;
        return true;
    }

    public async Task<bool> MultiExecAsync(string[][] commands)
    {
        var reply = await store.TransactionAsync(Array.ConvertAll(commands, Args));
        if (reply is not ArrayReply { Items: { } items }) return false;
        foreach (var r in items) if (r is ErrorReply) return false;
        return true;
    }

    public async Task<string?> ReadAsync(string[] command) => await store.ExecuteAsync(Args(command)) switch
    {
        BulkReply b => b.Value is null ? null : Encoding.UTF8.GetString(b.Value),
        IntegerReply i => i.Value.ToString(),
        var other => other.ToString(),
    };

    public Task<IReadOnlyDictionary<string, long>?> StorageRequestsAsync() => Task.FromResult(storageRequests());
}
