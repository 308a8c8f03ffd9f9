using System.Text;
using Microsoft.Extensions.Logging;
using Serverless.Store.Commands;
using Serverless.Store.Protocol;

namespace Serverless.Store.Api;

/// <summary>
/// A route the host adds below the base path (the snapshot service's <c>restore</c>): it answers
/// the whole request itself, after the router has authenticated it.
/// </summary>
public delegate Task<RestResponse> RestEndpoint(RestRequest request, Access granted, CancellationToken cancellation);

/// <summary>
/// The REST protocol, compatible with Upstash's so its clients work unchanged:
/// `POST base` with ["CMD","arg",...]; `GET|POST base/cmd/arg/...`; `POST base/pipeline` and
/// `POST base/multi-exec` with 2-D arrays. Authentication, permissions, limits, CORS and the
/// mapping of outcomes to HTTP statuses live here; running commands is the store's job.
/// </summary>
public sealed class RestRouter(IStore store, AccessPolicy access, RestLimits? limits = null, ILogger? logger = null,
    IReadOnlyDictionary<string, RestEndpoint>? endpoints = null)
{
    readonly RestLimits limits = limits ?? RestLimits.Default;

    /// <summary>
    /// CORS on every answer, so pages on other origins can call the store: the headers the unchanged
    /// Upstash clients send (@upstash/redis sends upstash-sync-token on every request, the
    /// Upstash-Telemetry-* headers unless telemetry is off, Upstash-Encoding), the SignalR clients'
    /// negotiate headers (X-Requested-With, X-SignalR-User-Agent), Cache-Control (sent with
    /// subscribe()'s event-stream requests), and upstash-sync-token exposed
    /// because the client reads it back from every answer.
    /// </summary>
    static readonly Dictionary<string, string> CorsHeaders = new()
    {
        ["Access-Control-Allow-Origin"] = "*",
        ["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS",
        ["Access-Control-Allow-Headers"] = "Authorization, Content-Type, Upstash-Encoding, upstash-sync-token, " +
            "Upstash-Telemetry-Runtime, Upstash-Telemetry-Platform, Upstash-Telemetry-Sdk, Upstash-Telemetry-Retry, " +
            "X-Requested-With, X-SignalR-User-Agent, Cache-Control",
        ["Access-Control-Expose-Headers"] = "upstash-sync-token",
        ["Access-Control-Max-Age"] = "86400",
    };

    /// <summary>The header @upstash/redis sends on every request and keeps from every answer (readYourWrites).</summary>
    public const string SyncTokenHeader = "upstash-sync-token";

    /// <summary>An answer carries what this instance has seen, for the client to show to the next instance it reaches.</summary>
    RestResponse WithSyncToken(RestResponse response) => store.SyncToken is { } token
        ? response with { Headers = new Dictionary<string, string>(response.Headers) { [SyncTokenHeader] = token } }
        : response;

    /// <summary>Commands that only make sense on a connection; REST has its own way to do them.</summary>
    static readonly Dictionary<string, string> ConnectionCommands = new(StringComparer.OrdinalIgnoreCase)
    {
        ["multi"] = "ERR MULTI/EXEC over REST: send the whole transaction to <base>/multi-exec",
        ["exec"] = "ERR MULTI/EXEC over REST: send the whole transaction to <base>/multi-exec",
        ["discard"] = "ERR MULTI/EXEC over REST: send the whole transaction to <base>/multi-exec",
        ["watch"] = "ERR WATCH is not supported over REST: use <base>/multi-exec, which is atomic",
        ["unwatch"] = "ERR WATCH is not supported over REST: use <base>/multi-exec, which is atomic",
        ["select"] = "ERR SELECT is not supported: the store has one database",
        ["auth"] = "ERR AUTH is not used over REST: send Authorization: Bearer <token>",
    };

    public async Task<RestResponse> HandleAsync(RestRequest request, CancellationToken cancellationToken = default)
    {
        ProcessActivity.RequestStarted();
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        RestResponse? response = null;
        try
        {
            return response = WithSyncToken(await RouteAsync(request, cancellationToken));
        }
        catch (BadRequestException e)
        {
            return response = Respond(e.Status, ReplyEncoder.Error(e.Message));
        }
        catch (RedisException e)
        {
            return response = Respond(400, ReplyEncoder.Error(e.Message));
        }
        catch (TimeoutException e)
        {
            // A reply that did not come in time (the backend held the request: an outage, a redelivery): it may still be applied.
            return response = Respond(503, ReplyEncoder.Error($"ERR the store did not answer in time: {e.Message}; retry (a write may still be applied)"),
                ("Retry-After", "1"));
        }
        catch (Exception e) when (e is not OperationCanceledException && (store.Outage?.Failed(e) ?? StorageOutage.IsStorageFailure(e)))
        {
            // Storage failed under the request: a write sent before it failed may still be applied once storage is back.
            return response = Respond(503, ReplyEncoder.Error("ERR storage is unavailable: the request may not have been applied (a write already sent is applied once storage answers again); retry"),
                ("Retry-After", "1"));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger?.LogError(e, "Request {Method} {Path} failed", request.Method, request.RawPath);
            return response = Respond(500, ReplyEncoder.Error($"ERR the store failed to run the request ({e.GetType().Name}): retry; if it persists, see the store's log"));
        }
        finally
        {
            ProcessActivity.RequestEnded();
            RequestStats.Process.RequestServed(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds, response?.Status ?? 499);
        }
    }

    async Task<RestResponse> RouteAsync(RestRequest request, CancellationToken ct)
    {
        var method = request.Method.ToUpperInvariant();
        if (method == "OPTIONS") return Respond(204, []);
        if (method is not ("GET" or "POST"))
            return Respond(405, ReplyEncoder.Error($"ERR method {request.Method} is not allowed: use GET or POST"), ("Allow", "GET, POST, OPTIONS"));
        if (request.Body.Length > limits.MaxBodyBytes)
            return Respond(413, ReplyEncoder.Error($"ERR the request body is over the {limits.MaxBodyBytes}-byte limit ({RestLimits.MaxBodySetting}): split it into smaller requests or pipelines"));

        var granted = access.Authenticate(Token(request));
        if (granted == Access.None)
            return Respond(401, ReplyEncoder.Error("ERR unauthorized: send the store's token as 'Authorization: Bearer <token>' (or ?_token=)"));

        // While storage is down, requests are refused at once (503) instead of each waiting out the retries.
        if (store.Outage?.Refusal is { } down && !request.RawPath.Trim('/').Equals("stats", StringComparison.OrdinalIgnoreCase))
            return Respond(503, ReplyEncoder.Error(down), ("Retry-After", "1"));
        await store.CatchUpAsync(request.Header(SyncTokenHeader), ct);
        var base64 = string.Equals(request.Header("Upstash-Encoding"), "base64", StringComparison.OrdinalIgnoreCase);
        var path = request.RawPath.Trim('/');
        switch (path.ToLowerInvariant())
        {
            case "":
                if (method == "GET") return Respond(200, ReplyEncoder.Single(Reply.Simple("PONG"), base64));
                return await SingleAsync(Plan(CommandParser.ParseCommand(request.Body, limits), granted), granted, base64, ct);
            case "pipeline":
                return await PipelineAsync(Plans(RequirePost(method, CommandParser.ParseBatch, request), granted), granted, base64, ct);
            case "multi-exec":
                return await TransactionAsync(Plans(RequirePost(method, CommandParser.ParseBatch, request), granted), granted, base64, ct);
            case "stats":
                return method == "GET" ? Respond(200, RequestStats.Process.ToJson()) : Respond(405, ReplyEncoder.Error("ERR use GET for stats"), ("Allow", "GET, OPTIONS"));
            case var name when Endpoint(name) is { } endpoint:
                return await endpoint(request, granted, ct);
            default:
                var body = method == "POST" ? request.Body : null;
                return await SingleAsync(Plan(CommandParser.ParsePath(path, body, limits), granted), granted, base64, ct);
        }
    }

    /// <summary>The host's route for this path: its name exactly, or (for a path below it) the name with a trailing slash.</summary>
    RestEndpoint? Endpoint(string path) => endpoints is null ? null
        : endpoints.GetValueOrDefault(path) ?? (path.IndexOf('/') is > 0 and var slash ? endpoints.GetValueOrDefault(path[..(slash + 1)]) : null);

    /// <summary>Commands about to run, for INFO's count and the stats' per-name counts.</summary>
    static void Running(IReadOnlyCollection<CommandPlan> commands)
    {
        ProcessActivity.CommandsRun(commands.Count);
        RequestStats.Process.CommandsRun(commands.Select(c => c.Spec?.Name ?? "unknown"));
    }

    static List<CommandPlan> Plans(List<byte[][]> commands, Access granted) => commands.ConvertAll(c => Plan(c, granted));

    /// <summary>
    /// A command as the token runs it: a read-only token's EVAL, EVALSHA and FCALL run as EVAL_RO,
    /// EVALSHA_RO and FCALL_RO, so its scripts read and a write inside one is refused with Redis's
    /// error for read-only scripts.
    /// </summary>
    static CommandPlan Plan(byte[][] args, Access granted)
    {
        if (granted == Access.ReadOnly && args.Length > 0 && ReadOnlyForms.TryGetValue(Encoding.UTF8.GetString(args[0]), out var readOnly))
            args = [readOnly, .. args[1..]];
        return CommandPlan.Of(args);
    }

    static readonly Dictionary<string, byte[]> ReadOnlyForms = new(StringComparer.OrdinalIgnoreCase)
    {
        ["eval"] = "EVAL_RO"u8.ToArray(), ["evalsha"] = "EVALSHA_RO"u8.ToArray(), ["fcall"] = "FCALL_RO"u8.ToArray(),
    };

    T RequirePost<T>(string method, Func<byte[], RestLimits, T> parse, RestRequest request) =>
        method == "POST" ? parse(request.Body, limits) : throw new BadRequestException(405, "ERR use POST with a JSON array of commands");

    async Task<RestResponse> SingleAsync(CommandPlan command, Access granted, bool base64, CancellationToken ct)
    {
        var refusal = Refuse(command, granted);
        if (refusal is not null) return Respond(StatusOf(refusal), ReplyEncoder.Single(refusal, base64));
        Running([command]);
        var reply = await store.ExecuteAsync(command, ct);
        return Respond(reply is ErrorReply ? 400 : 200, ReplyEncoder.Single(reply, base64));
    }

    async Task<RestResponse> PipelineAsync(List<CommandPlan> commands, Access granted, bool base64, CancellationToken ct)
    {
        // Refused commands answer with their error in place; the others run, in order.
        var replies = new Reply?[commands.Count];
        var runnable = new List<CommandPlan>();
        var positions = new List<int>();
        for (var i = 0; i < commands.Count; i++)
        {
            replies[i] = Refuse(commands[i], granted);
            if (replies[i] is null)
            {
                runnable.Add(commands[i]);
                positions.Add(i);
            }
        }
        if (runnable.Count > 0)
        {
            Running(runnable);
            var results = await store.PipelineAsync(runnable, ct);
            for (var i = 0; i < positions.Count; i++) replies[positions[i]] = results[i];
        }
        return Respond(200, ReplyEncoder.Many(replies!, base64));
    }

    async Task<RestResponse> TransactionAsync(List<CommandPlan> commands, Access granted, bool base64, CancellationToken ct)
    {
        foreach (var command in commands)
        {
            // A command refused for permissions aborts the whole transaction, as in Redis.
            if (Refuse(command, granted) is ErrorReply { Message: var m } && m.StartsWith("NOPERM", StringComparison.Ordinal))
                return Respond(403, ReplyEncoder.Error(m));
        }
        Running(commands);
        var reply = await store.TransactionAsync(commands, ct);
        return reply is ArrayReply { Items: { } items }
            ? Respond(200, ReplyEncoder.Many(items, base64))
            : Respond(400, ReplyEncoder.Single(reply, base64));
    }

    /// <summary>The error a command gets before it runs: connection-only commands and permissions.</summary>
    static ErrorReply? Refuse(CommandPlan command, Access granted)
    {
        var name = Encoding.UTF8.GetString(command.Args[0]);
        if (ConnectionCommands.TryGetValue(name, out var message)) return new ErrorReply(message);
        var spec = command.Spec;
        if (spec is null) return null; // the store answers with Redis's unknown-command or arity error
        if (!AccessPolicy.Allows(granted, spec))
            return new ErrorReply($"NOPERM this user has no permissions to run the '{spec.Name}' command");
        return null;
    }

    static int StatusOf(ErrorReply refusal) => refusal.Message.StartsWith("NOPERM", StringComparison.Ordinal) ? 403 : 400;

    /// <summary>The bearer token of a request (header, or ?_token=).</summary>
    public static string? Token(RestRequest request)
    {
        var header = request.Header("Authorization");
        if (header is not null && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return header[7..].Trim();
        return request.Query.TryGetValue("_token", out var t) ? t : null;
    }

    /// <summary>A 403 refusal decided before routing (e.g. a store without tokens), with the usual headers.</summary>
    public static RestResponse Refused(string message) => Respond(403, ReplyEncoder.Error(message));

    /// <summary>A response with the API's headers (CORS; JSON content type when there is a body).</summary>
    public static RestResponse Respond(int status, byte[] body, params (string Name, string Value)[] extra)
    {
        var headers = new Dictionary<string, string>(CorsHeaders);
        if (body.Length > 0) headers["Content-Type"] = RestResponse.JsonContentType;
        foreach (var (name, value) in extra) headers[name] = value;
        return new RestResponse(status, body, headers);
    }
}
