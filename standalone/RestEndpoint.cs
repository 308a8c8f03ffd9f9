using System.Net;
using Microsoft.AspNetCore.Http.Features;
using Serverless.Store.Api;

namespace Serverless.Store.Standalone;

/// <summary>
/// ASP.NET Core onto the shared REST router: every method on `/api` and below. No logic beyond
/// mapping the request and the response; the Functions app maps its triggers the same way.
/// </summary>
public static class RestEndpoint
{
    public const string BasePath = "/api";

    public static void MapStore(this WebApplication app)
    {
        var settings = app.Configuration;
        var access = AccessPolicy.FromSettings(name => settings[name]);
        var logger = app.Logger;
        if (access.IsOpen)
            logger.LogWarning("No STORE_TOKEN or STORE_READONLY_TOKEN is configured: serving loopback clients only, without authentication");

        app.Map(BasePath, Handle);
        app.Map(BasePath + "/{**path}", Handle);

        async Task Handle(HttpContext http, DurableEngine engine)
        {
            if (access.IsOpen && !IsLoopback(http.Connection.RemoteIpAddress))
            {
                http.Response.StatusCode = 403;
                await http.Response.WriteAsJsonAsync(new { error = "ERR no token is configured, so only loopback clients are served: set STORE_TOKEN" });
                return;
            }
            var router = new RestRouter(engine.Store, access, logger: logger);
            var response = await router.HandleAsync(await ToRestRequest(http), http.RequestAborted);
            http.Response.StatusCode = response.Status;
            foreach (var (name, value) in response.Headers) http.Response.Headers[name] = value;
            if (response.Body.Length > 0) await http.Response.Body.WriteAsync(response.Body, http.RequestAborted);
        }
    }

    static async Task<RestRequest> ToRestRequest(HttpContext http)
    {
        // The raw target keeps percent-encoding (%2F inside a key), which Request.Path decodes.
        var raw = http.Features.Get<IHttpRequestFeature>()?.RawTarget ?? http.Request.Path.Value ?? "";
        var path = raw.Split('?', 2)[0];
        path = path.Length >= BasePath.Length ? path[BasePath.Length..] : "";
        using var body = new MemoryStream();
        // Read one byte past the limit at most, so an oversized body is refused without buffering it all.
        var limit = RestLimits.Default.MaxBodyBytes + 1L;
        await CopyAtMostAsync(http.Request.Body, body, limit, http.RequestAborted);
        var query = http.Request.Query.ToDictionary(q => q.Key, q => q.Value.ToString());
        return new RestRequest(http.Request.Method, path, query, name => http.Request.Headers[name].FirstOrDefault(),
            body.ToArray(), http.Connection.RemoteIpAddress?.ToString());
    }

    static async Task CopyAtMostAsync(Stream from, Stream to, long limit, CancellationToken ct)
    {
        var buffer = new byte[81920];
        int read;
        while (to.Length < limit && (read = await from.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, limit - to.Length)), ct)) > 0)
            await to.WriteAsync(buffer.AsMemory(0, read), ct);
    }

    static bool IsLoopback(IPAddress? address) => address is not null && IPAddress.IsLoopback(address);
}
