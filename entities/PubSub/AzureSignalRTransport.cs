using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;

namespace Serverless.Store.PubSub;

/// <summary>
/// Azure SignalR Service in Serverless mode through its data-plane REST API (v1), since the
/// Functions SignalR extension is not available here. Each request carries a fresh HS256 token
/// signed with the access key, <c>aud</c> = the request URL without query, valid
/// <see cref="ServerTokenLifetime"/>. 429 and 5xx answers and network errors are retried with
/// exponential backoff (honouring Retry-After) up to <see cref="MaxAttempts"/> tries; then the call
/// fails with <see cref="PubSubTransportException"/>. The retry loop is a few lines here rather than
/// a resilience library in entities/, which every host would then carry.
/// </summary>
public sealed class AzureSignalRTransport(
    SignalRConnectionString connection, string hub, HttpClient http, ILogger? logger = null, TimeProvider? time = null) : IPubSubTransport
{
    public static readonly TimeSpan ServerTokenLifetime = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan ClientTokenLifetime = TimeSpan.FromHours(1);
    public const int MaxAttempts = 4;

    /// <summary>First retry delay (doubled each time); tests shorten it.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    readonly SecurityKey key = Jwt.Key(connection.AccessKey);
    readonly TimeProvider time = time ?? TimeProvider.System;
    readonly string hubPath = $"{connection.BaseUrl}/api/v1/hubs/{Uri.EscapeDataString(hub)}";

    /// <summary>Client token: <c>aud</c> = the client URL, the user id in <c>nameid</c>.</summary>
    public NegotiateResult Negotiate(string userId, Uri requestOrigin)
    {
        var url = connection.ClientUrl(hub);
        return new NegotiateResult(url, Jwt.Create(key, url, ClientTokenLifetime, new Dictionary<string, object> { ["nameid"] = userId }, time));
    }

    public Task SendToGroupAsync(string group, PubSubMessage message, CancellationToken cancellation) =>
        SendAsync(HttpMethod.Post, $"{hubPath}/groups/{Uri.EscapeDataString(group)}",
            new { target = IPubSubTransport.Target, arguments = new object[] { message } }, cancellation);

    public Task AddToGroupAsync(string group, string connectionId, CancellationToken cancellation) =>
        SendAsync(HttpMethod.Put, $"{hubPath}/groups/{Uri.EscapeDataString(group)}/connections/{Uri.EscapeDataString(connectionId)}", null, cancellation);

    public Task RemoveFromGroupAsync(string group, string connectionId, CancellationToken cancellation) =>
        SendAsync(HttpMethod.Delete, $"{hubPath}/groups/{Uri.EscapeDataString(group)}/connections/{Uri.EscapeDataString(connectionId)}", null, cancellation);

    public Task RemoveFromAllGroupsAsync(string connectionId, CancellationToken cancellation) =>
        SendAsync(HttpMethod.Delete, $"{hubPath}/connections/{Uri.EscapeDataString(connectionId)}/groups", null, cancellation);

    public async Task<bool> ConnectionExistsAsync(string connectionId, CancellationToken cancellation) =>
        await SendAsync(HttpMethod.Head, $"{hubPath}/connections/{Uri.EscapeDataString(connectionId)}", null, cancellation, notFoundIsAnswer: true)
        != HttpStatusCode.NotFound;

    async Task<HttpStatusCode> SendAsync(HttpMethod method, string url, object? body, CancellationToken cancellation, bool notFoundIsAnswer = false)
    {
        var delay = RetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(method, url);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Jwt.Create(key, url, ServerTokenLifetime, time: time));
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
