using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using Serverless.Store.Api;
using Serverless.Store.PubSub;

namespace Serverless.Store.Http;

/// <summary>
/// Upstash's pub/sub over server-sent events, what <c>@upstash/redis</c>'s <c>subscribe()</c> and
/// <c>psubscribe()</c> read: <c>POST|GET &lt;base&gt;/subscribe/&lt;channel&gt;[/&lt;channel&gt;...]</c> or
/// <c>&lt;base&gt;/psubscribe/&lt;pattern&gt;...</c> (usually with <c>Accept: text/event-stream</c>)
/// answers a stream of <c>data: subscribe,&lt;channel&gt;,&lt;count&gt;</c>, then
/// <c>data: message,&lt;channel&gt;,&lt;payload&gt;</c> / <c>data: pmessage,&lt;pattern&gt;,&lt;channel&gt;,&lt;payload&gt;</c>
/// lines until the client closes it. The bare <c>subscribe</c> path stays the SignalR JSON endpoint:
/// a channel segment after it is what makes a request a stream.
/// <para>
/// Each stream is a subscriber like any other: the transport holds a connection for it
/// (<see cref="IPubSubTransport.ConnectAsync"/>: a SignalR client of Azure SignalR Service, so a
/// PUBLISH on any instance reaches it; on the standalone hub, a connection of the in-process hub),
/// it is recorded in the subscription registry (PUBLISH's count, PUBSUB NUMSUB / NUMPAT /
/// CHANNELS), and a closed stream unsubscribes before its connection leaves. A comment line every
/// <see cref="Heartbeat"/> keeps proxies from closing an idle stream. One process serves at most
/// <see cref="MaxStreams"/> streams at once (<c>MaxEventStreams</c>); past that a new one gets 503.
/// </para>
/// </summary>
public sealed class EventStreams(int maxStreams = EventStreams.DefaultMaxStreams, CancellationToken stopping = default)
{
    public const string MaxStreamsSetting = "MaxEventStreams";
    public const int DefaultMaxStreams = 1000;

    /// <summary>How often an idle stream gets a comment line (proxies and load balancers close idle connections).</summary>
    public static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    /// <summary>How long a closing stream may take to leave the registry before it gives up (the registry's sweep then drops it).</summary>
    static readonly TimeSpan LeaveTimeout = TimeSpan.FromSeconds(30);

    int open;

    public int MaxStreams { get; } = maxStreams;

    /// <summary>Streams open on this process now.</summary>
    public int Open => Volatile.Read(ref open);

    /// <summary><c>MaxEventStreams</c> (unset = <see cref="DefaultMaxStreams"/>); <paramref name="stopping"/> ends every stream when the host stops.</summary>
    public static EventStreams FromSettings(Func<string, string?> setting, CancellationToken stopping = default) =>
        new(setting(MaxStreamsSetting) switch
        {
            null or "" => DefaultMaxStreams,
            var text when int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0 => n,
            var text => throw new FormatException($"{MaxStreamsSetting}: '{text}' is not a positive whole number"),
        }, stopping);

    /// <summary>True for <c>subscribe/&lt;channel&gt;...</c> and <c>psubscribe/&lt;pattern&gt;...</c> (path below the base, still percent-encoded).</summary>
    public static bool Serves(string rawPath)
    {
        var path = rawPath.Trim('/');
        var slash = path.IndexOf('/');
        return slash > 0 && path[..slash].ToLowerInvariant() is "subscribe" or "psubscribe";
    }

