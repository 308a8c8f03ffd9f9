using Serverless.Store.Api;
using Serverless.Store.Http;

namespace Serverless.Store.Standalone;

/// <summary>
/// ASP.NET Core onto the shared REST router: every method on `/api` and below, each request one
/// call into <see cref="StoreHttp"/>, which the Functions app's triggers call too.
/// </summary>
public static class StoreEndpoint
{
    public const string BasePath = StoreRoutes.BasePath;

    public static void MapStore(this WebApplication app)
    {
        var settings = app.Configuration;
        var access = AccessPolicy.FromSettings(name => settings[name]);
        var limits = RestLimits.FromSettings(name => settings[name]);
        var logger = app.Logger;
        // Server-sent-event subscriptions (MaxEventStreams); they end when the host stops, so shutdown does not wait on them.
        var streams = EventStreams.FromSettings(name => settings[name], app.Lifetime.ApplicationStopping);
        foreach (var weakness in AccessPolicy.WeakTokens(name => settings[name])) logger.LogWarning("{Weakness}", weakness);
        if (access.IsOpen)
            logger.LogWarning("No STORE_TOKEN or STORE_READONLY_TOKEN is configured: {Rule}",
                access.InAzure ? "refusing every request (running in Azure)" : "serving loopback clients only, without authentication");

        app.Map(StoreRoutes.Template, (HttpContext http, DurableEngine engine) =>
            StoreHttp.ServeAsync(http, engine.Store, access, logger, pubsub: engine.PubSub, endpoints: engine.Endpoints, limits: limits, streams: streams));
    }
}
