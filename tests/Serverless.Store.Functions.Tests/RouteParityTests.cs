using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;
using Microsoft.Extensions.DependencyInjection;
using Serverless.Store.Http;
using Serverless.Store.Standalone;

namespace Serverless.Store.Functions.Tests;

/// <summary>
/// The Functions app and the standalone host expose the same routes with the same methods:
/// read from what each host actually registers (functions.metadata + host.json's route prefix;
/// the standalone app's endpoint table), not from the shared constants.
/// </summary>
public class RouteParityTests
{
    /// <summary>(route template under the site root, methods or "*" for every method).</summary>
    static SortedSet<string> FunctionsRoutes()
    {
        var prefix = (string)Repo.Json(Repo.PathOf("host.json"))["extensions"]!["http"]!["routePrefix"]!;
        var routes = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var f in Repo.Json(Path.Combine(Repo.FunctionsOutput, "functions.metadata")).AsArray())
        foreach (var b in f!["bindings"]!.AsArray())
        {
            if ((string?)b!["type"] != "httpTrigger") continue;
            var methods = b["methods"]?.AsArray().Select(m => ((string)m!).ToUpperInvariant()).Order().ToArray() ?? ["*"];
            routes.Add(Normalize(prefix + "/" + (string)b["route"]!) + " " + string.Join(",", methods));
        }
        return routes;
    }

    static SortedSet<string> StandaloneRoutes()
    {
        var builder = WebApplication.CreateBuilder();
        // The endpoints resolve the engine per request; listing them must not start it.
        builder.Services.AddSingleton<DurableEngine>(_ => throw new InvalidOperationException("not started in this test"));
        var app = builder.Build();
        app.MapStore();
        var routes = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var endpoint in ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>())
        {
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods.Select(m => m.ToUpperInvariant()).Order().ToArray() ?? ["*"];
            routes.Add(Normalize(endpoint.RoutePattern.RawText!) + " " + string.Join(",", methods));
        }
        return routes;
    }

    /// <summary>Leading slash and catch-all spelling ({*x} and {**x} match the same) do not matter.</summary>
    static string Normalize(string template) => template.Trim('/').Replace("{**", "{*");

    [Fact]
    public void Both_hosts_register_the_same_routes_and_methods()
    {
        var functions = FunctionsRoutes();
        var standalone = StandaloneRoutes();
        Assert.NotEmpty(functions);
        Assert.Equal(standalone, functions);
        Assert.Equal(["api/{*path} *"], functions);
    }

    [Theory]
    [InlineData("/api")]
    [InlineData("/api/")]
    [InlineData("/api/pipeline")]
    [InlineData("/api/multi-exec")]
    [InlineData("/api/set/k/v")]
    [InlineData("/api/get/a%2Fb")]
    public void The_route_serves_the_base_and_everything_below(string path)
    {
        // ASP.NET Core's template matching, which the Functions host's HTTP routing also uses.
        var matcher = new TemplateMatcher(TemplateParser.Parse(StoreRoutes.Template.TrimStart('/')), new RouteValueDictionary());
        Assert.True(matcher.TryMatch(path, new RouteValueDictionary()), path);
    }

    [Theory]
    [InlineData("/apix")]
    [InlineData("/other/get/k")]
    public void The_route_does_not_serve_other_paths(string path)
    {
        var matcher = new TemplateMatcher(TemplateParser.Parse(StoreRoutes.Template.TrimStart('/')), new RouteValueDictionary());
        Assert.False(matcher.TryMatch(path, new RouteValueDictionary()), path);
    }

    [Fact]
    public void The_shared_prefix_is_the_one_in_host_json()
    {
        Assert.Equal(StoreRoutes.RoutePrefix, (string?)Repo.Json(Repo.PathOf("host.json"))["extensions"]!["http"]!["routePrefix"]);
        Assert.Equal("/" + StoreRoutes.RoutePrefix, StoreRoutes.BasePath);
    }
}
