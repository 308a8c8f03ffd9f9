using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Serverless.Store.PubSub;
using Serverless.Store.Tests.Infrastructure;

namespace Serverless.Store.Tests.PubSub;

/// <summary>
/// The Azure SignalR Service REST transport against an HTTP server in the test that answers like the
/// service's published data-plane REST reference, version 2022-06-01 (<see cref="Reference"/>; the
/// service is not available here): exact methods, paths, query and bodies, the tokens' claims and
/// signatures, 404 answers (a removal of what is not there is done), retries.
/// </summary>
public sealed class AzureSignalRTransportTests : IDisposable
{
    const string AccessKey = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefgh=";

    /// <summary>
    /// The operations of the data-plane REST reference (2022-06-01) the transport may call: method,
    /// path template below /api, and the success status. Anything else is a route the service does
    /// not document: this server answers it 400 so a test sees it.
    /// </summary>
    static readonly (string Method, string Template, int Success)[] Reference =
    [
        ("POST", "hubs/{hub}/groups/{group}/:send", 202),
        ("PUT", "hubs/{hub}/groups/{group}/connections/{connectionId}", 200),
        ("DELETE", "hubs/{hub}/groups/{group}/connections/{connectionId}", 200),
        ("DELETE", "hubs/{hub}/connections/{connectionId}/groups", 200),
        ("HEAD", "hubs/{hub}/connections/{connectionId}", 200),
    ];

    static int? Documented(string method, string rawUrl)
    {
        var parts = rawUrl.Split('?', 2);
        if (parts.Length != 2 || parts[1] != "api-version=2022-06-01" || !parts[0].StartsWith("/api/")) return null;
        var segments = parts[0]["/api/".Length..].Split('/');
        foreach (var (m, template, success) in Reference)
        {
            var t = template.Split('/');
            if (m == method && t.Length == segments.Length
                && t.Zip(segments).All(p => p.First.StartsWith('{') ? p.Second.Length > 0 : p.First == p.Second))
                return success;
        }
        return null;
    }

    sealed record Seen(string Method, string Path, string Body, string? Token);

    readonly HttpListener listener = new();
    readonly ConcurrentQueue<Seen> seen = new();
    /// <summary>Statuses to answer, in order; then the reference's success status.</summary>
    readonly ConcurrentQueue<int> statuses = new();
    readonly int port = Ports.Free();
    readonly HttpClient http = new();
    readonly AzureSignalRTransport transport;
    readonly SignalRConnectionString connection;

    public AzureSignalRTransportTests()
    {
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        _ = Task.Run(ServeAsync);
        connection = SignalRConnectionString.Parse($"Endpoint=http://127.0.0.1;Port={port};AccessKey={AccessKey};Version=1.0;");
        transport = new AzureSignalRTransport(connection, "Store", http) { RetryDelay = TimeSpan.FromMilliseconds(5) };
    }

