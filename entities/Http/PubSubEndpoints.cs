using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Serverless.Store.Api;
using Serverless.Store.PubSub;

namespace Serverless.Store.Http;

/// <summary>
/// The pub/sub routes below the REST base, served through the same catch-all as commands and
/// before command parsing, the same on both hosts:
/// <list type="bullet">
/// <item><c>POST negotiate</c>: the SignalR clients' negotiate; answers <c>{url, accessToken}</c>, which they follow.</item>
/// <item><c>POST subscribe</c> / <c>POST unsubscribe</c> with <c>{"connectionId", "channels", "patterns"}</c>.</item>
/// <item><c>POST subscribe-token</c> with <c>{"patterns", "ttlSeconds", "user"}</c> (full-access token only): a subscribe-only token.</item>
/// <item><c>POST _signalr/{hub}/{category}/{event}</c>: Azure SignalR Service's upstream (event
/// handler) calls, checked by their <c>X-ASRS-Signature</c>; <c>connections/disconnected</c> drops
/// the connection's subscriptions.</item>
/// </list>
/// Negotiate and (un)subscribe take the full-access token or a subscribe token: none or an invalid
/// one gets 401, the read-only token and channels outside a subscribe token's patterns 403.
/// </summary>
public static class PubSubEndpoints
{
    const string JsonHelp = """send {"connectionId":"<the SignalR connection's id>","channels":["orders"],"patterns":["orders.*"]}""";

    /// <summary>True for the paths these endpoints serve (path below the base, no slashes around).</summary>
    public static bool Serves(string path)
    {
        var p = path.Trim('/').ToLowerInvariant();
        return p is "negotiate" or "subscribe" or "unsubscribe" or "subscribe-token"
            || p.StartsWith("_signalr/", StringComparison.Ordinal);
    }

    /// <summary>Serves a pub/sub request; <paramref name="origin"/> is the request's scheme://host (for the in-process hub's URL).</summary>
    public static async Task<RestResponse> HandleAsync(RestRequest request, Uri origin, AccessPolicy access, PubSubService? pubsub,
        ILogger? logger, CancellationToken cancellation)
    {
        var path = request.RawPath.Trim('/');
        var lower = path.ToLowerInvariant();
        var method = request.Method.ToUpperInvariant();
        if (method == "OPTIONS") return RestRouter.Respond(204, []);
        if (pubsub is null)
            return Error(404, $"ERR pub/sub is not configured on this store: set {SignalRConnectionString.Setting}");
        try
        {
            switch (lower)
            {
                case "subscribe-token":
                    return method == "POST" ? IssueToken(request, access, pubsub) : MethodNotAllowed("POST");
            }
            if (lower.StartsWith("_signalr/", StringComparison.Ordinal))
                return method == "POST" ? await UpstreamAsync(request, path, pubsub, logger) : MethodNotAllowed("POST");
            if (method != "POST") return MethodNotAllowed("POST");

            var (grant, refusal) = await AuthenticateAsync(request, access, pubsub.Hub.Tokens);
            if (refusal is not null) return refusal;
            if (lower == "negotiate")
            {
                var user = grant?.User ?? (grant is null ? "store" : "subscriber") + "-" + Guid.NewGuid().ToString("N")[..12];
                var result = pubsub.Hub.Transport.Negotiate(user, origin);
                return RestRouter.Respond(200, JsonSerializer.SerializeToUtf8Bytes(result));
            }

            var body = ParseSubscription(request.Body);
            if (grant is not null)
            {
                var outside = body.Channels.Where(c => !grant.AllowsChannel(c)).Concat(body.Patterns.Where(p => !grant.AllowsPattern(p))).ToList();
                if (outside.Count > 0)
                    return Error(403, $"NOPERM this subscribe token does not allow '{outside[0]}' (it allows {string.Join(", ", grant.Patterns.Select(p => $"'{p}'"))})");
            }
            if (lower == "subscribe")
            {
                if (body.Channels.Length == 0 && body.Patterns.Length == 0)
                    throw new BadRequestException(400, "ERR nothing to subscribe to: " + JsonHelp);
                await pubsub.SubscribeAsync(body.ConnectionId, body.Channels, body.Patterns, cancellation);
            }
            else
            {
                await pubsub.UnsubscribeAsync(body.ConnectionId, body.Channels, body.Patterns, cancellation);
            }
            return RestRouter.Respond(200, ReplyEncoder.Single(Protocol.Reply.Ok, false));
        }
        catch (BadRequestException e)
        {
            return Error(e.Status, e.Message);
        }
        catch (UnknownConnectionException e)
        {
            return Error(404, "ERR " + e.Message);
        }
        catch (PubSubTransportException e)
        {
            logger?.LogWarning(e, "Pub/sub request {Path} failed in the transport", path);
            return Error(502, "ERR the SignalR transport failed: " + e.Message);
        }
    }

    /// <summary>The caller's grant: null for the full-access token (everything), a subscribe token's patterns, or the refusal.</summary>
    internal static async Task<(SubscribeGrant? Grant, RestResponse? Refusal)> AuthenticateAsync(RestRequest request, AccessPolicy access, SubscribeTokens tokens)
    {
        var token = RestRouter.Token(request);
        switch (access.Authenticate(token))
        {
            case Access.Full: return (null, null);
            case Access.ReadOnly: return (null, Error(403, "NOPERM the read-only token cannot subscribe: use the full-access token or a subscribe token (POST <base>/subscribe-token)"));
        }
        if (await tokens.ValidateAsync(token) is { } grant) return (grant, null);
        return (null, Error(401, "ERR unauthorized: send the store's token or a subscribe token as 'Authorization: Bearer <token>'"));
    }

