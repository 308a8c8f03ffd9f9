using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Serverless.Store.Api;
using Serverless.Store.Durable;
using Serverless.Store.Http;
using Yarp.ReverseProxy.Forwarder;

namespace Serverless.Store.Functions.Tests;

/// <summary>
/// Path-style requests address exactly the bytes the client percent-encoded, on both hosts. Under
/// Functions the request goes through the host's proxy first; here that proxy is rebuilt from what
/// the host runs (azure-functions-host's DefaultHttpProxyService): Kestrel, then YARP's
/// IHttpForwarder.SendAsync with the default transformer, forwarding to a Kestrel "worker" whose
/// endpoint is the app's HTTP trigger. The standalone host is the same worker endpoint without the
/// proxy, serving through StoreHttp as standalone/ does. ECHO answers its argument's bytes
/// (base64), so every case shows what the router parsed.
/// </summary>
public sealed class HostProxyPathTests : IAsyncLifetime
{
    const string Token = "full-token";
    WebApplication? host, worker, standalone;
    readonly HttpClient http = new();

    static string Address(WebApplication app) => app.Urls.Single();

    public async Task InitializeAsync()
    {
        var functions = new RestFunctions(new AccessPolicy(Token, null), NullLogger<RestFunctions>.Instance);
        var client = TriggerTests.Client().Client.Object; // ECHO runs in the store itself: the durable client is never called
        worker = App(app => app.Map(StoreRoutes.Template, async context =>
        {
            var result = await functions.Rest(context.Request, client);
            await result.ExecuteResultAsync(new ActionContext(context, new RouteData(), new ActionDescriptor()));
        }));
        await worker.StartAsync();

        // The Functions host's proxy: what DefaultHttpProxyService.StartForwarding does for every HTTP trigger.
        var forwarder = new HttpMessageInvoker(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false });
        var workerAddress = Address(worker);
        host = App(app => app.Run(async context =>
        {
            var forwarding = context.RequestServices.GetRequiredService<IHttpForwarder>();
            var error = await forwarding.SendAsync(context, workerAddress, forwarder, new ForwarderRequestConfig { ActivityTimeout = TimeSpan.FromSeconds(240) });
            Assert.Equal(ForwarderError.None, error);
        }), addForwarder: true);
        await host.StartAsync();

        var store = new DurableStore(client.Entities);
        standalone = App(app => app.Map(StoreRoutes.Template, context => StoreHttp.ServeAsync(context, store, new AccessPolicy(Token, null))));
        await standalone.StartAsync();
    }

    static WebApplication App(Action<WebApplication> map, bool addForwarder = false)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        if (addForwarder) builder.Services.AddHttpForwarder();
        var app = builder.Build();
        map(app);
        return app;
    }

    /// <summary>GET base/echo/{segment} as raw bytes on the wire; the bytes ECHO answered, or the status.</summary>
    async Task<(int Status, byte[]? Echoed)> EchoAsync(WebApplication through, string segment)
    {
        var uri = new Uri(Address(through) + StoreRoutes.BasePath + "/echo/" + segment,
            new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Authorization = new("Bearer", Token);
        request.Headers.Add("Upstash-Encoding", "base64");
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK) return ((int)response.StatusCode, null);
        return (200, Convert.FromBase64String(JsonDocument.Parse(body).RootElement.GetProperty("result").GetString()!));
    }

    /// <summary>(what the client puts in the path, the bytes it means): '/', '%', space, '+', '?', '#', multi-byte UTF-8, bytes that are not UTF-8.</summary>
    public static TheoryData<string, byte[]> Exact() => new()
    {
        { "a%2Fb", "a/b"u8.ToArray() },
        { "a%2fb", "a/b"u8.ToArray() },
        { "100%25", "100%"u8.ToArray() },
        { "%2541", "%41"u8.ToArray() },
        { "%25%25", "%%"u8.ToArray() },
        { "a%20b", "a b"u8.ToArray() },
        { "a+b", "a+b"u8.ToArray() },
        { "a%2Bb", "a+b"u8.ToArray() },
        { "what%3F", "what?"u8.ToArray() },
        { "%23tag", "#tag"u8.ToArray() },
        { "%E2%82%AC%C3%A9", "€é"u8.ToArray() },
        { "%F0%9F%98%80", "😀"u8.ToArray() },
        { "%FF%FE", [0xFF, 0xFE] },
        { "%C3", [0xC3] },
        { "%E2%82A", [0xE2, 0x82, (byte)'A'] },
    };

    [Theory]
    [MemberData(nameof(Exact))]
    public async Task Under_the_functions_host_proxy_a_path_segment_is_the_bytes_the_client_encoded(string segment, byte[] meant)
    {
        var (status, echoed) = await EchoAsync(host!, segment);
        Assert.Equal(200, status);
        Assert.Equal(meant, echoed);
    }

    [Theory]
    [MemberData(nameof(Exact))]
    public async Task On_the_standalone_host_a_path_segment_is_the_bytes_the_client_encoded(string segment, byte[] meant)
    {
        var (status, echoed) = await EchoAsync(standalone!, segment);
        Assert.Equal(200, status);
        Assert.Equal(meant, echoed);
    }

    [Fact]
    public async Task A_nul_byte_in_the_path_is_refused_by_kestrel_on_both_hosts()
    {
        // Kestrel refuses %00 in a path with 400 before any app code runs: a key with NUL goes in a JSON body.
        Assert.Equal(400, (await EchoAsync(host!, "a%00b")).Status);
        Assert.Equal(400, (await EchoAsync(standalone!, "a%00b")).Status);
    }

    [Fact]
    public async Task A_literal_percent_2F_is_the_one_path_the_host_makes_ambiguous()
    {
        // Kestrel in the host turns %252F and %2F into the same Request.Path ("%2F"): the app cannot tell
        // them apart and reads a slash (HostProxyPath). Standalone has no proxy and keeps them apart.
        Assert.Equal("a/b"u8.ToArray(), (await EchoAsync(host!, "a%252Fb")).Echoed);
        Assert.Equal("a%2Fb"u8.ToArray(), (await EchoAsync(standalone!, "a%252Fb")).Echoed);
    }

    [Theory]
    [InlineData("/api/set/a%252Fb/v", "/api/set/a%2Fb/v")] // the example: a client's a%2Fb
    [InlineData("/api/get/100%25", "/api/get/100%25")] // a client's 100%25: Kestrel decoded it, YARP escaped it
    [InlineData("/api/get/%2541", "/api/get/%2541")] // a client's %2541: a literal % before 41
    [InlineData("/api/get/%25FF", "/api/get/%FF")] // a client's %FF, kept encoded by Kestrel
    [InlineData("/api/get/a%20b", "/api/get/a%20b")]
    [InlineData("/api/get/%E2%82%AC", "/api/get/%E2%82%AC")]
    public void The_forwarded_path_maps_to_the_path_the_client_sent(string forwarded, string client) =>
        Assert.Equal(client, HostProxyPath.ClientPath(forwarded));

    public async Task DisposeAsync()
    {
        http.Dispose();
        foreach (var app in new[] { host, worker, standalone })
            if (app is not null) await app.DisposeAsync();
    }
}
