using Serverless.Store.Keyspace;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;

namespace Serverless.Store.PubSub;

/// <summary>
/// The pub/sub side of one app: the transport, the hub name, the subscribe tokens and, with Azure
/// SignalR Service, the access key that signs its upstream (event handler) calls. One per process;
/// the hosts build it from settings with <see cref="FromSettings"/>.
/// </summary>
public sealed partial class PubSubHub(IPubSubTransport transport, string hubName, SubscribeTokens tokens, string? upstreamKey = null, ILogger? logger = null)
{
    public const string HubSetting = "SignalRHub";
    public const string DefaultHub = "store";

    public IPubSubTransport Transport { get; } = transport;
    public string HubName { get; } = hubName;
    public SubscribeTokens Tokens { get; } = tokens;
    public ILogger? Logger { get; } = logger;

    /// <summary>
    /// The settings the hosts read: <c>SignalRHub</c> (default "store"), <c>AzureSignalRConnectionString</c>
    /// (null here = the host's in-process hub, from <paramref name="inProcess"/>), <c>NotifyKeyspaceEvents</c>
    /// (sets <see cref="KeyspaceNotifications.Current"/> when there is pub/sub) and <c>STORE_TOKEN</c> (subscribe tokens' key).
    /// Returns null when there is no Azure connection string and no in-process hub: no pub/sub.
    /// </summary>
    public static PubSubHub? FromSettings(Func<string, string?> setting, Func<string, IPubSubTransport>? inProcess, HttpClient? http = null, ILogger? logger = null)
    {
        var hub = setting(HubSetting) is { Length: > 0 } h ? h : DefaultHub;
        if (!HubNameRule().IsMatch(hub))
            throw new FormatException($"{HubSetting}: '{hub}' is not a hub name (a letter, then letters, digits or '_', at most 128)");
        var notifications = KeyspaceNotifications.Parse(setting(KeyspaceNotifications.Setting));
        var tokens = new SubscribeTokens(setting(Api.AccessPolicy.TokenSetting));
        if (setting(SignalRConnectionString.Setting) is { Length: > 0 } text)
        {
            var connection = SignalRConnectionString.Parse(text);
            var transport = new AzureSignalRTransport(connection, hub, http ?? SharedHttp, logger);
            logger?.LogInformation("Pub/sub through Azure SignalR Service {Endpoint}, hub {Hub}, keyspace events {Events}", connection.BaseUrl, hub, notifications);
            KeyspaceNotifications.Current = notifications;
            return new PubSubHub(transport, hub, tokens, connection.AccessKey, logger);
        }
        if (inProcess is null) return null;
        logger?.LogInformation("Pub/sub through the in-process SignalR hub {Hub}, keyspace events {Events}", hub, notifications);
        KeyspaceNotifications.Current = notifications;
        return new PubSubHub(inProcess(hub), hub, tokens, null, logger);
    }

    static readonly HttpClient SharedHttp = new() { Timeout = TimeSpan.FromSeconds(10) };

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_]{0,127}$")]
    private static partial Regex HubNameRule();

    /// <summary>
    /// Sends a message on <paramref name="channel"/> to the groups of the channel and of every
    /// matching pattern that have subscribers in <paramref name="registry"/>, and returns the
    /// number of receivers, counted as Redis does. Groups without subscribers cost nothing.
    /// </summary>
    public async Task<long> DeliverAsync(Subscriptions? registry, string channel, string data, CancellationToken cancellation)
    {
        if (registry is null) return 0;
        var routes = registry.Route(channel, data).ToList();
        await Task.WhenAll(routes.Select(r => Transport.SendToGroupAsync(r.Group, r.Message, cancellation)));
        return routes.Sum(r => (long)r.Receivers);
    }

    /// <summary>True when this app takes SignalR Service upstream calls (only with Azure SignalR).</summary>
    public bool HasUpstream => upstreamKey is not null;

    /// <summary>
    /// SignalR Service signs each upstream call: <c>X-ASRS-Signature: sha256=&lt;hex&gt;[,sha256=&lt;hex&gt;]</c>, the
    /// HMAC-SHA256 of the connection id keyed with an access key (two while keys rotate).
    /// </summary>
    public bool VerifyUpstream(string? connectionId, string? signatureHeader)
    {
        if (upstreamKey is null || string.IsNullOrEmpty(connectionId) || string.IsNullOrEmpty(signatureHeader)) return false;
        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(upstreamKey), Encoding.UTF8.GetBytes(connectionId)));
        foreach (var part in signatureHeader.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!part.StartsWith("sha256=", StringComparison.OrdinalIgnoreCase)) continue;
            if (CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(part[7..].ToLowerInvariant()), Encoding.ASCII.GetBytes(expected))) return true;
        }
        return false;
    }

    /// <summary>The signature SignalR Service would send (tests, docs).</summary>
    public static string UpstreamSignature(string accessKey, string connectionId) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(accessKey), Encoding.UTF8.GetBytes(connectionId)));
}
