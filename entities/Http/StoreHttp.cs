using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using Serverless.Store.Api;
using Serverless.Store.PubSub;

namespace Serverless.Store.Http;

/// <summary>
/// ASP.NET Core's HttpContext onto the shared REST router and back: reads the request (raw path,
/// query, headers, body up to the limit, remote address), applies the access policy's rule for a
/// store without tokens, runs the router and writes its response. The standalone endpoint and
/// every Functions HTTP trigger are one call into <see cref="ServeAsync"/> (or <see cref="Result"/>).
/// </summary>
public static class StoreHttp
{
    /// <summary>Runs one request through the router over <paramref name="store"/> and writes the answer.</summary>
    public static async Task ServeAsync(HttpContext http, IStore store, AccessPolicy access, ILogger? logger = null, string basePath = StoreRoutes.BasePath,
        PubSubService? pubsub = null, IReadOnlyDictionary<string, RestEndpoint>? endpoints = null, RestLimits? limits = null, EventStreams? streams = null)
    {
        var result = await ResultAsync(http.Request, store, access, logger, pubsub, endpoints, limits, basePath: basePath, streams: streams);
        await result.ExecuteResultAsync(new ActionContext(http, new Microsoft.AspNetCore.Routing.RouteData(), new Microsoft.AspNetCore.Mvc.Abstractions.ActionDescriptor()));
    }

    /// <summary>
    /// The router's response to this request (nothing written yet). <paramref name="clientTarget"/>
    /// maps the request target as this process received it to the one the client sent, for a host
    /// whose proxy re-escapes paths (Functions); null = they are the same.
    /// </summary>
    public static async Task<RestResponse> HandleAsync(HttpContext http, IStore store, AccessPolicy access, ILogger? logger = null, string basePath = StoreRoutes.BasePath,
        PubSubService? pubsub = null, IReadOnlyDictionary<string, RestEndpoint>? endpoints = null, RestLimits? limits = null,
        Func<string, string>? clientTarget = null)
    {
        if (Refusal(http, access) is { } refusal) return refusal;
        return await RouteAsync(http, ToRestRequest(http, basePath, clientTarget), store, access, logger, pubsub, endpoints, limits ?? RestLimits.Default);
    }

    /// <summary>A request (its body not read yet) through the console, the pub/sub routes or the router; the access policy's refusal was checked.</summary>
    static async Task<RestResponse> RouteAsync(HttpContext http, RestRequest request, IStore store, AccessPolicy access, ILogger? logger,
        PubSubService? pubsub, IReadOnlyDictionary<string, RestEndpoint>? endpoints, RestLimits limits)
    {
        // The web console's page and assets: static, public, no body read.
        if (ConsolePage.Serves(request.RawPath)) return ConsolePage.Handle(request);
        // Pub/sub routes (negotiate, subscribe...) come before command parsing.
        var pubsubRoute = PubSubEndpoints.Serves(request.RawPath);
        // A body is read only for a caller with a token that may send one (pub/sub routes check their
        // own tokens), so an anonymous client cannot make the store buffer large bodies.
        if (pubsubRoute || access.Authenticate(RestRouter.Token(request)) != Access.None)
        {
            try
            {
                request = request with { Body = await ReadBodyAsync(http, limits, pubsubRoute) };
            }
            catch (Exception e) when (e is BadHttpRequestException or IOException && !http.RequestAborted.IsCancellationRequested)
            {
                // Broken framing found while reading the body (a bad chunk size, a chunk size past 2^31, a short
                // body): the client's fault, answered 400 (or the server's status for it: 408, 413) as JSON, instead
                // of an unhandled exception the server turns into a 500 or an empty 400 (docs/hostile-input.md).
                return RestRouter.Respond(e is BadHttpRequestException bad ? bad.StatusCode : 400,
                    ReplyEncoder.Error($"ERR the request body could not be read ({e.Message.TrimEnd('.')}): send Content-Length bytes, or valid chunked encoding"));
            }
        }
        if (pubsubRoute && request.Body.Length > PubSubBodyBytes)
            return RestRouter.Respond(413, ReplyEncoder.Error($"ERR a pub/sub request body holds at most {PubSubBodyBytes} bytes"));
        if (pubsubRoute)
            return await PubSubEndpoints.HandleAsync(request, Origin(http.Request), access, pubsub, logger, http.RequestAborted);
        var router = new RestRouter(store, access, limits, logger, endpoints);
        return await router.HandleAsync(request, http.RequestAborted);
    }

