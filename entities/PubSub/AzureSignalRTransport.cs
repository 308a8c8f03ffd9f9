using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;

namespace Serverless.Store.PubSub;

/// <summary>
/// Azure SignalR Service in Serverless mode through its data-plane REST API, version 2022-06-01 (the
/// documented one, and what Microsoft's management SDK sends; the older v1 reference lacks "remove a
/// connection from all groups"), since the Functions SignalR extension is not available here.
/// Routes below <c>/api/hubs/{hub}</c> (the hub lower-cased, as the SDK sends it):
/// <c>POST groups/{group}/:send</c>, <c>PUT|DELETE groups/{group}/connections/{id}</c>,
/// <c>DELETE connections/{id}/groups</c>, <c>HEAD connections/{id}</c>, each with
/// <c>?api-version=2022-06-01</c>. Each request carries a fresh HS256 token signed with the access
/// key, <c>aud</c> = the request URL without its query (what the service checks), valid
/// <see cref="ServerTokenLifetime"/>. A 404 to a removal means the connection is not in the group
/// (or gone): done, as Redis's UNSUBSCRIBE of a channel one is not in. 429 and 5xx answers and
/// network errors are retried with exponential backoff (honouring Retry-After) up to
/// <see cref="MaxAttempts"/> tries; then the call fails with <see cref="PubSubTransportException"/>.
/// The retry loop is a few lines here rather than a resilience library in entities/, which every
/// host would then carry.
/// </summary>
public sealed class AzureSignalRTransport(
    SignalRConnectionString connection, string hub, HttpClient http, ILogger? logger = null, TimeProvider? time = null) : IPubSubTransport
{
    public static readonly TimeSpan ServerTokenLifetime = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan ClientTokenLifetime = TimeSpan.FromHours(1);
    public const int MaxAttempts = 4;

    /// <summary>The data-plane REST API version every request names.</summary>
    public const string ApiVersion = "2022-06-01";

    /// <summary>First retry delay (doubled each time); tests shorten it.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    readonly SecurityKey key = Jwt.Key(connection.AccessKey);
    readonly TimeProvider time = time ?? TimeProvider.System;
    readonly string hubPath = $"{connection.BaseUrl}/api/hubs/{Uri.EscapeDataString(hub.ToLowerInvariant())}";

    /// <summary>Client token: <c>aud</c> = the client URL, the user id in <c>nameid</c>.</summary>
    public NegotiateResult Negotiate(string userId, Uri requestOrigin)
    {
        var url = connection.ClientUrl(hub);
        return new NegotiateResult(url, Jwt.Create(key, url, ClientTokenLifetime, new Dictionary<string, object> { ["nameid"] = userId }, time));
    }

    public Task SendToGroupAsync(string group, PubSubMessage message, CancellationToken cancellation) =>
        SendAsync(HttpMethod.Post, $"groups/{Uri.EscapeDataString(group)}/:send",
            new { target = IPubSubTransport.Target, arguments = new object[] { message } }, cancellation);

    public Task AddToGroupAsync(string group, string connectionId, CancellationToken cancellation) =>
        SendAsync(HttpMethod.Put, $"groups/{Uri.EscapeDataString(group)}/connections/{Uri.EscapeDataString(connectionId)}", null, cancellation);

    public Task RemoveFromGroupAsync(string group, string connectionId, CancellationToken cancellation) =>
        SendAsync(HttpMethod.Delete, $"groups/{Uri.EscapeDataString(group)}/connections/{Uri.EscapeDataString(connectionId)}", null, cancellation, notFoundIsAnswer: true);

    public Task RemoveFromAllGroupsAsync(string connectionId, CancellationToken cancellation) =>
        SendAsync(HttpMethod.Delete, $"connections/{Uri.EscapeDataString(connectionId)}/groups", null, cancellation, notFoundIsAnswer: true);

    /// <summary>
    /// A client connection to the service, held by this process for a server-sent-event stream: the
    /// service delivers to it from every instance's PUBLISH, as it does to a browser, so the stream
    /// needs no Azure resource of its own.
    /// </summary>
    public Task<HeldConnection> ConnectAsync(string userId, CancellationToken cancellation) =>
        SignalRClient.ConnectAsync(Negotiate(userId, new Uri(connection.BaseUrl)), cancellation);

    public async Task<bool> ConnectionExistsAsync(string connectionId, CancellationToken cancellation) =>
        await SendAsync(HttpMethod.Head, $"connections/{Uri.EscapeDataString(connectionId)}", null, cancellation, notFoundIsAnswer: true)
        != HttpStatusCode.NotFound;

    /// <summary>The URL of a route below the hub, and its token's audience (the same URL without the query).</summary>
    (string Url, string Audience) Route(string path)
    {
        var audience = $"{hubPath}/{path}";
        return ($"{audience}?api-version={ApiVersion}", audience);
    }

    async Task<HttpStatusCode> SendAsync(HttpMethod method, string path, object? body, CancellationToken cancellation, bool notFoundIsAnswer = false)
    {
        var (url, audience) = Route(path);
        var delay = RetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(method, url);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Jwt.Create(key, audience, ServerTokenLifetime, time: time));
            if (body is not null) request.Content = JsonContent.Create(body);
            string problem;
            TimeSpan? retryAfter = null;
            try
            {
                using var response = await http.SendAsync(request, cancellation);
                var status = response.StatusCode;
                if (response.IsSuccessStatusCode || (notFoundIsAnswer && status == HttpStatusCode.NotFound)) return status;
                problem = $"{(int)status} {await response.Content.ReadAsStringAsync(cancellation)}".Trim();
                if (status != HttpStatusCode.TooManyRequests && (int)status < 500)
                    throw new PubSubTransportException($"Azure SignalR refused {method} {Path(url)}: {problem}");
                retryAfter = response.Headers.RetryAfter?.Delta;
            }
            catch (HttpRequestException e)
            {
                problem = e.Message;
            }
            catch (TaskCanceledException e) when (!cancellation.IsCancellationRequested)
            {
                problem = "timed out: " + e.Message;
            }
            if (attempt >= MaxAttempts)
                throw new PubSubTransportException($"Azure SignalR {method} {Path(url)} failed after {attempt} tries: {problem}");
            var wait = retryAfter is { } ra && ra > delay ? ra : delay;
            logger?.LogWarning("Azure SignalR {Method} {Path} failed ({Problem}); try {Attempt} of {MaxAttempts} in {DelayMs} ms",
                method, Path(url), problem, attempt + 1, MaxAttempts, (long)wait.TotalMilliseconds);
            await Task.Delay(wait, time, cancellation);
            delay *= 2;
        }
    }

    static string Path(string url) => new Uri(url).AbsolutePath;
}
