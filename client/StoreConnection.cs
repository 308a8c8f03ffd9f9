using System.Diagnostics;
using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;

namespace Serverless.Store.Client;

/// <summary>
/// Sends requests to the store: one command, a pipeline, a transaction, or a JSON body to one of
/// the pub/sub routes. Adds the token and <c>Upstash-Encoding: base64</c>, marks requests that are
/// safe to retry (the resilience handler reads the mark), traces and logs each one, and turns the
/// answer into results or a <see cref="StoreException"/>.
/// </summary>
sealed class StoreConnection
{
    static readonly MediaTypeHeaderValue Json = new("application/json");
    static readonly MediaTypeHeaderValue Octets = new("application/octet-stream");

    readonly Func<HttpClient> httpClient;
    readonly AuthenticationHeaderValue? authorization;
    readonly ILogger logger;

    public StoreConnection(Func<HttpClient> httpClient, Uri baseUri, string? token, ILogger logger)
    {
        this.httpClient = httpClient;
        BaseUri = baseUri;
        authorization = string.IsNullOrEmpty(token) ? null : new AuthenticationHeaderValue("Bearer", token);
        this.logger = logger;
    }

    public Uri BaseUri { get; }
    public string? Token => authorization?.Parameter;
    public ILogger Logger => logger;

    /// <summary>One command: a JSON array, or the path form when JSON cannot carry its bytes.</summary>
    public async Task<StoreResult> ExecuteAsync(StoreValue[] command, CancellationToken cancellationToken)
    {
        var operation = command[0].ToString().ToUpperInvariant();
        using var request = RestProtocol.IsJsonSafe(command)
            ? Request("", RestProtocol.Command(command), Json)
            : PathRequest(command);
        request.Options.Set(StoreResilience.Repeatable, CommandTraits.IsRetryable(command));
        return await SendAsync(request, operation, 1, static (body, status) => RestProtocol.ReadSingle(body, status), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A pipeline (<c>/pipeline</c>) or transaction (<c>/multi-exec</c>): one result per command, errors in place.</summary>
    public Task<StoreResult[]> ExecuteBatchAsync(IReadOnlyList<StoreValue[]> commands, bool transaction, CancellationToken cancellationToken) =>
        SendBatchAsync(RestProtocol.Batch(commands), commands.Count, transaction, CommandTraits.AreRetryable(commands), cancellationToken);

    /// <summary>A batch whose body is already written (automatic batching writes each command once, as it arrives).</summary>
    public async Task<StoreResult[]> SendBatchAsync(byte[] body, int count, bool transaction, bool repeatable, CancellationToken cancellationToken)
    {
        var operation = transaction ? "MULTI" : "PIPELINE";
        using var request = Request(transaction ? "/multi-exec" : "/pipeline", body, Json);
        request.Options.Set(StoreResilience.Repeatable, repeatable);
        return await SendAsync(request, operation, count, (answer, status) => RestProtocol.ReadBatch(answer, status, count), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A JSON body to a route below the base (<c>/subscribe</c>, <c>/unsubscribe</c>); their calls are safe to repeat.</summary>
    public async Task PostAsync(string path, byte[] json, CancellationToken cancellationToken)
    {
        using var request = Request(path, json, Json);
        request.Options.Set(StoreResilience.Repeatable, true);
        await SendAsync(request, path.Trim('/').ToUpperInvariant(), 1, static (body, status) => RestProtocol.ReadSingle(body, status), cancellationToken).ConfigureAwait(false);
    }

    HttpRequestMessage Request(string path, byte[] body, MediaTypeHeaderValue type)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path.Length == 0 ? BaseUri : Below(path))
        {
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = type;
        request.Headers.Authorization = authorization;
        request.Headers.TryAddWithoutValidation(RestProtocol.EncodingHeader, RestProtocol.EncodingBase64);
        return request;
    }

    HttpRequestMessage PathRequest(StoreValue[] command)
    {
        var (path, body) = RestProtocol.PathForm(command);
        return Request(path, body, Octets);
    }

    /// <summary>base + path, kept exactly as written: no dot-segment removal or unescaping by <see cref="Uri"/>.</summary>
    Uri Below(string path) => new(BaseUri.GetLeftPart(UriPartial.Path).TrimEnd('/') + path,
        new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });

    /// <summary>Sends, reads the whole answer and hands it to <paramref name="read"/>, inside the request's activity.</summary>
    async Task<T> SendAsync<T>(HttpRequestMessage request, string operation, int commands, Func<byte[], int, T> read, CancellationToken cancellationToken)
    {
        using var activity = StoreTelemetry.Start(operation, BaseUri, commands);
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await httpClient().SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            activity?.SetTag("http.response.status_code", status);
            Log.Answered(logger, operation, commands, status, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return read(body, status);
        }
        catch (StoreException e)
        {
            StoreTelemetry.Failed(activity, e);
            Log.StoreError(logger, operation, e.Message);
            throw;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            StoreTelemetry.Failed(activity, e);
            Log.TransportFailed(logger, operation, BaseUri.GetLeftPart(UriPartial.Path), e.Message);
            throw;
        }
    }
}