    /// <summary>For hosts whose handlers return results (Functions triggers): runs the router now and
    /// returns its response as an action result that writes it. Server-sent-event subscriptions
    /// (<see cref="EventStreams"/>) come back as a result that streams when executed.</summary>
    public static async Task<IActionResult> ResultAsync(HttpRequest request, IStore store, AccessPolicy access, ILogger? logger = null,
        PubSubService? pubsub = null, IReadOnlyDictionary<string, RestEndpoint>? endpoints = null, RestLimits? limits = null,
        Func<string, string>? clientTarget = null, string basePath = StoreRoutes.BasePath, EventStreams? streams = null)
    {
        var http = request.HttpContext;
        if (Refusal(http, access) is { } refusal) return new RestResult(refusal);
        var rest = ToRestRequest(http, basePath, clientTarget);
        if (streams is not null && EventStreams.Serves(rest.RawPath)) return new EventStreamResult(streams, rest, access, pubsub, logger);
        return new RestResult(await RouteAsync(http, rest, store, access, logger, pubsub, endpoints, limits ?? RestLimits.Default));
    }

    /// <summary>The access policy's answer to a store without tokens (loopback clients only, or nobody in Azure).</summary>
    static RestResponse? Refusal(HttpContext http, AccessPolicy access)
    {
        var remote = http.Connection.RemoteIpAddress;
        return access.RefusalWithoutToken(remote is not null && IPAddress.IsLoopback(remote)) is { } refusal ? RestRouter.Refused(refusal) : null;
    }

    /// <summary>The request's scheme://host (the in-process hub's URL is built on it).</summary>
    static Uri Origin(HttpRequest request) =>
        new($"{(string.IsNullOrEmpty(request.Scheme) ? "http" : request.Scheme)}://{(request.Host.HasValue ? request.Host.Value : "localhost")}");

    /// <summary>The request without its body: method, path below the base (still percent-encoded), query, headers, remote address.</summary>
    public static RestRequest ToRestRequest(HttpContext http, string basePath = StoreRoutes.BasePath, Func<string, string>? clientTarget = null)
    {
        // The raw target keeps percent-encoding (%2F inside a key), which Request.Path decodes.
        var raw = http.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(raw)) raw = http.Request.PathBase.Add(http.Request.Path).ToUriComponent();
        var path = raw.Split('?', 2)[0];
        if (clientTarget is not null) path = clientTarget(path);
        path = path.StartsWith(basePath, StringComparison.OrdinalIgnoreCase) ? path[basePath.Length..] : path;
        var query = http.Request.Query.ToDictionary(q => q.Key, q => q.Value.ToString());
        var headers = http.Request.Headers;
        return new RestRequest(http.Request.Method, path, query, name => headers[name].FirstOrDefault(),
            [], http.Connection.RemoteIpAddress?.ToString());
    }

    /// <summary>Pub/sub requests are small JSON objects: their bodies are read up to this many bytes.</summary>
    const int PubSubBodyBytes = 64 * 1024;

    /// <summary>
    /// The body, read one byte past the limit at most so an oversized body is refused (413, by the
    /// router) without buffering it all. The server's own limit is lifted for this request, as the
    /// router's 413 says what to do and the server's would not (Kestrel's default is 30 MB).
    /// </summary>
    static async Task<byte[]> ReadBodyAsync(HttpContext http, RestLimits limits, bool pubsubRoute)
    {
        var limit = (pubsubRoute ? PubSubBodyBytes : limits.MaxBodyBytes) + 1L;
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size) size.MaxRequestBodySize = null;
        using var body = new MemoryStream();
        await CopyAtMostAsync(http.Request.Body, body, limit, http.RequestAborted);
        return body.ToArray();
    }

    public static async Task WriteAsync(HttpResponse http, RestResponse response, CancellationToken cancellationToken = default)
    {
        http.StatusCode = response.Status;
        foreach (var (name, value) in response.Headers) http.Headers[name] = value;
        if (response.Body.Length > 0) await http.Body.WriteAsync(response.Body, cancellationToken);
    }

    static async Task CopyAtMostAsync(Stream from, Stream to, long limit, CancellationToken ct)
    {
        var buffer = new byte[81920];
        int read;
        while (to.Length < limit && (read = await from.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, limit - to.Length)), ct)) > 0)
            await to.WriteAsync(buffer.AsMemory(0, read), ct);
    }

}

/// <summary>The router's response as an action result (what a Functions trigger returns).</summary>
public sealed class RestResult(RestResponse response) : IActionResult
{
    public RestResponse Response { get; } = response;

    public Task ExecuteResultAsync(ActionContext context) =>
        StoreHttp.WriteAsync(context.HttpContext.Response, Response, context.HttpContext.RequestAborted);
}