    async Task ServeAsync()
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await listener.GetContextAsync(); }
            catch (Exception) { return; }
            var body = await new StreamReader(context.Request.InputStream).ReadToEndAsync();
            var auth = context.Request.Headers["Authorization"];
            var method = context.Request.HttpMethod;
            seen.Enqueue(new Seen(method, context.Request.RawUrl!, body, auth?.StartsWith("Bearer ") == true ? auth[7..] : null));
            var documented = Documented(method, context.Request.RawUrl!);
            context.Response.StatusCode = documented is null ? 400 : statuses.TryDequeue(out var s) ? s : documented.Value;
            context.Response.Close();
        }
    }

    string Base => $"http://127.0.0.1:{port}";

    static JsonWebToken Read(string token) => new(token);

    async Task AssertServerToken(Seen request)
    {
        Assert.NotNull(request.Token);
        // Signed with the access key's UTF-8 bytes, for exactly this URL without query, short-lived.
        var identity = await Jwt.ValidateAsync(request.Token, Jwt.Key(AccessKey), Base + request.Path.Split('?')[0]);
        Assert.NotNull(identity);
        var token = Read(request.Token!);
        Assert.Equal("HS256", token.Alg);
        Assert.InRange(token.ValidTo - DateTime.UtcNow, TimeSpan.FromMinutes(4), TimeSpan.FromMinutes(5.1));
    }

    [Fact]
    public async Task Each_call_is_the_documented_method_path_and_body_with_a_server_token()
    {
        await transport.SendToGroupAsync(Groups.Channel("orders"), PubSubMessage.PMessage("orders.*", "orders.eu", "hi"), default);
        await transport.AddToGroupAsync(Groups.Pattern("orders.*"), "conn/1", default);
        await transport.RemoveFromGroupAsync(Groups.Pattern("orders.*"), "conn/1", default);
        await transport.RemoveFromAllGroupsAsync("conn/1", default);
        Assert.True(await transport.ConnectionExistsAsync("conn-1", default));
        statuses.Enqueue(404);
        Assert.False(await transport.ConnectionExistsAsync("gone", default));

        var requests = seen.ToArray();
        // The hub lower-cased, as Microsoft's management SDK sends it; api-version on every request.
        Assert.Equal(
        [
            ("POST", "/api/hubs/store/groups/c.b3JkZXJz/:send?api-version=2022-06-01"),
            ("PUT", "/api/hubs/store/groups/p.b3JkZXJzLio/connections/conn%2F1?api-version=2022-06-01"),
            ("DELETE", "/api/hubs/store/groups/p.b3JkZXJzLio/connections/conn%2F1?api-version=2022-06-01"),
            ("DELETE", "/api/hubs/store/connections/conn%2F1/groups?api-version=2022-06-01"),
            ("HEAD", "/api/hubs/store/connections/conn-1?api-version=2022-06-01"),
            ("HEAD", "/api/hubs/store/connections/gone?api-version=2022-06-01"),
        ], requests.Select(r => (r.Method, r.Path)));
        Assert.All(requests, r => Assert.NotNull(Documented(r.Method, r.Path)));
        var body = JsonDocument.Parse(requests[0].Body).RootElement;
        Assert.Equal("message", body.GetProperty("target").GetString());
        Assert.Equal("""[{"type":"pmessage","pattern":"orders.*","channel":"orders.eu","data":"hi"}]""", body.GetProperty("arguments").GetRawText());
        Assert.All(requests.Skip(1), r => Assert.Equal("", r.Body));
        foreach (var r in requests) await AssertServerToken(r);
    }

    [Fact]
    public async Task A_removal_answered_404_is_done_and_an_add_answered_404_fails()
    {
        // 404 to a removal: the connection is not in the group, or gone (the service restarted): what
        // the caller wanted is true already, as Redis's UNSUBSCRIBE of a channel one is not in.
        statuses.Enqueue(404);
        await transport.RemoveFromGroupAsync(Groups.Channel("never"), "conn-1", default);
        statuses.Enqueue(404);
        await transport.RemoveFromAllGroupsAsync("conn-1", default);
        // 404 to an add: the connection does not exist, so the subscription cannot be made.
        statuses.Enqueue(404);
        var failed = await Assert.ThrowsAsync<PubSubTransportException>(() => transport.AddToGroupAsync(Groups.Channel("c"), "gone", default));
        Assert.Contains("404", failed.Message);
        Assert.Equal(3, seen.Count); // none of them retried
    }

    [Fact]
    public async Task Negotiate_gives_the_client_url_and_a_token_for_it_with_the_user_id()
    {
        var result = transport.Negotiate("user-7", new Uri("http://ignored.example"));
        Assert.Equal($"{Base}/client/?hub=Store", result.Url);
        var identity = await Jwt.ValidateAsync(result.AccessToken, Jwt.Key(AccessKey), result.Url);
        Assert.NotNull(identity);
        Assert.Equal("user-7", Read(result.AccessToken).GetClaim("nameid").Value);
        Assert.Null(await Jwt.ValidateAsync(result.AccessToken, Jwt.Key("another key that is long enough to sign HS256"), result.Url));
    }

    [Fact]
    public async Task Throttling_and_server_errors_are_retried_then_reported()
    {
        statuses.Enqueue(429);
        statuses.Enqueue(503);
        await transport.SendToGroupAsync("g", PubSubMessage.Message("c", "d"), default);
        Assert.Equal(3, seen.Count);

        seen.Clear();
        for (var i = 0; i < AzureSignalRTransport.MaxAttempts; i++) statuses.Enqueue(500);
        var failed = await Assert.ThrowsAsync<PubSubTransportException>(() => transport.SendToGroupAsync("g", PubSubMessage.Message("c", "d"), default));
        Assert.Contains("failed after 4 tries", failed.Message);
        Assert.Equal(AzureSignalRTransport.MaxAttempts, seen.Count);

        seen.Clear();
        statuses.Enqueue(400); // a refusal is not retried
        await Assert.ThrowsAsync<PubSubTransportException>(() => transport.AddToGroupAsync("g", "c", default));
        Assert.Single(seen);
    }

    [Fact]
    public async Task An_unreachable_service_fails_the_call_after_the_retries()
    {
        var dead = new AzureSignalRTransport(SignalRConnectionString.Parse($"Endpoint=http://127.0.0.1;Port={Ports.Free()};AccessKey={AccessKey}"), "store", http)
        {
            RetryDelay = TimeSpan.FromMilliseconds(1),
        };
        var failed = await Assert.ThrowsAsync<PubSubTransportException>(() => dead.SendToGroupAsync("g", PubSubMessage.Message("c", "d"), default));
        Assert.Contains("failed after 4 tries", failed.Message);
    }

    public void Dispose()
    {
        listener.Stop();
        listener.Close();
        http.Dispose();
    }
}