    sealed record SubscriptionBody(string ConnectionId, string[] Channels, string[] Patterns);

    static SubscriptionBody ParseSubscription(byte[] body)
    {
        JsonElement root;
        try { root = JsonDocument.Parse(body).RootElement; }
        catch (JsonException) { throw new BadRequestException(400, "ERR the body is not JSON: " + JsonHelp); }
        if (root.ValueKind != JsonValueKind.Object) throw new BadRequestException(400, "ERR the body must be a JSON object: " + JsonHelp);
        var id = root.TryGetProperty("connectionId", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
        if (string.IsNullOrEmpty(id)) throw new BadRequestException(400, "ERR connectionId is missing: " + JsonHelp);
        return new SubscriptionBody(id, Names(root, "channels"), Names(root, "patterns"));
    }

    static string[] Names(JsonElement root, string property)
    {
        if (!root.TryGetProperty(property, out var list) || list.ValueKind == JsonValueKind.Null) return [];
        if (list.ValueKind != JsonValueKind.Array || list.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
            throw new BadRequestException(400, $"ERR {property} must be an array of strings: " + JsonHelp);
        var names = list.EnumerateArray().Select(e => e.GetString()!).Distinct(StringComparer.Ordinal).ToArray();
        foreach (var n in names)
            if (n.Length == 0 || Encoding.UTF8.GetByteCount(n) > Groups.MaxNameBytes)
                throw new BadRequestException(400, $"ERR every name in {property} must be 1 to {Groups.MaxNameBytes} bytes long");
        return names;
    }

    static RestResponse IssueToken(RestRequest request, AccessPolicy access, PubSubService pubsub)
    {
        var token = RestRouter.Token(request);
        var granted = access.Authenticate(token);
        if (granted == Access.None) return Error(401, "ERR unauthorized: subscribe tokens are issued to the full-access token");
        if (granted != Access.Full) return Error(403, "NOPERM subscribe tokens are issued to the full-access token only");
        if (!pubsub.Hub.Tokens.CanIssue) return Error(400, $"ERR subscribe tokens need {AccessPolicy.TokenSetting} (their signing key is derived from it)");
        const string help = """send {"patterns":["orders","orders.*"],"ttlSeconds":3600,"user":"optional user id"}""";
        JsonElement root;
        try { root = JsonDocument.Parse(request.Body).RootElement; }
        catch (JsonException) { return Error(400, "ERR the body is not JSON: " + help); }
        if (root.ValueKind != JsonValueKind.Object) return Error(400, "ERR the body must be a JSON object: " + help);
        string[] patterns;
        try { patterns = Names(root, "patterns"); }
        catch (BadRequestException e) { return Error(400, e.Message.Replace(JsonHelp, help)); }
        if (patterns.Length == 0) return Error(400, "ERR patterns is missing or empty: " + help);
        var lifetime = SubscribeTokens.DefaultLifetime;
        if (root.TryGetProperty("ttlSeconds", out var ttl))
        {
            if (!ttl.TryGetInt64(out var seconds) || seconds < 1 || seconds > SubscribeTokens.MaxLifetime.TotalSeconds)
                return Error(400, $"ERR ttlSeconds must be a whole number from 1 to {SubscribeTokens.MaxLifetime.TotalSeconds:F0}");
            lifetime = TimeSpan.FromSeconds(seconds);
        }
        var user = root.TryGetProperty("user", out var u) && u.ValueKind == JsonValueKind.String ? u.GetString() : null;
        var issued = pubsub.Hub.Tokens.Issue(patterns, lifetime, user);
        var expires = DateTimeOffset.UtcNow.Add(lifetime).ToUnixTimeSeconds();
        return RestRouter.Respond(200, JsonSerializer.SerializeToUtf8Bytes(new { result = new { token = issued, expiresAt = expires, patterns } }));
    }

    /// <summary>Azure SignalR Service's upstream call for <c>_signalr/{hub}/{category}/{event}</c>.</summary>
    static async Task<RestResponse> UpstreamAsync(RestRequest request, string path, PubSubService pubsub, ILogger? logger)
    {
        if (!pubsub.Hub.HasUpstream)
            return Error(404, "ERR this store uses its in-process SignalR hub: there is no SignalR Service upstream");
        var parts = path.Split('/');
        if (parts.Length != 4) return Error(404, "ERR the upstream URL template is <base>/_signalr/{hub}/{category}/{event}");
        var connectionId = request.Header("X-ASRS-Connection-Id");
        if (!pubsub.Hub.VerifyUpstream(connectionId, request.Header("X-ASRS-Signature")))
            return Error(401, "ERR the upstream call's X-ASRS-Signature does not match the access key");
        var (hub, category, evt) = (Uri.UnescapeDataString(parts[1]), parts[2].ToLowerInvariant(), parts[3].ToLowerInvariant());
        if (!string.Equals(hub, pubsub.Hub.HubName, StringComparison.OrdinalIgnoreCase))
            return RestRouter.Respond(200, []); // another hub on the same service: nothing of ours
        if (category == "connections" && evt == "disconnected")
        {
            await pubsub.DisconnectedAsync(connectionId!);
            logger?.LogInformation("SignalR connection {ConnectionId} disconnected: its subscriptions are dropped", connectionId);
        }
        return RestRouter.Respond(200, []);
    }

    static RestResponse Error(int status, string message) => RestRouter.Respond(status, ReplyEncoder.Error(message));

    static RestResponse MethodNotAllowed(string allowed) =>
        RestRouter.Respond(405, ReplyEncoder.Error($"ERR use {allowed} here"), ("Allow", allowed + ", OPTIONS"));
}
