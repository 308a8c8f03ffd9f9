namespace Serverless.Store.Http;

/// <summary>
/// The REST API's routes below the base path, as both hosts declare them: the base itself (one
/// command as a JSON array; GET answers PONG) and everything below it (/pipeline, /multi-exec and
/// path-style commands). Every HTTP method reaches the router, which answers 405 for the ones it
/// does not take, with CORS headers, the same way on both hosts.
/// </summary>
public static class StoreRoutes
{
    /// <summary>The base path; in Functions it is host.json's extensions.http.routePrefix.</summary>
    public const string BasePath = "/api";

    /// <summary>Functions' route prefix (host.json), the base path without its slash.</summary>
    public const string RoutePrefix = "api";

    /// <summary>The base itself.</summary>
    public const string Base = "";

    /// <summary>Everything below the base (a catch-all; route values are not used, the raw path is).</summary>
    public const string Below = "{*path}";

    /// <summary>A route's full template under the base path, e.g. "/api/{*path}".</summary>
    public static string Template(string route) => route.Length == 0 ? BasePath : BasePath + "/" + route;

    /// <summary>Methods each route takes: null means every method (the router answers 405 itself).</summary>
    public static readonly string[]? Methods = null;
}
