using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.AspNetCore.SignalR;
using Microsoft.IdentityModel.Tokens;
using Serverless.Store.PubSub;

namespace Serverless.Store.Standalone;

/// <summary>
/// The standalone host's stand-in for Azure SignalR Service: an ASP.NET Core SignalR hub at
/// <c>/signalr/{hub}</c> with the same client contract (negotiate at the store's base answers
/// <c>{url, accessToken}</c>, messages are invocations of <c>message</c>), so the browser code is
/// the same. Clients send no messages to it; it only tells the transport who is connected.
/// </summary>
public sealed class StoreHub(InProcessTransport transport, DurableEngine engine, ILogger<StoreHub> logger) : Hub
{
    public override Task OnConnectedAsync()
    {
        transport.Connected(Context.ConnectionId);
        return Task.CompletedTask;
    }

    /// <summary>Hub disconnect: the subscriptions of the connection leave the registry (as SignalR Service's upstream event does in Azure).</summary>
    public override async Task OnDisconnectedAsync(Exception? exception)
    {
        transport.Disconnected(Context.ConnectionId);
        if (engine.PubSub is { } pubsub)
        {
            try { await pubsub.DisconnectedAsync(Context.ConnectionId); }
            catch (Exception e) { logger.LogWarning(e, "Dropping the subscriptions of {ConnectionId} failed", Context.ConnectionId); }
        }
    }
}

/// <summary>
/// <see cref="IPubSubTransport"/> over the in-process hub. Client tokens are signed with a key made
/// at start (the hub only lives in this process); the hub's endpoints accept only those
/// (<see cref="InProcessHubEndpoints"/>). SignalR keeps no list of a connection's groups, so this does.
/// </summary>
public sealed class InProcessTransport(IHubContext<StoreHub> hubContext) : IPubSubTransport
{
    public const string PathPrefix = "/signalr/";
    public static readonly TimeSpan ClientTokenLifetime = TimeSpan.FromHours(1);

    public SecurityKey Key { get; } = Jwt.Key(RandomNumberGenerator.GetBytes(32));
    public string HubName { get; set; } = PubSubHub.DefaultHub;

    readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> connections = new(StringComparer.Ordinal);

    public NegotiateResult Negotiate(string userId, Uri requestOrigin)
    {
        var url = new Uri(requestOrigin, PathPrefix + HubName).ToString();
        return new NegotiateResult(url, Jwt.Create(Key, url, ClientTokenLifetime, new Dictionary<string, object> { ["nameid"] = userId }));
    }

    public Task SendToGroupAsync(string group, PubSubMessage message, CancellationToken cancellation)
    {
        foreach (var (id, connection) in held)
            if (connections.TryGetValue(id, out var groups) && groups.ContainsKey(group)) connection.Deliver(message);
        return hubContext.Clients.Group(group).SendAsync(IPubSubTransport.Target, message, cancellation);
    }

    public async Task AddToGroupAsync(string group, string connectionId, CancellationToken cancellation)
    {
        if (!held.ContainsKey(connectionId)) await hubContext.Groups.AddToGroupAsync(connectionId, group, cancellation);
        if (connections.TryGetValue(connectionId, out var groups)) groups[group] = 0;
    }

    public async Task RemoveFromGroupAsync(string group, string connectionId, CancellationToken cancellation)
    {
        if (!held.ContainsKey(connectionId)) await hubContext.Groups.RemoveFromGroupAsync(connectionId, group, cancellation);
        if (connections.TryGetValue(connectionId, out var groups)) groups.TryRemove(group, out _);
    }

    /// <summary>Connections this process holds for server-sent-event streams: members of groups here, not of the SignalR hub.</summary>
    readonly ConcurrentDictionary<string, HeldConnection> held = new(StringComparer.Ordinal);

    /// <summary>A held connection lives in this transport only (no socket): the hub's clients never see it.</summary>
    public Task<HeldConnection> ConnectAsync(string userId, CancellationToken cancellation) =>
        Task.FromResult(HeldConnection.Open(held, Connected, Disconnected));

    public async Task RemoveFromAllGroupsAsync(string connectionId, CancellationToken cancellation)
    {
        if (!connections.TryGetValue(connectionId, out var groups)) return;
        foreach (var group in groups.Keys) await RemoveFromGroupAsync(group, connectionId, cancellation);
    }

    /// <summary>
    /// SignalR completes a client's handshake before it runs the hub's OnConnectedAsync, so a client
    /// may subscribe with its id a moment before this transport has heard of it: an unknown id gets
    /// that moment (<see cref="ConnectGrace"/>) before it is judged gone.
    /// </summary>
    public async Task<bool> ConnectionExistsAsync(string connectionId, CancellationToken cancellation)
    {
        var deadline = DateTime.UtcNow + ConnectGrace;
        while (!connections.ContainsKey(connectionId))
        {
            if (DateTime.UtcNow >= deadline) return false;
            await Task.Delay(20, cancellation);
        }
        return true;
    }

    static readonly TimeSpan ConnectGrace = TimeSpan.FromSeconds(2);

    internal void Connected(string connectionId) => connections[connectionId] = new(StringComparer.Ordinal);

    internal void Disconnected(string connectionId) => connections.TryRemove(connectionId, out _);
}

public static class InProcessHubEndpoints
{
    /// <summary>
    /// Pub/sub services: SignalR, the in-process transport, and the <see cref="PubSubHub"/> from the
    /// settings (<c>AzureSignalRConnectionString</c> set = Azure SignalR Service instead of the in-process hub).
    /// </summary>
    public static void AddPubSub(this WebApplicationBuilder builder)
    {
        builder.Services.AddSignalR();
        builder.Services.AddSingleton<InProcessTransport>();
        builder.Services.AddSingleton(services =>
        {
            var settings = services.GetRequiredService<IConfiguration>();
            return PubSubHub.FromSettings(name => settings[name], hub =>
            {
                var transport = services.GetRequiredService<InProcessTransport>();
                transport.HubName = hub;
                return transport;
            }, logger: services.GetRequiredService<ILoggerFactory>().CreateLogger<PubSubHub>())!;
        });
    }

    /// <summary>
    /// Maps the hub at /signalr/{hub}; its negotiate and connection requests must carry a token
    /// from the store's negotiate (Authorization header, or access_token in the query for WebSockets).
    /// </summary>
    public static void MapPubSubHub(this WebApplication app)
    {
        var hub = app.Services.GetRequiredService<PubSubHub>();
        var transport = app.Services.GetRequiredService<InProcessTransport>();
        if (hub.Transport != transport) return; // Azure SignalR Service serves the clients
        var path = InProcessTransport.PathPrefix + hub.HubName;
        app.UseWhen(http => http.Request.Path.StartsWithSegments(path), branch => branch.Use(async (http, next) =>
        {
            var header = http.Request.Headers.Authorization.ToString();
            var token = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : http.Request.Query["access_token"].ToString();
            if (await Jwt.ValidateAsync(token, transport.Key) is null)
            {
                http.Response.StatusCode = 401;
                await http.Response.WriteAsync("the hub takes the token that <base>/negotiate gives: connect through the store's base URL");
                return;
            }
            await next();
        }));
        app.MapHub<StoreHub>(path);
    }
}
