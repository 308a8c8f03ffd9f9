namespace Serverless.Store.Http;

/// <summary>
/// The REST API's routes, as both hosts declare them. One catch-all below the base path serves
/// the base itself (one command as a JSON array; GET answers PONG), /pipeline, /multi-exec and
/// path-style commands: a catch-all also matches the empty rest, and Azure Functions cannot
/// declare an HTTP trigger on the route prefix alone (an empty Route means "the function's
/// name"). Every HTTP method reaches the router, which answers 405 itself for the ones it does
/// not take, with CORS headers, the same way on both hosts.
/// </summary>
public static class StoreRoutes
{
    /// <summary>Functions' route prefix (host.json extensions.http.routePrefix).</summary>
    public const string RoutePrefix = "api";

    /// <summary>The base path of the REST API on both hosts.</summary>
    public const string BasePath = "/" + RoutePrefix;

    /// <summary>The one route below the base (route values are not used: the router reads the raw path).</summary>
    public const string Route = "{*path}";

    /// <summary>The route's full template, as the standalone host maps it.</summary>
    public const string Template = BasePath + "/" + Route;

    /// <summary>Methods the route takes: null means every method (the router answers 405 itself).</summary>
    public static readonly string[]? Methods = null;
}