    /// <summary>Serves one stream request until the client closes it (or answers its refusal as JSON).</summary>
    public async Task ServeAsync(HttpContext http, RestRequest request, AccessPolicy access, PubSubService? pubsub, ILogger? logger)
    {
        var refusal = Refusal(request, pubsub);
        if (refusal is not null)
        {
            await StoreHttp.WriteAsync(http.Response, refusal, http.RequestAborted);
            return;
        }
        var segments = request.RawPath.Trim('/').Split('/');
        var patterns = segments[0].Equals("psubscribe", StringComparison.OrdinalIgnoreCase);
        var names = segments[1..].Select(Uri.UnescapeDataString).Distinct(StringComparer.Ordinal).ToArray();
        var (grant, denied) = await PubSubEndpoints.AuthenticateAsync(request, access, pubsub!.Hub.Tokens);
        denied ??= Check(names, patterns, grant);
        if (denied is not null)
        {
            await StoreHttp.WriteAsync(http.Response, denied, http.RequestAborted);
            return;
        }
        if (Interlocked.Increment(ref open) > MaxStreams)
        {
            Interlocked.Decrement(ref open);
            await StoreHttp.WriteAsync(http.Response, RestRouter.Respond(503, ReplyEncoder.Error(
                $"ERR max number of clients reached: this instance holds {MaxStreams} event streams ({MaxStreamsSetting}); retry later or raise the setting"),
                ("Retry-After", "1")), http.RequestAborted);
            return;
        }
        try
        {
            await StreamAsync(http, pubsub, names, patterns, grant, logger);
        }
        finally
        {
            Interlocked.Decrement(ref open);
        }
    }

    static RestResponse? Refusal(RestRequest request, PubSubService? pubsub) => request.Method.ToUpperInvariant() switch
    {
        "OPTIONS" => RestRouter.Respond(204, []),
        not ("GET" or "POST") => RestRouter.Respond(405, ReplyEncoder.Error("ERR use POST (or GET) to open an event stream"), ("Allow", "GET, POST, OPTIONS")),
        _ when pubsub is null => RestRouter.Respond(404, ReplyEncoder.Error($"ERR pub/sub is not configured on this store: set {SignalRConnectionString.Setting}")),
        _ => null,
    };

    /// <summary>Names must be 1 to 512 bytes and, for a subscribe token, within its patterns.</summary>
    static RestResponse? Check(string[] names, bool patterns, SubscribeGrant? grant)
    {
        if (names.Any(n => n.Length == 0 || Encoding.UTF8.GetByteCount(n) > Groups.MaxNameBytes))
            return RestRouter.Respond(400, ReplyEncoder.Error($"ERR every channel or pattern in the path must be 1 to {Groups.MaxNameBytes} bytes long"));
        if (grant is not null && names.FirstOrDefault(n => !(patterns ? grant.AllowsPattern(n) : grant.AllowsChannel(n))) is { } outside)
            return RestRouter.Respond(403, ReplyEncoder.Error(
                $"NOPERM this subscribe token does not allow '{outside}' (it allows {string.Join(", ", grant.Patterns.Select(p => $"'{p}'"))})"));
        return null;
    }

