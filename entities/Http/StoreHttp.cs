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
        PubSubService? pubsub = null, IReadOnlyDictionary<string, RestEndpoint>? endpoints = null)
    {
        var response = await HandleAsync(http, store, access, logger, basePath, pubsub, endpoints);
        await WriteAsync(http.Response, response, http.RequestAborted);
    }

    /// <summary>The router's response to this request (nothing written yet).</summary>
    public static async Task<RestResponse> HandleAsync(HttpContext http, IStore store, AccessPolicy access, ILogger? logger = null, string basePath = StoreRoutes.BasePath,
        PubSubService? pubsub = null, IReadOnlyDictionary<string, RestEndpoint>? endpoints = null)
    {
        var remote = http.Connection.RemoteIpAddress;
        if (access.RefusalWithoutToken(remote is not null && IPAddress.IsLoopback(remote)) is { } refusal)
            return RestRouter.Refused(refusal);
        var request = await ToRestRequestAsync(http, basePath);
        // Pub/sub routes (negotiate, subscribe, the console page...) come before command parsing.
        if (PubSubEndpoints.Serves(request.RawPath))
            return await PubSubEndpoints.HandleAsync(request, Origin(http.Request), access, pubsub, logger, http.RequestAborted);
        var router = new RestRouter(store, access, logger: logger, endpoints: endpoints);
        return await router.HandleAsync(request, http.RequestAborted);
    }

    /// <summary>For hosts whose handlers return results (Functions triggers): runs the router now and
    /// returns its response as an action result that writes it.</summary>
    public static async Task<IActionResult> ResultAsync(HttpRequest request, IStore store, AccessPolicy access, ILogger? logger = null,
        PubSubService? pubsub = null, IReadOnlyDictionary<string, RestEndpoint>? endpoints = null) =>
        new RestResult(await HandleAsync(request.HttpContext, store, access, logger, pubsub: pubsub, endpoints: endpoints));

    /// <summary>The request's scheme://host (the in-process hub's URL is built on it).</summary>
    static Uri Origin(HttpRequest request) =>
        new($"{(string.IsNullOrEmpty(request.Scheme) ? "http" : request.Scheme)}://{(request.Host.HasValue ? request.Host.Value : "localhost")}");

    public static async Task<RestRequest> ToRestRequestAsync(HttpContext http, string basePath = StoreRoutes.BasePath)
    {
        // The raw target keeps percent-encoding (%2F inside a key), which Request.Path decodes.
        var raw = http.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(raw)) raw = http.Request.PathBase.Add(http.Request.Path).ToUriComponent();
        var path = raw.Split('?', 2)[0];
        path = path.StartsWith(basePath, StringComparison.OrdinalIgnoreCase) ? path[basePath.Length..] : path;
        using var body = new MemoryStream();
        // Read one byte past the limit at most, so an oversized body is refused without buffering it all.
        var limit = RestLimits.Default.MaxBodyBytes + 1L;
        await CopyAtMostAsync(http.Request.Body, body, limit, http.RequestAborted);
        var query = http.Request.Query.ToDictionary(q => q.Key, q => q.Value.ToString());
        var headers = http.Request.Headers;
        return new RestRequest(http.Request.Method, path, query, name => headers[name].FirstOrDefault(),
            body.ToArray(), http.Connection.RemoteIpAddress?.ToString());
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