    async Task StreamAsync(HttpContext http, PubSubService pubsub, string[] names, bool patterns, SubscribeGrant? grant, ILogger? logger)
    {
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, stopping);
        HeldConnection connection;
        try
        {
            connection = await pubsub.Hub.Transport.ConnectAsync(grant?.User ?? "stream-" + Guid.NewGuid().ToString("N")[..12], ended.Token);
        }
        catch (PubSubTransportException e)
        {
            await StoreHttp.WriteAsync(http.Response, RestRouter.Respond(502, ReplyEncoder.Error("ERR the SignalR transport failed: " + e.Message)), ended.Token);
            return;
        }
        await using (connection)
        {
            try
            {
                try
                {
                    await pubsub.SubscribeAsync(connection.ConnectionId, patterns ? [] : names, patterns ? names : [], ended.Token);
                }
                catch (PubSubTransportException e)
                {
                    await StoreHttp.WriteAsync(http.Response, RestRouter.Respond(502, ReplyEncoder.Error("ERR the SignalR transport failed: " + e.Message)), ended.Token);
                    return;
                }
                await StartAsync(http.Response, ended.Token);
                var kind = patterns ? "psubscribe" : "subscribe";
                for (var i = 0; i < names.Length; i++) await WriteEventAsync(http.Response, $"{kind},{names[i]},{i + 1}", ended.Token);
                await PumpAsync(http.Response, connection, ended.Token);
            }
            catch (OperationCanceledException) when (ended.IsCancellationRequested)
            {
                // the client closed the stream, or the host is stopping
            }
            catch (PubSubTransportException e)
            {
                logger?.LogInformation("An event stream ended: {Reason}", e.Message);
            }
            catch (IOException)
            {
                // the client went away mid-write
            }
            catch (Exception e) when (e is not OperationCanceledException && !http.Response.HasStarted)
            {
                // before the first event (the registry did not answer in time...): a JSON error, as the router gives
                logger?.LogWarning(e, "An event stream could not subscribe");
                await StoreHttp.WriteAsync(http.Response, RestRouter.Respond(503, ReplyEncoder.Error(
                    $"ERR the subscription was not recorded ({e.GetType().Name}): retry; if it persists, see the store's log")), CancellationToken.None);
            }
            finally
            {
                // Also after a failed or cancelled subscribe: what it recorded leaves with the rest.
                await LeaveAsync(pubsub, connection.ConnectionId, logger);
            }
        }
    }

    /// <summary>Sends messages as they come and a comment line when none came for <see cref="Heartbeat"/>; returns when the connection closes.</summary>
    static async Task PumpAsync(HttpResponse response, HeldConnection connection, CancellationToken ended)
    {
        var reader = connection.Messages;
        while (true)
        {
            bool more;
            using (var beat = CancellationTokenSource.CreateLinkedTokenSource(ended))
            {
                beat.CancelAfter(Heartbeat);
                try
                {
                    more = await reader.WaitToReadAsync(beat.Token);
                }
                catch (OperationCanceledException) when (!ended.IsCancellationRequested)
                {
                    await WriteAsync(response, ": keep-alive\n\n", ended);
                    continue;
                }
            }
            if (!more) return;
            var batch = new StringBuilder();
            while (batch.Length < 64 * 1024 && reader.TryRead(out var message)) Append(batch, Line(message));
            await WriteAsync(response, batch.ToString(), ended);
        }
    }

    /// <summary>A message as Upstash's client parses it: <c>message,&lt;channel&gt;,&lt;payload&gt;</c> or <c>pmessage,&lt;pattern&gt;,&lt;channel&gt;,&lt;payload&gt;</c>.</summary>
    static string Line(PubSubMessage message) => message.Pattern is { } pattern
        ? $"pmessage,{pattern},{message.Channel},{message.Data}"
        : $"message,{message.Channel},{message.Data}";

    /// <summary>
    /// One event; a payload with line breaks becomes several <c>data:</c> lines, as the event-stream
    /// format requires (EventSource joins them again; @upstash/redis reads each line on its own).
    /// </summary>
    static void Append(StringBuilder to, string data)
    {
        foreach (var line in data.ReplaceLineEndings("\n").Split('\n')) to.Append("data: ").Append(line).Append('\n');
        to.Append('\n');
    }

    static Task WriteEventAsync(HttpResponse response, string data, CancellationToken cancellation)
    {
        var text = new StringBuilder();
        Append(text, data);
        return WriteAsync(response, text.ToString(), cancellation);
    }

    static async Task StartAsync(HttpResponse response, CancellationToken cancellation)
    {
        response.StatusCode = 200;
        foreach (var (name, value) in RestRouter.Respond(200, []).Headers) response.Headers[name] = value;
        response.Headers.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no"; // nginx-style proxies: do not hold the stream back
        response.HttpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await response.StartAsync(cancellation);
    }

    static async Task WriteAsync(HttpResponse response, string text, CancellationToken cancellation)
    {
        await response.Body.WriteAsync(Encoding.UTF8.GetBytes(text), cancellation);
        await response.Body.FlushAsync(cancellation);
    }

    /// <summary>The stream is over: its subscriptions leave the registry at once (not at the next sweep).</summary>
    static async Task LeaveAsync(PubSubService pubsub, string connectionId, ILogger? logger)
    {
        try
        {
            using var timeout = new CancellationTokenSource(LeaveTimeout);
            await pubsub.UnsubscribeAsync(connectionId, [], [], timeout.Token);
        }
        catch (Exception e)
        {
            logger?.LogWarning(e, "A closed event stream's subscriptions were not dropped; the registry's sweep will drop them");
        }
    }
}

/// <summary>An event stream as an action result (what a Functions trigger returns): it streams when the host executes it.</summary>
public sealed class EventStreamResult(EventStreams streams, RestRequest request, AccessPolicy access, PubSubService? pubsub, ILogger? logger) : IActionResult
{
    public Task ExecuteResultAsync(ActionContext context) => streams.ServeAsync(context.HttpContext, request, access, pubsub, logger);
}
